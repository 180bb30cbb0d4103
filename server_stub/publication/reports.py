"""The reports the office sends up (issue 27 point 4): the monthly 工作简报 (due by the 15th of the
next month) and the yearly 自查报告 (due before 5 November), as .docx laid out as an official
document (GB/T 9704-2012, as far as a generated file can) and as PDF.

Three steps, each testable alone: the figures (:class:`ReportFigures`, read by
``server_stub.review.report_figures`` from the same queries as the dashboard, the year overview
and the follow-up ledger) → a document model (:func:`monthly_brief`, :func:`yearly_report`:
pure, no I/O) → bytes (:func:`to_docx`, :func:`to_pdf`). The choices (the 发文字号, the fonts
substituted for 方正小标宋 and 仿宋_GB2312 in the PDF) are in docs/decisions.md ("Issue 27: the
reports the office sends up").
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from server_stub.publication.aggregation import GroupRate, Overdue, PlanFigures, RiskGradeUse
from sync import YearRow

Kind = Literal["monthly", "yearly"]

RECIPIENT = "市“双随机、一公开”监管工作领导小组办公室"
"""Where the seeds send both reports (报市领导小组办公室)."""

# GB/T 9704-2012: A4, the text area 156 mm × 225 mm; 3号 (16 pt) body, 22 lines of 28 characters
PAGE_MARGINS_MM = {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
TITLE_PT = 22.0  # 2号
BODY_PT = 16.0  # 3号
TABLE_PT = 12.0  # 小四: the tables' figures
LINE_PT = 28.95  # 225 mm / 22 lines
PAGE_NUMBER_PT = 14.0  # 4号
PAGE_NUMBER_LINE_PT = 16.0
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"  # 一、
SUBHEADING_FONT = "楷体_GB2312"  # （一）
RED = (0xCC, 0x00, 0x00)
MM_PER_PT = 25.4 / 72


# --- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispositions:
    """The follow-up ledger's figures for a period."""

    found: int
    """Results 发现问题待后续处理 inspected in the period."""
    closed: Mapping[str, int]
    """Dispositions registered (处置日期) in the period, by disposal, most frequent first."""
    open_now: int
    """Entries still open when the report is made (any inspection date)."""
    overdue_now: int
    """Of those, past their disposal deadline."""

    @property
    def closed_total(self) -> int:
        return sum(self.closed.values())


@dataclass(frozen=True)
class ReportFigures:
    """Every number a report prints, for one department and one period."""

    kind: Kind
    department: str
    year: int
    month: int | None
    start: dt.date
    end: dt.date
    as_of: dt.date
    """The day the figures were read (China date): results after it are not in yet."""
    year_row: YearRow
    """The department's row of the year overview (the year's plans, joint plans, risk grades)."""
    plans: Sequence[PlanFigures]
    """The dashboard's plans with a task or a result in the period."""
    inspected: int
    problems: int
    by_industry: Sequence[GroupRate]
    by_region: Sequence[GroupRate]
    risk_grade_use: RiskGradeUse
    overdue: Sequence[Overdue]
    dispositions: Dispositions

    @property
    def inspected_tasks(self) -> int:
        """Tasks of the plans with a current result inspected in the period."""
        return sum(p.completed for p in self.plans)

    @property
    def published(self) -> int:
        return sum(p.published for p in self.plans)

    @property
    def published_late(self) -> int:
        return sum(o.published_late for o in self.overdue)

    @property
    def unpublished_overdue(self) -> int:
        return sum(o.unpublished_overdue for o in self.overdue)


def month_period(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def year_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def monthly_due(year: int, month: int) -> dt.date:
    """The brief of ``month`` is due by the 15th of the next month (每月15日前: calendar days)."""
    return dt.date(year + month // 12, month % 12 + 1, 15)


def yearly_due(year: int) -> dt.date:
    """The year's self-report is due by 5 November of that year (11月5日前)."""
    return dt.date(year, 11, 5)


# --- the 发文字号 ------------------------------------------------------------------------------

_BUREAU_CODES = {"市场监督管理": "监", "生态环境": "环", "应急管理": "应急", "卫生健康": "卫健",
                 "文化和旅游": "文旅", "交通运输": "交", "住房和城乡建设": "建"}


def issuer_code(department: str) -> str:
    """The department's 发文机关代字, derived from its name: the place's first character, its
    level (市 / 区 / 县) and the bureau's short form (威海市市场监督管理局 → 威市监). A name that
    does not read so is used whole."""
    match = re.fullmatch(r"(.+?)(市|区|县)(.+?)(局|委员会|委|办公室|办)?", department)
    if match is None:
        return department
    place, level, bureau = match.group(1), match.group(2), match.group(3)
    short = next((code for name, code in _BUREAU_CODES.items() if bureau.startswith(name)), bureau[:2])
    return f"{place[0]}{level}{short}"


def document_number(kind: Kind, department: str, year: int, month: int | None) -> str:
    """The 发文字号, derived (never stored, so printing a report again gives the same number and a
    preview uses none up): a brief is number ``month`` of the department's 简报 series of the year,
    the self-report number 1 of its 自查 series (威市监双随机简〔2026〕11号, 威市监双随机自查〔2026〕1号)."""
    code = issuer_code(department)
    if kind == "monthly":
        return f"{code}双随机简〔{year}〕{month}号"
    return f"{code}双随机自查〔{year}〕1号"


# --- the document model -----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1
    """1: 一、 (黑体); 2: （一） (楷体)."""


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | Table


@dataclass(frozen=True)
class OfficialDocument:
    issuer: str
    """发文机关 (the department): the 版头 reads "{issuer}文件" and the signature is this name."""
    number: str
    title: str
    recipient: str
    blocks: tuple[Block, ...]
    date: dt.date
    """成文日期."""
    file_name: str = field(default="report")

    @property
    def mark(self) -> str:
        return f"{self.issuer}文件"

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def chinese_date(day: dt.date) -> str:
    """成文日期 as GB/T 9704-2012 writes it: 2026年12月6日 (Arabic figures, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def percent(rate: Decimal | float | None) -> str:
    if rate is None:
        return "—"
    value = Decimal(str(rate)) * 100
    return f"{value.quantize(Decimal('0.1')).normalize():f}%"


def _share(part: int, whole: int) -> str:
    return "—" if whole == 0 else percent(Decimal(part) / Decimal(whole))


def _plans_table(figures: ReportFigures) -> Table:
    rows = tuple((p.name, str(p.tasks), str(p.completed), str(p.published), percent(p.completion_rate))
                 for p in figures.plans)
    rows += (("合计", str(sum(p.tasks for p in figures.plans)), str(figures.inspected_tasks),
              str(figures.published), _share(figures.inspected_tasks, sum(p.tasks for p in figures.plans))),)
    return Table("抽查计划完成情况", ("抽查计划", "任务数", "本期完成", "本期已公示", "完成率"), rows)


def _year_table(row: YearRow) -> Table:
    return Table("本年度抽查计划执行情况",
                 ("计划", "已确认", "已抽取", "已完成", "已公示", "联合计划", "风险分类运用率"),
                 ((str(row["planned"]), str(row["confirmed"]), str(row["drawn"]), str(row["done"]),
                   str(row["published"]), f"{row['joint']}（已确认{row['joint_confirmed']}）",
                   percent(row["risk_grade_use"])),))


def _problems_table(figures: ReportFigures, caption: str) -> Table:
    rows = tuple((g.key or "未分类", str(g.inspected), str(g.problems), percent(g.rate),
                  g.colour.value if g.colour else "—") for g in figures.by_industry)
    rows += (("合计", str(figures.inspected), str(figures.problems),
              _share(figures.problems, figures.inspected), "—"),)
    return Table(caption, ("行业", "检查户次", "发现问题", "问题发现率", "预警"), rows)


def _dispositions_table(figures: ReportFigures, caption: str) -> Table:
    d = figures.dispositions
    rows = tuple((name, str(n)) for name, n in d.closed.items())
    rows += (("合计", str(d.closed_total)),)
    return Table(caption, ("处置方式", "件数"), rows)


def _opening(figures: ReportFigures, what: str) -> Para:
    return Para(f"现将本部门{what}（{chinese_date(figures.start)}至{chinese_date(figures.end)}）"
                f"“双随机、一公开”监管工作情况报告如下。本文数据取自掌上查平台，统计截至"
                f"{chinese_date(figures.as_of)}。")


def _year_para(figures: ReportFigures) -> Para:
    row = figures.year_row
    use = figures.year_row["risk_grade_use"]
    target = "达到" if row["meets_target"] else "未达到"
    return Para(
        f"{figures.year}年度本部门牵头或参与的抽查计划共{row['planned']}个，其中各参与部门已确认"
        f"{row['confirmed']}个、已抽取{row['drawn']}个、已完成{row['done']}个、结果已全部公示"
        f"{row['published']}个。双随机抽查计划{row['random_plans']}个中，按风险分类设定抽查比例的"
        f"{row['graded_plans']}个，风险分类结果运用率{percent(use)}，{target}60%的目标。")


def _completion_para(figures: ReportFigures, period: str) -> Para:
    return Para(
        f"{period}完成检查{figures.inspected}户次，结果已公示{figures.published}户次。"
        f"检查后超过20个工作日仍未公示的{figures.unpublished_overdue}户次，"
        f"超过期限后公示的{figures.published_late}户次。")


def _problems_para(figures: ReportFigures, period: str) -> Para:
    worst = [g for g in figures.by_industry if g.colour is not None and g.colour.value in ("红色", "橙色")]
    warning = ("；问题发现率达到红色、橙色预警的行业：" + "、".join(f"{g.key}（{g.colour.value if g.colour else ''}）"
                                                    for g in worst)) if worst else ""
    return Para(f"{period}检查{figures.inspected}户次，发现问题{figures.problems}户次，问题发现率"
                f"{_share(figures.problems, figures.inspected)}{warning}。")


def _dispositions_para(figures: ReportFigures, period: str) -> Para:
    d = figures.dispositions
    closed = "、".join(f"{name}{n}件" for name, n in d.closed.items() if n)
    return Para(f"{period}检查发现问题待后续处理{d.found}户次；登记处置{d.closed_total}件"
                f"{'（' + closed + '）' if closed else ''}。截至统计日，后续处置台账中尚未处置"
                f"{d.open_now}件，其中超过处置期限{d.overdue_now}件。")


def _joint_para(figures: ReportFigures) -> Para:
    row = figures.year_row
    return Para(
        f"{figures.year}年度本部门参与部门联合抽查计划{row['joint']}个（各部门均已确认"
        f"{row['joint_confirmed']}个），占本部门抽查计划的{percent(row['joint_share'])}。"
        f"联合抽查“进一次门、查多项事”减少重复检查{row['joint_visits_saved']}户次，"
        f"因年度抽查次数上限未再抽取{row['capped_out']}户次，合计避免重复检查"
        f"{row['repeats_avoided']}户次。")


def numbered(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The tables captioned 表1, 表2, … in the order they are printed."""
    tables = iter(range(1, len(blocks) + 1))
    return tuple(Table(f"表{next(tables)}　{b.caption}", b.header, b.rows) if isinstance(b, Table) else b
                 for b in blocks)


def monthly_brief(figures: ReportFigures) -> OfficialDocument:
    """The 工作简报 of one month: the period's plans, completion, problems found, dispositions and
    joint plans, each with its table, and a place for the 工作动态或经验做法 the seeds ask for."""
    assert figures.month is not None
    period = "本月"
    blocks: tuple[Block, ...] = (
        _opening(figures, f"{figures.year}年{figures.month}月"),
        Heading("一、抽查计划执行情况"), _year_para(figures), _year_table(figures.year_row),
        Heading("二、检查完成和结果公示情况"), _completion_para(figures, period), _plans_table(figures),
        Heading("三、发现问题情况"), _problems_para(figures, period),
        _problems_table(figures, "分行业发现问题情况"),
        Heading("四、后续处置情况"), _dispositions_para(figures, period),
        _dispositions_table(figures, "本月登记处置情况"),
        Heading("五、部门联合抽查情况"), _joint_para(figures),
        Heading("六、工作动态和经验做法"), Para("（由本部门填写。）"),
    )
    return OfficialDocument(
        issuer=figures.department,
        number=document_number("monthly", figures.department, figures.year, figures.month),
        title=f"{figures.department}{figures.year}年{figures.month}月“双随机、一公开”监管工作简报",
        recipient=RECIPIENT, blocks=numbered(blocks), date=figures.as_of,
        file_name=f"工作简报-{figures.year}-{figures.month:02d}")


def yearly_report(figures: ReportFigures) -> OfficialDocument:
    """The year's 自查报告: the same figures over the year, by industry and by region."""
    period = "本年度"
    regions = tuple((g.key or "未分类", str(g.inspected), str(g.problems), percent(g.rate),
                     g.colour.value if g.colour else "—") for g in figures.by_region)
    regions += (("合计", str(figures.inspected), str(figures.problems),
                 _share(figures.problems, figures.inspected), "—"),)
    blocks: tuple[Block, ...] = (
        _opening(figures, f"{figures.year}年度"),
        Heading("一、抽查计划执行情况"), _year_para(figures), _year_table(figures.year_row),
        Heading("二、检查完成和结果公示情况"), _completion_para(figures, period), _plans_table(figures),
        Heading("三、发现问题情况"), _problems_para(figures, period),
        _problems_table(figures, "分行业发现问题情况"),
        Table("分区域发现问题情况", ("区域", "检查户次", "发现问题", "问题发现率", "预警"), regions),
        Heading("四、后续处置情况"), _dispositions_para(figures, period),
        _dispositions_table(figures, "本年度登记处置情况"),
        Heading("五、部门联合抽查情况"), _joint_para(figures),
        Heading("六、存在的问题和下一步工作打算"), Para("（由本部门填写。）"),
    )
    return OfficialDocument(
        issuer=figures.department,
        number=document_number("yearly", figures.department, figures.year, None),
        title=f"{figures.department}关于{figures.year}年度“双随机、一公开”监管工作的自查报告",
        recipient=RECIPIENT, blocks=numbered(blocks), date=figures.as_of,
        file_name=f"自查报告-{figures.year}")


def build(figures: ReportFigures) -> OfficialDocument:
    return monthly_brief(figures) if figures.kind == "monthly" else yearly_report(figures)


# --- .docx ------------------------------------------------------------------------------------


def to_docx(document: OfficialDocument) -> bytes:
    """The document as .docx: A4 with GB/T 9704's margins, the red 版头 and rule, the 发文字号,
    the title in 2号 小标宋, the body in 3号 仿宋 at 28.95 pt lines with a two-character indent,
    the tables, the signature and date, page numbers "— 1 —" (odd pages right, even left)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(PAGE_MARGINS_MM["top"]), Mm(PAGE_MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE_MARGINS_MM["left"]), Mm(PAGE_MARGINS_MM["right"])
    # the page number's line (exactly PAGE_NUMBER_LINE_PT high) begins 7 mm under the text area
    section.footer_distance = Mm(PAGE_MARGINS_MM["bottom"] - 7 - PAGE_NUMBER_LINE_PT * MM_PER_PT)

    def fonts(run_or_style: object, name: str, size: float, *, bold: bool = False,
              colour: tuple[int, int, int] | None = None) -> None:
        font = run_or_style.font  # type: ignore[attr-defined]
        font.name, font.size, font.bold = name, Pt(size), bold
        if colour is not None:
            font.color.rgb = RGBColor(*colour)
        element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element  # type: ignore[attr-defined]
        rpr = element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = OxmlElement("w:rFonts")
            rpr.insert(0, rfonts)
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attribute), name)

    normal = doc.styles["Normal"]
    fonts(normal, BODY_FONT, BODY_PT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)

    def paragraph(text: str, *, font: str = BODY_FONT, size: float = BODY_PT, bold: bool = False,
                  align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False,
                  colour: tuple[int, int, int] | None = None, line: float | None = None) -> Any:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * size)
        if line is not None:
            p.paragraph_format.line_spacing = Pt(line)
        fonts(p.add_run(text), font, size, bold=bold, colour=colour)
        return p

    def rule() -> None:
        """The red line under the 版头 (a bottom border of an empty paragraph)."""
        p = doc.add_paragraph()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "CC0000")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        p._p.get_or_add_pPr().append(borders)
        p.paragraph_format.line_spacing = Pt(12)

    paragraph(document.mark, font=TITLE_FONT, size=TITLE_PT * 1.6, align=WD_ALIGN_PARAGRAPH.CENTER,
              colour=RED, line=TITLE_PT * 2)
    paragraph("")
    paragraph(document.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    rule()
    paragraph("")
    per_line = (210 - PAGE_MARGINS_MM["left"] - PAGE_MARGINS_MM["right"]) / (TITLE_PT * MM_PER_PT)
    first, *rest = title_lines(document.title, lambda t: _ems(t) <= per_line)
    title = paragraph(first, font=TITLE_FONT, size=TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line=LINE_PT + 6)
    for part in rest:
        run = title.add_run()
        run.add_break()
        run.add_text(part)
        fonts(run, TITLE_FONT, TITLE_PT)
    paragraph("")
    paragraph(f"{document.recipient}：", align=WD_ALIGN_PARAGRAPH.LEFT)
    for block in document.blocks:
        if isinstance(block, Heading):
            paragraph(block.text, font=HEADING_FONT if block.level == 1 else SUBHEADING_FONT, indent=True)
        elif isinstance(block, Para):
            paragraph(block.text, indent=True)
        else:
            paragraph(block.caption, align=WD_ALIGN_PARAGRAPH.CENTER, font=HEADING_FONT, size=TABLE_PT,
                      line=LINE_PT)
            table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = doc.styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for r, cells in enumerate((block.header, *block.rows)):
                for c, text in enumerate(cells):
                    cell = table.cell(r, c)
                    p = cell.paragraphs[0]
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if (r == 0 or c > 0) else WD_ALIGN_PARAGRAPH.LEFT
                    p.paragraph_format.line_spacing = Pt(TABLE_PT * 1.5)
                    p.paragraph_format.first_line_indent = Pt(0)
                    fonts(p.add_run(text), HEADING_FONT if r == 0 else BODY_FONT, TABLE_PT)
            paragraph("", line=LINE_PT / 2)
    paragraph("")
    paragraph("")
    # the signature and date: right-aligned, the date four characters from the right edge
    sign = paragraph(document.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    sign.paragraph_format.right_indent = Pt(_signature_indent(document) * BODY_PT)
    dated = paragraph(chinese_date(document.date), align=WD_ALIGN_PARAGRAPH.RIGHT)
    dated.paragraph_format.right_indent = Pt(4 * BODY_PT)

    # page numbers: 4号 宋体, "— 1 —", odd pages right, even pages left, one character in
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        p.paragraph_format.line_spacing = Pt(PAGE_NUMBER_LINE_PT)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
        fonts(p.add_run("— "), "宋体", PAGE_NUMBER_PT)
        run = p.add_run()
        fonts(run, "宋体", PAGE_NUMBER_PT)
        for kind in ("begin", "instr", "end"):
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = " PAGE "
                run._r.append(instr)
            else:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)
        fonts(p.add_run(" —"), "宋体", PAGE_NUMBER_PT)
    doc.core_properties.title = document.title
    doc.core_properties.author = document.issuer
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------


def to_pdf(document: OfficialDocument, font_dir: Path) -> bytes:
    """The same document as PDF (fpdf2), with the bundled font embedded: ZSC Sans Bold stands for
    方正小标宋 and 黑体, ZSC Sans Regular for 仿宋 (the project bundles no serif CJK font)."""
    from fpdf import FPDF
    from fpdf.enums import Align, WrapMode, XPos, YPos
    from fpdf.fonts import FontFace

    line = LINE_PT * MM_PER_PT

    class Paper(FPDF):
        def footer(self) -> None:
            self.set_y(-(PAGE_MARGINS_MM["bottom"] - 7))
            self.set_font("cjk", size=PAGE_NUMBER_PT)
            odd = self.page_no() % 2 == 1
            self.set_x(PAGE_MARGINS_MM["left"] + (0 if odd else PAGE_NUMBER_PT * MM_PER_PT))
            width = self.w - PAGE_MARGINS_MM["left"] - PAGE_MARGINS_MM["right"] - PAGE_NUMBER_PT * MM_PER_PT
            self.cell(width, 6, f"— {self.page_no()} —", align="R" if odd else "L")

    paper = Paper(orientation="P", unit="mm", format="A4")
    paper.add_font("cjk", fname=str(font_dir / "ZSCSans-Regular.otf"))
    paper.add_font("cjk", style="B", fname=str(font_dir / "ZSCSans-Bold.otf"))
    paper.set_margins(PAGE_MARGINS_MM["left"], PAGE_MARGINS_MM["top"], PAGE_MARGINS_MM["right"])
    paper.set_auto_page_break(True, margin=PAGE_MARGINS_MM["bottom"])
    paper.set_title(document.title)
    paper.set_author(document.issuer)
    paper.add_page()

    def text(value: str, *, size: float = BODY_PT, bold: bool = False, align: str = "L",
             indent: bool = False, height: float = line) -> None:
        paper.set_font("cjk", "B" if bold else "", size)
        width = paper.w - paper.l_margin - paper.r_margin
        for part in wrap(("　　" if indent else "") + value, width, paper.get_string_width):
            paper.cell(width, height, part, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    paper.set_text_color(*RED)
    text(document.mark, size=TITLE_PT * 1.6, bold=True, align="C", height=TITLE_PT * 2 * MM_PER_PT)
    paper.set_text_color(0, 0, 0)
    paper.ln(line)
    text(document.number, align="C")
    y = paper.get_y() + 2
    paper.set_draw_color(*RED)
    paper.set_line_width(0.5)
    paper.line(PAGE_MARGINS_MM["left"], y, paper.w - PAGE_MARGINS_MM["right"], y)
    paper.set_draw_color(0, 0, 0)
    paper.set_line_width(0.2)
    paper.ln(line)
    paper.set_font("cjk", "B", TITLE_PT)
    for part in title_lines(document.title, lambda t: paper.get_string_width(t) <= paper.epw):
        text(part, size=TITLE_PT, bold=True, align="C", height=(LINE_PT + 6) * MM_PER_PT)
    paper.ln(line)
    text(f"{document.recipient}：", align="L")
    for block in document.blocks:
        if isinstance(block, Heading):
            text(block.text, bold=True, indent=True)
        elif isinstance(block, Para):
            text(block.text, indent=True)
        else:
            paper.ln(2)
            text(block.caption, size=TABLE_PT, bold=True, align="C", height=TABLE_PT * 1.5 * MM_PER_PT)
            paper.set_font("cjk", "", TABLE_PT)
            widths = _column_widths(block, paper.epw)
            with paper.table(col_widths=widths, line_height=TABLE_PT * 1.5 * MM_PER_PT,
                             text_align=Align.C, first_row_as_headings=True,
                             headings_style=FontFace(emphasis="BOLD", fill_color=(240, 240, 240)),
                             wrapmode=WrapMode.CHAR) as table:
                for cells in (block.header, *block.rows):
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)
            paper.ln(line / 2)
    paper.ln(line * 2)
    right = PAGE_MARGINS_MM["right"]
    paper.set_font("cjk", "", BODY_PT)
    paper.set_right_margin(right + _signature_indent(document) * BODY_PT * MM_PER_PT)
    text(document.issuer, align="R")
    paper.set_right_margin(right + 4 * BODY_PT * MM_PER_PT)
    text(chinese_date(document.date), align="R")
    paper.set_right_margin(right)
    return bytes(paper.output())


def title_lines(title: str, fits: Callable[[str], bool]) -> list[str]:
    """The title on one line if it fits; else broken before its first opening quote when both
    halves fit (威海市市场监督管理局2026年11月 / “双随机、一公开”监管工作简报: a break at a
    phrase, the longer line first, as GB/T 9704 asks of a title of several lines); else as is."""
    if fits(title):
        return [title]
    at = title.find("“")
    if at > 0 and fits(title[:at]) and fits(title[at:]):
        return [title[:at], title[at:]]
    return [title]


def _ems(text: str) -> float:
    """A width in characters of the body's size: a hanzi is one, an ASCII figure half."""
    return sum(0.5 if ord(char) < 0x80 else 1.0 for char in text)


def _signature_indent(document: OfficialDocument) -> float:
    """GB/T 9704 7.3.5.2: the date four characters from the right margin, the issuer's name
    centred over it (so its right indent, in characters; never into the margin)."""
    return max(0.0, 4 + (_ems(chinese_date(document.date)) - _ems(document.issuer)) / 2)


NO_LINE_START = set("、，。；：？！”’）》」』〕】…%．,.;:?!)")
"""Characters a line may not begin with (避头), as Chinese typesetting has it."""
NO_LINE_END = set("“‘（《「『〔【(")
"""Characters a line may not end with (避尾)."""


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` cut into lines no wider than ``width``, character by character, never starting a
    line with a closing punctuation mark or ending one with an opening mark (the character before
    moves down with it), and never cutting a run of digits."""
    lines: list[str] = []
    current = ""
    for char in text:
        if not current or measure(current + char) <= width:
            current += char
            continue
        carry = 0
        while carry < len(current) - 1 and (
                (char if carry == 0 else current[-carry]) in NO_LINE_START
                or current[-carry - 1] in NO_LINE_END
                or (current[-carry - 1].isdigit() and (char if carry == 0 else current[-carry]).isdigit())):
            carry += 1
        lines.append(current[:len(current) - carry])
        current = current[len(current) - carry:] + char
    if current:
        lines.append(current)
    return lines


def _column_widths(table: Table, width: float) -> tuple[float, ...]:
    """The first column (a name) takes what the figures leave; figures share the rest evenly."""
    columns = len(table.header)
    if columns == 1:
        return (width,)
    first = max(len(table.header[0]), *(len(r[0]) for r in table.rows)) if table.rows else len(table.header[0])
    share = min(0.5, max(0.2, first / (first + 4 * (columns - 1))))
    rest = width * (1 - share) / (columns - 1)
    return (width * share, *([rest] * (columns - 1)))
