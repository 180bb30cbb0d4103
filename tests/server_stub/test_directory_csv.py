from __future__ import annotations

from pathlib import Path

import pytest

from server_stub.directory.csv_files import (
    ENTITIES,
    INSPECTORS,
    ITEMS,
    CsvImportError,
    RowError,
    parse_csv,
    read_csv,
    render_csv,
    write_csv,
)
from server_stub.directory.demo import generate

DEMO = generate(entities=200, seed=7)


@pytest.mark.parametrize(
    ("kind", "objects"),
    [(ITEMS, DEMO.items), (ENTITIES, DEMO.entities), (INSPECTORS, DEMO.inspectors)],
    ids=["items", "entities", "inspectors"],
)
def test_round_trip(tmp_path: Path, kind, objects) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dir.csv"
    write_csv(kind, objects, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    assert read_csv(kind, path) == objects
    assert not (tmp_path / "dir.csv.part").exists()


def test_round_trip_keeps_multi_valued_cells() -> None:
    inspector = next(i for i in DEMO.inspectors if i.conflicts and len(i.qualifications) > 1)
    text = render_csv(INSPECTORS, [inspector])
    assert "\n" in text.split("\r\n", 1)[1], "lists are one value per line inside a cell"
    assert parse_csv(INSPECTORS, text) == [inspector]


def test_reads_excel_gb18030_and_english_headers(tmp_path: Path) -> None:
    e = DEMO.entities[0]
    path = tmp_path / "gbk.csv"
    text = f"统一社会信用代码,名称,地址,所属区域,行业,风险等级\n{e.credit_code},{e.name},{e.address},{e.region},{e.industry},{e.risk_grade}\n"
    path.write_bytes(text.encode("gb18030"))
    assert read_csv(ENTITIES, path)[0].name == e.name
    english = "credit_code,name,address,region,industry,risk_grade\n" + text.split("\n", 1)[1]
    assert parse_csv(ENTITIES, english)[0].credit_code == e.credit_code


def test_semicolon_separated_lists_are_accepted() -> None:
    text = "人员编号,姓名,所属部门,执法证号,执法资质,是否在岗\nWH9,张三,市场监管局,371,食品安全；特种设备;计量,否\n"
    inspector = parse_csv(INSPECTORS, text)[0]
    assert inspector.qualifications == ("食品安全", "特种设备", "计量") and inspector.active is False


def entity_rows(*rows: str) -> str:
    return "统一社会信用代码,名称,地址,所属区域,行业,风险等级,登记状态\n" + "\n".join(rows) + "\n"


def test_per_row_error_report_lists_every_problem() -> None:
    good = DEMO.entities[0]
    line = f"{good.credit_code},{good.name},{good.address},{good.region},{good.industry},A,在业"
    text = entity_rows(
        line,
        "91440300708461136U,某公司,某地址,环翠区,制造业,B,在业",
        ",,某地址,环翠区,制造业,Z,在业",
        "",  # blank rows are skipped, but still counted like Excel counts them
        line,
        "91440300708461136T,某公司,地址,环翠区,制造业,A,在业,多余",
    )
    with pytest.raises(CsvImportError) as info:
        parse_csv(ENTITIES, text)
    errors = info.value.errors
    assert RowError(3, "统一社会信用代码", "第18位校验码应为「T」，实为「U」（也可能是前17位中有字符录入错误）") in errors
    assert RowError(4, "统一社会信用代码", "统一社会信用代码不能为空") in errors
    assert RowError(4, "名称", "名称不能为空") in errors
    assert any(e.row == 4 and e.column == "风险等级" and "「Z」无效" in e.reason for e in errors)
    assert RowError(6, "统一社会信用代码", f"「{good.credit_code}」与第2行重复") in errors
    assert any(e.row == 7 and "不在任何列下" in e.reason for e in errors)
    report = str(info.value)
    assert "共6处错误" in report and "未导入任何数据" in report and "第3行「统一社会信用代码」列" in report


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RowError(1, "", "文件为空，缺少表头")),
        ("统一社会信用代码,名称\n", RowError(1, "地址", "缺少必填列")),
        (entity_rows().replace("行业", "行业类别"), RowError(1, "行业类别", "未知的列名（请使用模板中的列名）")),
        ("名称,名称,统一社会信用代码,地址,所属区域,行业,风险等级\n", RowError(1, "名称", "列名重复")),
    ],
)
def test_header_problems(text: str, expected: RowError) -> None:
    with pytest.raises(CsvImportError) as info:
        parse_csv(ENTITIES, text)
    assert expected in info.value.errors


def test_bad_boolean_names_the_cell() -> None:
    text = "人员编号,姓名,所属部门,执法证号,是否在岗\nWH9,张三,市场监管局,371,也许\n"
    with pytest.raises(CsvImportError) as info:
        parse_csv(INSPECTORS, text)
    assert info.value.errors == [RowError(2, "是否在岗", "应填「是」或「否」")]


def test_quoted_multiline_cells_count_as_one_row() -> None:
    item = DEMO.items[0]
    text = render_csv(ITEMS, [item, item])
    with pytest.raises(CsvImportError) as info:
        parse_csv(ITEMS, text)
    assert info.value.errors == [RowError(3, "事项编码", f"「{item.code}」与第2行重复")]


def test_applicability_travels_through_csv() -> None:
    """Items carry the GB/T 4754 prefixes and tags they apply to; entities their code and tags."""
    item = next(i for i in DEMO.items if i.industries and i.tags)
    text = render_csv(ITEMS, [item])
    assert "适用行业代码" in text and "适用对象标签" in text and parse_csv(ITEMS, text) == [item]
    entity = next(e for e in DEMO.entities if e.industry_code and len(e.tags) > 1)
    text = render_csv(ENTITIES, [entity])
    assert "行业代码" in text and "标签" in text and parse_csv(ENTITIES, text) == [entity]


def coordinate_rows(*cells: str) -> str:
    """Entity rows with the registered address's coordinates in the last two columns."""
    e = DEMO.entities[0]
    line = f"{e.credit_code},{e.name},{e.address},{e.region},{e.industry},A,在业"
    return ("统一社会信用代码,名称,地址,所属区域,行业,风险等级,登记状态,纬度,经度\n"
            + "\n".join(f"{line},{c}" for c in cells) + "\n")


def test_coordinates_are_optional_and_travel_through_csv() -> None:
    """The registered address's coordinates: two optional columns, written back as stored."""
    assert DEMO.entities[0].lat is not None
    text = render_csv(ENTITIES, DEMO.entities[:5])
    assert text.splitlines()[0].endswith(",纬度,经度")
    assert parse_csv(ENTITIES, text) == DEMO.entities[:5]
    (entity,) = parse_csv(ENTITIES, coordinate_rows(" 37.5091 , 122.1164 "))
    assert (entity.lat, entity.lon) == (37.5091, 122.1164)
    (bare,) = parse_csv(ENTITIES, coordinate_rows(","))
    assert (bare.lat, bare.lon) == (None, None)
    assert parse_csv(ENTITIES, coordinate_rows("-90,180"))[0].lat == -90.0
    english = coordinate_rows("37.5,122.1").replace("纬度,经度", "lat,lon")
    assert parse_csv(ENTITIES, english)[0].lon == 122.1
    assert "纬度" not in render_csv(ENTITIES, [bare]).splitlines()[1].split(",")[-2:]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("37.5,", RowError(2, "经度", "纬度和经度应同时填写或同时留空")),
        (",122.1", RowError(2, "纬度", "纬度和经度应同时填写或同时留空")),
        ("90.5,122.1", RowError(2, "纬度", "纬度90.5超出范围，应在-90到90之间")),
        ("37.5,-180.01", RowError(2, "经度", "经度-180.01超出范围，应在-180到180之间")),
        ("北纬37度,122.1", RowError(2, "纬度", "纬度「北纬37度」不是数字（十进制度数，如 36.0701）")),
        ("nan,122.1", RowError(2, "纬度", "纬度「nan」不是数字（十进制度数，如 36.0701）")),
        ("37.5,inf", RowError(2, "经度", "经度「inf」不是数字（十进制度数，如 36.0701）")),
    ],
)
def test_bad_coordinates_name_the_cell(cells: str, expected: RowError) -> None:
    with pytest.raises(CsvImportError) as info:
        parse_csv(ENTITIES, coordinate_rows(cells))
    assert info.value.errors == [expected]
