"""现场检查笔录 as a PDF: the same code on the phone (the enterprise's copy, offline) and on the
platform (the file, printing), so that both papers say the same thing.

The paper is drawn from the signed record alone plus what the record names by reference and the
signer could not sign twice: the entity's name and address, the items' names and bases, the
photo and signature bytes (each checked against the SHA-256 the record covers). A4 portrait,
the bundled CJK font embedded (subset by fpdf2), a QR code to the platform's public check of the
record (``/r/{id}?h={hash}``). A photo whose bytes are missing or unreadable is drawn as a box
saying so: a paper is never refused for want of a thumbnail.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import qrcode
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from ._acknowledgement import AcknowledgementKind
from ._china_time import china_time
from ._model import InspectionMethod, ItemResult
from ._modes import is_off_site
from ._record import Record, RecordItem, acknowledges_content

REGULAR_FONT = "ZSCSans-Regular.otf"
BOLD_FONT = "ZSCSans-Bold.otf"
MARGIN = 15.0
THUMB = 32.0
"""Photo thumbnails' side on paper, in millimetres."""
SIGNATURE_WIDTH = 70.0
QR_SIZE = 34.0
LINE = 6.0

LOCATION_SOURCES = {"device": "本机定位", "typed": "手工输入"}
OFFICE_STATEMENT = {
    "书面检查笔录": "本次检查为书面检查：检查人员在办公场所审阅被检查对象提交的材料，未到现场检查。",
    "非现场检查笔录": "本次检查为非现场检查（书面检查、网络监测）：检查人员在办公场所审阅被检查对象提交的材料、"
                 "检测其网络经营活动，未到现场检查。",
}


def check_url(base_url: str, record_id: str, digest: str) -> str:
    """The public check of a record: ``/r/{id}``, with the paper's hash for the page to compare."""
    return f"{base_url.rstrip('/')}/r/{quote(record_id, safe='')}?h={digest}"


@dataclass(frozen=True, kw_only=True)
class RecordSheet:
    """Everything one paper shows, beside the signed record."""

    record: Record
    digest: str
    entity_name: str
    entity_address: str
    item_names: Mapping[str, str]
    item_basis: Mapping[str, str] = field(default_factory=dict)
    team: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Inspector id → (name, badge number), for records older than the notice (format 1)."""
    signature: bytes | None = None
    """The signature PNG; drawn only when it hashes to what the record names."""
    thumbnails: Mapping[str, bytes] = field(default_factory=dict)
    """Photo SHA-256 → a small rendition of it (not hashed: a thumbnail is made from the photo)."""
    url: str
    """The public check URL the QR code opens (``check_url``)."""
    acknowledged: bool | None = None
    """Whether the enterprise's answer covers this record's content, where the record alone
    cannot tell (a format 2 revision: the platform follows its chain); None: from the record
    (``acknowledges_content``)."""
    signed_version: str | None = None
    """The id of the record whose content the enterprise answered on, when not this one."""
    lab_reports: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Item code → (report number, conclusion) of the laboratory reports attached on the
    platform (issue 27 point 2); the phone's paper has none."""

    @property
    def off_site(self) -> bool:
        """Whether the record is a 非现场检查 (书面检查 and 网络监测 items alone): done from the
        office, which the paper says."""
        return is_off_site([item.to_json() for item in self.record.items])

    @property
    def title(self) -> str:
        """现场检查笔录; 书面检查笔录 when every item is 书面检查; 非现场检查笔录 for a mix of
        书面检查 and 网络监测."""
        if not self.off_site:
            return "现场检查笔录"
        if all(item.mode == InspectionMethod.DOCUMENTS for item in self.record.items):
            return "书面检查笔录"
        return "非现场检查笔录"

    @property
    def confirmed(self) -> bool | None:
        """True/False: the enterprise's signature or refusal was/was not given on this content;
        None: there is none, or it cannot be told."""
        if self.acknowledged is not None:
            return self.acknowledged
        return acknowledges_content(self.record)


def render_record_pdf(sheet: RecordSheet, font_dir: Path) -> bytes:
    """The 现场检查笔录 of ``sheet`` as PDF bytes."""
    paper = _Paper(font_dir)
    paper.draw(sheet)
    return bytes(paper.output())


def _local(value: str | None, *, label: bool = True) -> str:
    """An RFC 3339 time in 北京时间 to the minute, labelled (``china_time``): the paper says the
    same time whatever the zone the phone or the platform's host was in."""
    return china_time(value, label=label) if value else "—"


class _Paper(FPDF):
    def __init__(self, font_dir: Path) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("cjk", fname=str(font_dir / REGULAR_FONT))
        self.add_font("cjk", style="B", fname=str(font_dir / BOLD_FONT))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 6)
        self.footer_text = ""

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font("cjk", size=8)
        self.cell(0, 4, f"{self.footer_text}　第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")

    # --- building blocks -------------------------------------------------------------------

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("cjk", "B", 12)
        self.set_fill_color(235, 238, 245)
        self.cell(0, 7.5, text, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: float = 10.5, bold: bool = False) -> None:
        self.set_font("cjk", "B" if bold else "", size)
        self.multi_cell(0, LINE, text, wrapmode=WrapMode.CHAR, align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row(self, label: str, value: str) -> None:
        self.set_font("cjk", "B", 10.5)
        self.cell(38, LINE, label)
        self.set_font("cjk", "", 10.5)
        self.multi_cell(0, LINE, value or "—", wrapmode=WrapMode.CHAR, align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def images(self, images: list[bytes | None], side: float = THUMB) -> None:
        """A row (wrapping) of square thumbnails; ``None`` or unreadable bytes draw a box."""
        if not images:
            return
        per_row = int((self.w - 2 * MARGIN + 3) // (side + 3))
        for start in range(0, len(images), per_row):
            if self.get_y() + side > self.h - MARGIN - 6:
                self.add_page()
            y = self.get_y()
            for n, data in enumerate(images[start:start + per_row]):
                x = MARGIN + n * (side + 3)
                self._image_or_box(data, x, y, side, side)
            self.set_y(y + side + 2)

    def _image_or_box(self, data: bytes | None, x: float, y: float, w: float, h: float) -> None:
        if data is not None and self._image(data, x, y, w, h):
            return
        self.set_draw_color(160, 160, 160)
        self.rect(x, y, w, h)
        self.set_xy(x, y + h / 2 - 3)
        self.set_font("cjk", "", 8)
        self.cell(w, 6, "照片未能显示", align="C")

    def _image(self, data: bytes, x: float, y: float, w: float, h: float) -> bool:
        """Draw ``data`` fitted into the box; False when it cannot be read as an image."""
        try:
            self.image(io.BytesIO(data), x=x, y=y, w=w, h=h, keep_aspect_ratio=True)
        except Exception:  # noqa: BLE001 - fpdf2 and Pillow raise many kinds for a bad image
            return False
        return True

    # --- the paper ---------------------------------------------------------------------------

    def draw(self, sheet: RecordSheet) -> None:
        record = sheet.record
        self.footer_text = f"记录编号 {record.id}"
        self.alias_nb_pages()
        self.add_page()
        self.set_title(sheet.title)
        self.set_font("cjk", "B", 20)
        self.cell(0, 12, sheet.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("cjk", "", 9)
        self.cell(0, 5, f"记录编号：{record.id}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if sheet.off_site:
            self.para(OFFICE_STATEMENT[sheet.title], 10.5, bold=True)
        if record.supersedes:
            self.para("本笔录为修订记录：检查时间为原现场检查的时间；"
                      f"修订时间 {_local(record.revised_at)}。", 9.5, bold=True)
            if sheet.confirmed is False:
                self.set_text_color(160, 0, 0)
                self.para("修订内容未经企业确认：第六部分被检查对象的意见和签名（或拒签）是对原笔录作出的，"
                          "不针对本修订记录的检查事项、结论和地点。", 10.5, bold=True)
                self.set_text_color(0, 0, 0)
        self.heading("一、被检查对象")
        self.row("名称", sheet.entity_name)
        self.row("统一社会信用代码", record.credit_code)
        self.row("地址", sheet.entity_address)
        self.heading("二、检查时间、地点和检查人员")
        self.row("检查时间", f"{_local(record.started_at, label=False)} 至 {_local(record.finished_at)}")
        if record.revised_at:
            self.row("修订时间", _local(record.revised_at))
        self.row("检查地点", "办公场所（非现场检查，未到被检查对象现场）" if sheet.off_site and
                 record.location is None else self._place(record))
        self.row("检查人员", "；".join(f"{name}（执法证号 {badge}）" for name, badge in
                                     self._team(sheet)))
        self.heading("三、检查告知")
        self.para(self._notice(sheet))
        self.heading(f"四、检查事项及结论（共{len(record.items)}项）")
        for n, item in enumerate(record.items, start=1):
            name = sheet.item_names.get(item.code, item.code)
            report = sheet.lab_reports.get(item.code)
            result = f"{report[1]}（依检验检测报告）" if report else str(item.result)
            self.para(f"{n}. {name}（{item.code}）：{result}", 10.5, bold=True)
            if item.mode is not None:
                self.para(f"检查方式：{item.mode}", 9.5)
            basis = sheet.item_basis.get(item.code)
            if basis:
                self.para(f"检查依据：{basis}", 9)
            if item.note:
                self.para(f"情况说明：{item.note}")
            self.images([sheet.thumbnails.get(p) for p in item.photos])
            self._mode_evidence(sheet, item, report)
        self.heading("五、检查结果")
        self.para(str(record.outcome), 12, bold=True)
        if record.note:
            self.para(f"备注：{record.note}")
        self.heading("六、被检查对象意见")
        self._acknowledgement(sheet)
        self._integrity(sheet)

    def _mode_evidence(self, sheet: RecordSheet, item: RecordItem,
                       report: tuple[str, str] | None) -> None:
        """What format 4 adds to an item: the enterprise's materials, the address checked online
        with its screenshots, the sample sent for testing and the laboratory's report."""
        if item.materials:
            self.para(f"企业提交的材料（共{len(item.materials)}份，均已计入记录哈希）：", 9.5)
            for k, sha in enumerate(item.materials, start=1):
                kind = "图片" if sha in sheet.thumbnails else "PDF或其他文件"
                self.para(f"  材料{k}（{kind}）SHA-256：{sha}", 8)
            self.images([sheet.thumbnails[sha] for sha in item.materials if sha in sheet.thumbnails])
        if item.online is not None:
            self.row("检测网址", item.online.url)
            self.row("检测时间", _local(item.online.checked_at))
            self.para(f"网页截图（共{len(item.online.screenshots)}张）：", 9.5)
            self.images([sheet.thumbnails.get(p) for p in item.online.screenshots])
        if item.lab is not None:
            self.row("送检样品", item.lab.sample)
            self.row("检验检测机构", f"{item.lab.lab}（资质认定证书编号 {item.lab.accreditation_no}）")
            if report is not None:
                self.row("检验检测报告", f"编号 {report[0]}，结论：{report[1]}")
            elif item.result == ItemResult.AWAITING_LAB:
                self.row("检验检测报告", "待检测结果：报告出具后附入记录，本事项结论依报告确定")

    def _place(self, record: Record) -> str:
        location = record.location
        if location is None:
            return "未记录位置"
        text = f"北纬/东经 {location.lat:.5f}, {location.lon:.5f}（{LOCATION_SOURCES.get(location.source, '')}"
        if location.accuracy_m is not None:
            text += f"，精度约 {location.accuracy_m:.0f} 米"
        return text + "）"

    def _team(self, sheet: RecordSheet) -> list[tuple[str, str]]:
        notice = sheet.record.notice
        if notice is not None:
            return [(m.name, m.badge_no) for m in notice.inspectors]
        return [sheet.team.get(i, (i, "—")) for i in sheet.record.inspectors]

    def _notice(self, sheet: RecordSheet) -> str:
        record = sheet.record
        if sheet.off_site:
            return "本次为非现场检查，检查人员未到被检查对象现场，无需现场出示执法证件和告知。"
        if record.notice is not None:
            names = "、".join(sheet.item_names.get(i.code, i.code) for i in record.items)
            return (f"{_local(record.notice.shown_at)}，检查人员向被检查对象出示了执法证件，告知了本次检查的"
                    f"依据和事项（{names}），以及被检查对象依法享有的申请检查人员回避、陈述和申辩的权利。")
        ack = record.acknowledgement
        if ack is not None and ack.kind == AcknowledgementKind.ABSENT:
            return "检查时被检查对象无人在场，未能告知。"
        return "本记录未载明检查告知情况（由旧版应用制作）。"

    def _acknowledgement(self, sheet: RecordSheet) -> None:
        ack = sheet.record.acknowledgement
        if ack is None and sheet.off_site:
            self.para("非现场检查，被检查对象未在场，无现场签字确认；检查结果依法告知被检查对象。")
            return
        if ack is None:
            self.para("无企业确认。")
            return
        if ack.kind == AcknowledgementKind.ABSENT:
            self.para("检查时被检查对象无人在场，无人签字确认。")
            return
        on_original = sheet.record.supersedes is not None and sheet.confirmed is not True
        if on_original:
            original = f"（记录编号 {sheet.signed_version}）" if sheet.signed_version else ""
            self.para(f"以下为被检查对象对原笔录{original}的意见；"
                      + ("修订内容未经企业确认。" if sheet.confirmed is False
                         else "修订内容是否经企业确认，以监管平台核验为准。"), 10.5, bold=True)
        elif sheet.record.supersedes is not None:
            self.para("被检查对象已就本修订记录的内容重新确认。", 10.5, bold=True)
        if ack.kind == AcknowledgementKind.REFUSED:
            self.para("被检查对象拒绝签字。", 11, bold=True)
            if ack.note:
                self.para(f"拒签情况：{ack.note}")
            if ack.witness is not None:
                self.row("见证人", f"{ack.witness.name}（{ack.witness.unit}）")
            self.images([sheet.thumbnails.get(p) for p in ack.photos])
            return
        self.para(f"陈述意见：{ack.statement}" if ack.statement else "陈述意见：无")
        if not on_original:
            self.para("以上笔录已阅，情况属实。", 10.5)
        signature = sheet.signature
        if signature is None or hashlib.sha256(signature).hexdigest() != ack.signature:
            signature = None
        if self.get_y() + 40 > self.h - MARGIN - 6:
            self.add_page()
        self.set_font("cjk", "B", 10.5)
        self.cell(38, LINE, "原笔录上的签名" if on_original else "被检查对象签名")
        y = self.get_y()
        self._image_or_box(signature, MARGIN + 38, y, SIGNATURE_WIDTH, 30)
        self.set_xy(MARGIN, y + 32)
        self.row("签名人", f"{ack.name}（{ack.role}）")

    def _integrity(self, sheet: RecordSheet) -> None:
        record = sheet.record
        if self.get_y() + QR_SIZE + 16 > self.h - MARGIN - 6:
            self.add_page()
        self.heading("七、记录核验")
        y = self.get_y()
        qr = qrcode.make(sheet.url, box_size=10, border=2).get_image()
        self.image(qr, x=self.w - MARGIN - QR_SIZE, y=y, w=QR_SIZE, h=QR_SIZE)
        width = self.w - 2 * MARGIN - QR_SIZE - 4
        self.set_font("cjk", "", 9)
        lines = [f"记录编号：{record.id}",
                 f"记录哈希（SHA-256）：{sheet.digest}",
                 f"签名设备：{record.device_id}，签名时间：{_local(record.revised_at or record.finished_at)}",
                 "扫描右侧二维码，可在监管平台核验本笔录是否真实、是否自签名后未被改动：",
                 sheet.url]
        for text in lines:
            self.multi_cell(width, 5, text, wrapmode=WrapMode.CHAR, align="L",
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(max(self.get_y(), y + QR_SIZE) + 2)

