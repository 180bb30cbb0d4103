"""The item list and the two directories as CSV files, the form a user fills in with Excel.

Files are written as UTF-8 with a BOM (so Excel opens them as UTF-8) and read as UTF-8 with or
without a BOM, or as GB18030 when that fails (what Excel on a Chinese Windows saves by default).
Headers are Chinese; the English field names are accepted too.

Reading is all or nothing: either every row is valid and the whole list comes back, or
``CsvImportError`` lists every problem found (spreadsheet row number counting the header as row 1,
column, reason) and nothing is returned to be half-imported.

Multi-valued cells (checkpoints, qualifications, 回避 list, …) hold one value per line
(Alt+Enter in Excel) or values separated by ``；`` or ``;``.

Cells are written inert (``spreadsheet.inert_text``: a leading ``'`` before ``=``, ``+``, ``-``,
``@``, tab, carriage return or ``'``) and that one quote is dropped again on reading, so a file
we export imports back to the same values and still runs no formula in Excel.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

from server_stub.core.spreadsheet import csv_text, from_csv_text
from sync import Department, Entity, InspectionItem, Inspector, ValidationError

T = TypeVar("T", Entity, Inspector, InspectionItem, Department)

_LIST_SPLIT = re.compile(r"[\n;；]")
_TRUE = {"是", "在岗", "true", "1", "yes", "y"}
_FALSE = {"否", "离岗", "停用", "false", "0", "no", "n"}


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file, located as a spreadsheet user would find it."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"第{self.row}行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.reason}"


class CsvImportError(Exception):
    """A CSV file could not be imported; ``errors`` says where and why. Nothing was imported."""

    def __init__(self, kind: str, errors: Sequence[RowError]) -> None:
        self.kind = kind
        self.errors = list(errors)
        lines = [f"{kind}导入失败，共{len(self.errors)}处错误，未导入任何数据："]
        lines += [f"  {e}" for e in self.errors]
        super().__init__("\n".join(lines))


def _split_list(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in _LIST_SPLIT.split(cell) if v.strip())


def _join_list(values: Iterable[str]) -> str:
    return "\n".join(values)


def _parse_bool(cell: str) -> bool:
    value = cell.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("应填「是」或「否」")


@dataclass(frozen=True)
class Column:
    """One CSV column: the model field it fills, its Chinese header, and how to read and write it."""

    field: str
    header: str
    required: bool = True
    parse: Callable[[str], object] = str.strip
    render: Callable[[object], str] = str


def _list_column(field: str, header: str, required: bool = False) -> Column:
    return Column(field, header, required, _split_list, _join_list)  # type: ignore[arg-type]


def _degrees_column(field: str, header: str) -> Column:
    """A registered address's coordinate (WGS 84 decimal degrees), optional; the model checks
    range and that both are given or neither. Written back exactly as stored."""
    return Column(field, header, required=False,
                  render=lambda v: "" if v is None else repr(v))


@dataclass(frozen=True)
class DirectoryKind(Generic[T]):
    """How one kind of directory maps to CSV."""

    name: str
    model: type[T]
    key: str
    columns: tuple[Column, ...]

    def column_for(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)

    def to_row(self, obj: T) -> list[str]:
        return [c.render(getattr(obj, c.field)) for c in self.columns]


ITEMS: DirectoryKind[InspectionItem] = DirectoryKind(
    "抽查事项清单",
    InspectionItem,
    "code",
    (
        Column("code", "事项编码"),
        Column("category", "抽查类别"),
        Column("name", "事项名称"),
        Column("basis", "检查依据"),
        Column("method", "检查方式"),
        Column("department", "检查主体"),
        _list_column("checkpoints", "检查内容", required=True),
        Column("qualification", "所需资质", required=False),
        _list_column("industries", "适用行业代码"),
        _list_column("tags", "适用对象标签"),
        Column("specialty", "所需专业", required=False),
    ),
)

ENTITIES: DirectoryKind[Entity] = DirectoryKind(
    "检查对象名录库",
    Entity,
    "credit_code",
    (
        Column("credit_code", "统一社会信用代码"),
        Column("name", "名称"),
        Column("address", "地址"),
        Column("region", "所属区域"),
        Column("industry", "行业"),
        Column("risk_grade", "风险等级"),
        Column("status", "登记状态", required=False),
        Column("industry_code", "行业代码", required=False),
        _list_column("tags", "标签"),
        _degrees_column("lat", "纬度"),
        _degrees_column("lon", "经度"),
    ),
)

INSPECTORS: DirectoryKind[Inspector] = DirectoryKind(
    "执法检查人员名录库",
    Inspector,
    "id",
    (
        Column("id", "人员编号"),
        Column("name", "姓名"),
        Column("department", "所属部门"),
        Column("badge_no", "执法证号"),
        _list_column("qualifications", "执法资质"),
        Column("active", "是否在岗", required=False, parse=_parse_bool,
               render=lambda v: "是" if v else "否"),
        _list_column("conflicts", "回避对象"),
        Column("kind", "人员类别", required=False),
    ),
)

DEPARTMENTS: DirectoryKind[Department] = DirectoryKind(
    "部门名录",
    Department,
    "name",
    (
        Column("name", "部门名称"),
        Column("level", "层级"),
        Column("region", "所属区划"),
        Column("parent", "对应市级部门", required=False),
    ),
)

# Keyed by the name the command line uses, so the kind (and the objects' type) is known at run time.
KINDS: dict[str, DirectoryKind[Any]] = {"items": ITEMS, "entities": ENTITIES, "inspectors": INSPECTORS,
                                        "departments": DEPARTMENTS}


def decode_csv_bytes(data: bytes) -> str:
    """Text of a CSV file saved by Excel or by us: UTF-8 (BOM optional), else GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _header_map(kind: DirectoryKind[T], header: list[str]) -> tuple[dict[int, Column], list[RowError]]:
    by_name = {c.header: c for c in kind.columns} | {c.field: c for c in kind.columns}
    mapping: dict[int, Column] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        column = by_name.get(name)
        if column is None:
            errors.append(RowError(1, name, "未知的列名（请使用模板中的列名）"))
        elif column in mapping.values():
            errors.append(RowError(1, name, "列名重复"))
        else:
            mapping[index] = column
    present = set(mapping.values())
    for column in kind.columns:
        if column.required and column not in present:
            errors.append(RowError(1, column.header, "缺少必填列"))
    return mapping, errors


def _build_row(
    kind: DirectoryKind[T], row_no: int, cells: list[str], mapping: dict[int, Column]
) -> tuple[T | None, list[RowError]]:
    values: dict[str, object] = {}
    errors: list[RowError] = []
    for index, column in mapping.items():
        cell = from_csv_text(cells[index]) if index < len(cells) else ""
        if not cell.strip() and not column.required:
            continue
        try:
            values[column.field] = column.parse(cell)
        except ValueError as e:
            errors.append(RowError(row_no, column.header, str(e)))
    extra = [c for i, c in enumerate(cells) if i not in mapping and c.strip()]
    if extra:
        errors.append(RowError(row_no, "", f"有{len(extra)}个单元格不在任何列下"))
    if errors:
        return None, errors
    known = {f.name for f in fields(kind.model)}
    # The cells as parsed, not yet of the fields' types: the model coerces and checks them.
    raw: dict[str, Any] = {k: v for k, v in values.items() if k in known}
    try:
        return kind.model(**raw), []
    except ValidationError as e:
        for problem in e.problems:
            located = kind.column_for(problem.field)
            header = located.header if located else problem.field
            errors.append(RowError(row_no, header, problem.message))
        return None, errors


def parse_csv(kind: DirectoryKind[T], text: str) -> list[T]:
    """Every row of ``text`` as a model object, or ``CsvImportError`` listing every problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvImportError(kind.name, [RowError(1, "", "文件为空，缺少表头")]) from None
    except csv.Error as e:
        raise CsvImportError(kind.name, [RowError(1, "", f"CSV格式错误：{e}")]) from None
    mapping, errors = _header_map(kind, header)
    if errors:
        raise CsvImportError(kind.name, errors)
    objects: list[T] = []
    first_row_of: dict[str, int] = {}
    row_no = 1
    try:
        for cells in reader:
            row_no += 1
            if not any(c.strip() for c in cells):
                continue
            obj, row_errors = _build_row(kind, row_no, cells, mapping)
            errors += row_errors
            if obj is None:
                continue
            key = getattr(obj, kind.key)
            if key in first_row_of:
                column = kind.column_for(kind.key)
                header_name = column.header if column else kind.key
                errors.append(RowError(row_no, header_name, f"「{key}」与第{first_row_of[key]}行重复"))
                continue
            first_row_of[key] = row_no
            objects.append(obj)
    except csv.Error as e:
        errors.append(RowError(row_no + 1, "", f"CSV格式错误：{e}"))
    if errors:
        raise CsvImportError(kind.name, errors)
    return objects


def read_csv(kind: DirectoryKind[T], path: Path) -> list[T]:
    """Load a directory file; see ``parse_csv``."""
    return parse_csv(kind, decode_csv_bytes(Path(path).read_bytes()))


def render_csv(kind: DirectoryKind[T], objects: Iterable[T]) -> str:
    """The CSV text (without BOM) of ``objects`` under ``kind``'s Chinese headers, every cell inert."""
    return csv_text([[c.header for c in kind.columns], *(kind.to_row(o) for o in objects)])


def write_csv(kind: DirectoryKind[T], objects: Iterable[T], path: Path) -> None:
    """Save a directory as UTF-8 with BOM, written to a temporary file first then renamed."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render_csv(kind, objects), encoding="utf-8-sig", newline="")
    tmp.replace(path)
