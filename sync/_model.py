"""The domain model shared by the app and the server (DESIGN §3).

Plain frozen dataclasses. Each validates itself on construction and raises one
``ValidationError`` that lists every broken rule, with the field name and a Chinese message,
so forms and import reports can show all of them at once.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from ._credit_code import credit_code_problem
from ._exceptions import Problem, ValidationError

MIN_TEAM_SIZE = 2


class RiskGrade(enum.StrEnum):
    """Credit-risk grade of an entity. Internal reference only: never shown to the public."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return _RISK_LABELS[self]


_RISK_LABELS = {
    RiskGrade.A: "低风险",
    RiskGrade.B: "一般风险",
    RiskGrade.C: "较高风险",
    RiskGrade.D: "高风险",
}


class EntityStatus(enum.StrEnum):
    """登记状态 of a market entity."""

    OPERATING = "在业"
    EXISTING = "存续"
    SUSPENDED = "停业"
    REVOKED = "吊销"
    CANCELLED = "注销"
    MOVED_OUT = "迁出"

    @property
    def is_active(self) -> bool:
        """Whether the entity still trades and so belongs in an ordinary draw's scope."""
        return self in (EntityStatus.OPERATING, EntityStatus.EXISTING)


class InspectionMethod(enum.StrEnum):
    """检查方式."""

    ON_SITE = "实地核查"
    DOCUMENTS = "书面检查"
    ONLINE = "网络监测"


class StaffKind(enum.StrEnum):
    """人员类别 in the staff directory (执法检查人员名录库).

    执法人员 hold a 执法证: a team has at least two, only they sign a record and show their
    card. 专业技术人员 are taken into the directory to assist (可吸收专业技术人员入库辅助执法检查):
    they join a team where an item needs their specialty and record findings for it.
    """

    OFFICER = "执法人员"
    EXPERT = "专业技术人员"


class DepartmentLevel(enum.StrEnum):
    """A department's level: the city's, or a county's (县、市、区 and the development zones)."""

    CITY = "市级"
    COUNTY = "县级"


class PlanLevel(enum.StrEnum):
    """Who draws and who inspects (抽查层级), as the seeds name the four ways a city runs it."""

    CITY_DRAWS_COUNTY = "市抽县查"
    """The city department draws; the county staff of each drawn entity's region inspect."""
    CITY_DRAWS_CITY = "市抽市查"
    COUNTY_DRAWS_COUNTY = "县抽县查"
    CITY_AND_COUNTY = "市县联查"
    """The city department draws; each team has the city's staff and the entity's county's."""

    @property
    def county_staff(self) -> bool:
        """Whether teams are drawn from the county staff of each entity's region."""
        return self in (PlanLevel.CITY_DRAWS_COUNTY, PlanLevel.CITY_AND_COUNTY)


class ItemResult(enum.StrEnum):
    """The answer to one inspection item."""

    PASS = "合格"
    FAIL = "不合格"
    NOT_APPLICABLE = "不涉及"
    AWAITING_LAB = "待检测"
    """Sent for testing, the laboratory's report not yet in (record format 4, an item with
    ``lab``): never one of the answers an inspector picks (``ANSWERS``)."""


ANSWERS = (ItemResult.PASS, ItemResult.FAIL, ItemResult.NOT_APPLICABLE)
"""The results an inspector answers an item with (the form's buttons, formats 1 to 3)."""


class Outcome(enum.StrEnum):
    """检查结果: the standard result categories of a 双随机 inspection, in the order the UI offers them.

    ``problem_found`` follows DESIGN §9: every outcome other than 未发现问题 counts towards the
    problem discovery rate. ``needs_follow_up`` marks the outcome that opens a follow-up ledger entry.
    """

    NO_PROBLEM = "未发现问题"
    PROBLEM_PENDING = "发现问题待后续处理"
    PROBLEM_CORRECTED = "发现问题已责令改正"
    NO_RELEVANT_BUSINESS = "未发现开展本次抽查涉及的经营活动"
    UNREACHABLE_AT_ADDRESS = "通过登记的住所（经营场所）无法联系"
    REFUSED_INSPECTION = "不配合检查情节严重"
    INFO_NOT_PUBLISHED = "未按规定公示应当公示的信息"
    INFO_FALSIFIED = "公示信息隐瞒真实情况、弄虚作假"

    @property
    def label(self) -> str:
        return self.value

    @property
    def problem_found(self) -> bool:
        return self is not Outcome.NO_PROBLEM

    @property
    def needs_follow_up(self) -> bool:
        return self is Outcome.PROBLEM_PENDING

    @property
    def fits_absence(self) -> bool:
        """Whether the outcome can stand when nobody of the enterprise was there (无法联系-type):
        the registered place could not be reached, or no business of the kind goes on there."""
        return self in (Outcome.UNREACHABLE_AT_ADDRESS, Outcome.NO_RELEVANT_BUSINESS)


class _Checker:
    """Collects problems while an object validates itself."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def require(self, ok: bool, name: str, message: str) -> None:
        if not ok:
            self.problems.append(Problem(name, message))

    def text(self, value: object, name: str, label: str, max_len: int = 200) -> None:
        if not isinstance(value, str) or not value.strip():
            self.problems.append(Problem(name, f"{label}不能为空"))
        elif len(value) > max_len:
            self.problems.append(Problem(name, f"{label}不能超过{max_len}个字符"))

    def enum(self, value: object, kind: type[enum.StrEnum], name: str, label: str) -> None:
        if not isinstance(value, kind):
            allowed = "、".join(m.value for m in kind)
            self.problems.append(Problem(name, f"{label}「{value}」无效，应为：{allowed}"))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)


def _coerce_enum(kind: type[enum.StrEnum], value: object) -> object:
    """The enum member for ``value`` if it names one; otherwise ``value`` unchanged for the checker."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        for member in kind:
            if stripped in (member.value, member.name):
                return member
    return value


def _tuple_of_str(value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value] if value else []
    return tuple(v.strip() for v in value if v and v.strip())


def _set_coerced(obj: object, name: str, convert: Callable[[object], object]) -> None:
    object.__setattr__(obj, name, convert(getattr(obj, name)))


_INDUSTRY_CODE = re.compile(r"[A-T](?:[0-9]{2}(?:[0-9]{1,2})?)?")
"""A GB/T 4754-2017 code as the directories write it: the section letter (门类), then the
division's two digits (大类), optionally the group's third (中类) and the class's fourth (小类):
``F``, ``F52``, ``F521``, ``F5212``. A longer code names a part of a shorter one it starts with."""


def _industry_codes(check: _Checker, codes: tuple[str, ...], name: str, label: str) -> None:
    for code in codes:
        check.require(_INDUSTRY_CODE.fullmatch(code) is not None, name,
                      f"{label}「{code}」不是国民经济行业分类代码（如 F、F52、F5212）")


def _coerce_degrees(value: object) -> object:
    """A coordinate given as text (a directory cell) as a float; "" is none; anything else is
    left for the checker to name."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            return value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _coordinates(check: _Checker, lat: object, lon: object) -> None:
    """The registered address's position: both coordinates or neither, each a finite number
    of degrees in range (WGS 84)."""
    for value, name, label, limit in ((lat, "lat", "纬度", 90), (lon, "lon", "经度", 180)):
        if value is None:
            continue
        if not isinstance(value, float) or not math.isfinite(value):
            check.require(False, name, f"{label}「{value}」不是数字（十进制度数，如 36.0701）")
        else:
            shown = str(value).removesuffix(".0")
            check.require(-limit <= value <= limit, name, f"{label}{shown}超出范围，应在-{limit}到{limit}之间")
    check.require((lat is None) == (lon is None), "lon" if lon is None else "lat",
                  "纬度和经度应同时填写或同时留空")


class _Classified(Protocol):
    """What :meth:`InspectionItem.applies_to` reads of an entity: an ``Entity``, or the plain
    member of a plan's population the draw reads (``draws.population.Member``)."""

    @property
    def industry_code(self) -> str: ...

    @property
    def tags(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class InspectionItem:
    """抽查事项: one line of the inspection item list (抽查事项清单)."""

    code: str
    category: str
    name: str
    basis: str
    method: InspectionMethod
    department: str
    checkpoints: tuple[str, ...] = ()
    qualification: str = ""
    """The qualification an inspector needs for this item ("" when any 执法证 suffices)."""
    industries: tuple[str, ...] = ()
    """GB/T 4754 code prefixes of the entities this item applies to (检查对象与抽查事项相统一)."""
    tags: tuple[str, ...] = ()
    """Directory tags (e.g. 特种设备使用单位) of the entities this item applies to. An item with
    neither industries nor tags applies to every entity (e.g. 企业公示信息)."""
    specialty: str = ""
    """The specialty a 专业技术人员 on the team must hold for this item ("" when none is
    needed); the draw adds one such expert to each team whose items need it."""

    def applies_to(self, entity: _Classified) -> bool:
        """Whether an inspection of ``entity`` may include this item: its industry code starts
        with one of the item's prefixes, or it carries one of the item's tags."""
        if not self.industries and not self.tags:
            return True
        return (any(entity.industry_code.startswith(p) for p in self.industries if entity.industry_code)
                or not set(self.tags).isdisjoint(entity.tags))

    def __post_init__(self) -> None:
        _set_coerced(self, "method", lambda v: _coerce_enum(InspectionMethod, v))
        for name in ("checkpoints", "industries", "tags"):
            _set_coerced(self, name, _tuple_of_str)  # type: ignore[arg-type]
        object.__setattr__(self, "industries", tuple(c.upper() for c in self.industries))
        check = _Checker()
        _industry_codes(check, self.industries, "industries", "适用行业代码")
        check.text(self.code, "code", "事项编码", 40)
        check.text(self.category, "category", "抽查类别", 60)
        check.text(self.name, "name", "事项名称", 200)
        check.text(self.basis, "basis", "检查依据", 2000)
        check.enum(self.method, InspectionMethod, "method", "检查方式")
        check.text(self.department, "department", "检查主体", 100)
        check.require(isinstance(self.specialty, str) and len(self.specialty) <= 60,
                      "specialty", "所需专业不能超过60个字符")
        check.require(bool(self.checkpoints), "checkpoints", "检查内容至少一条")
        check.raise_if_any()


@dataclass(frozen=True)
class Entity:
    """检查对象: a market entity in the directory (检查对象名录库)."""

    credit_code: str
    name: str
    address: str
    region: str
    industry: str
    risk_grade: RiskGrade
    status: EntityStatus = EntityStatus.OPERATING
    industry_code: str = ""
    """Its GB/T 4754 class as registered (e.g. ``F5212`` 超级市场零售); "" when unknown."""
    tags: tuple[str, ...] = ()
    """Directory tags: licences and registrations that items refer to (特种设备使用单位…)."""
    lat: float | None = None
    """WGS 84 latitude of the registered address, when the directory has it (both or neither)."""
    lon: float | None = None
    """WGS 84 longitude of the registered address; see ``lat``."""

    def __post_init__(self) -> None:
        _set_coerced(self, "lat", _coerce_degrees)
        _set_coerced(self, "lon", _coerce_degrees)
        if isinstance(self.credit_code, str):
            object.__setattr__(self, "credit_code", self.credit_code.strip().upper())
        _set_coerced(self, "risk_grade", lambda v: _coerce_enum(RiskGrade, v))
        _set_coerced(self, "status", lambda v: _coerce_enum(EntityStatus, v))
        _set_coerced(self, "tags", _tuple_of_str)  # type: ignore[arg-type]
        if isinstance(self.industry_code, str):
            object.__setattr__(self, "industry_code", self.industry_code.strip().upper())
        check = _Checker()
        _industry_codes(check, (self.industry_code,) if self.industry_code else (), "industry_code",
                        "行业代码")
        problem = credit_code_problem(self.credit_code)
        check.require(problem is None, "credit_code", problem or "")
        check.text(self.name, "name", "名称", 200)
        check.text(self.address, "address", "地址", 300)
        check.text(self.region, "region", "所属区域", 60)
        check.text(self.industry, "industry", "行业", 100)
        check.enum(self.risk_grade, RiskGrade, "risk_grade", "风险等级")
        check.enum(self.status, EntityStatus, "status", "登记状态")
        _coordinates(check, self.lat, self.lon)
        check.raise_if_any()


@dataclass(frozen=True)
class Inspector:
    """执法检查人员: a member of the law-enforcement staff directory (执法检查人员名录库)."""

    id: str
    name: str
    department: str
    badge_no: str
    qualifications: tuple[str, ...] = ()
    active: bool = True
    conflicts: tuple[str, ...] = ()
    """Credit codes of entities this inspector must recuse from (回避)."""
    kind: StaffKind = StaffKind.OFFICER
    """执法人员, or 专业技术人员 whose ``qualifications`` are their specialties."""

    @property
    def is_officer(self) -> bool:
        return self.kind is StaffKind.OFFICER

    def __post_init__(self) -> None:
        _set_coerced(self, "qualifications", _tuple_of_str)  # type: ignore[arg-type]
        _set_coerced(self, "conflicts", _tuple_of_str)  # type: ignore[arg-type]
        _set_coerced(self, "kind", lambda v: _coerce_enum(StaffKind, v))
        object.__setattr__(self, "conflicts", tuple(c.upper() for c in self.conflicts))
        check = _Checker()
        check.text(self.id, "id", "人员编号", 40)
        check.text(self.name, "name", "姓名", 40)
        check.text(self.department, "department", "所属部门", 100)
        check.enum(self.kind, StaffKind, "kind", "人员类别")
        if self.kind is StaffKind.EXPERT:
            # an expert holds no 执法证: the column then holds a certificate's number, or nothing
            check.require(isinstance(self.badge_no, str) and len(self.badge_no) <= 40,
                          "badge_no", "证书编号不能超过40个字符")
        else:
            check.text(self.badge_no, "badge_no", "执法证号", 40)
        check.require(isinstance(self.active, bool), "active", "在岗状态应为是或否")
        for code in self.conflicts:
            problem = credit_code_problem(code)
            check.require(problem is None, "conflicts", f"回避对象「{code}」：{problem}")
        check.raise_if_any()


@dataclass(frozen=True)
class Department:
    """A department of the city's 双随机 system, at the city's level or a county's.

    ``region`` is the county's 区划 name as entities carry it (a city department: the city's
    name); ``parent`` is the city department a county department answers to in the same line of
    work (环翠区市场监督管理局 → 威海市市场监督管理局), which is how a 市抽县查 plan finds the
    county staff who stand in for it.
    """

    name: str
    level: DepartmentLevel
    region: str
    parent: str = ""

    def __post_init__(self) -> None:
        _set_coerced(self, "level", lambda v: _coerce_enum(DepartmentLevel, v))
        check = _Checker()
        check.text(self.name, "name", "部门名称", 100)
        check.enum(self.level, DepartmentLevel, "level", "部门层级")
        check.text(self.region, "region", "所属区划", 60)
        check.require(isinstance(self.parent, str) and len(self.parent) <= 100, "parent",
                      "上级部门不能超过100个字符")
        if self.level is DepartmentLevel.CITY:
            check.require(not self.parent, "parent", "市级部门没有上级部门")
        else:
            check.require(bool(self.parent) and self.parent != self.name, "parent",
                          "县级部门须写明对应的市级部门")
        check.raise_if_any()


@dataclass(frozen=True)
class Scheme:
    """检查方案: what is checked, when and how, agreed by the lead and partner departments and
    carried to the phones with the items (市场监管总局: 检查内容、时间和方式)."""

    content: str
    schedule: str
    method: str

    def __post_init__(self) -> None:
        check = _Checker()
        check.text(self.content, "scheme.content", "检查内容", 2000)
        check.text(self.schedule, "scheme.schedule", "检查时间安排", 500)
        check.text(self.method, "scheme.method", "检查方式", 500)
        check.raise_if_any()


MAX_BATCHES = 12


def parse_ratio(value: object) -> Decimal:
    """A draw ratio in percent, as an exact Decimal in [0, 100]; raises ValueError otherwise.

    Accepts ``Decimal``, ``int``, or a string such as ``"3"``, ``"2.5"`` or ``"10%"``; never a
    float, whose binary rounding would make ``ceil(N × ratio)`` depend on representation error.
    """
    if isinstance(value, bool | float):
        # A ValueError like every other bad ratio: callers report it as a problem of the field.
        raise ValueError("比例须以十进制字符串或整数给出")  # noqa: TRY004
    if isinstance(value, str):
        value = value.strip().removesuffix("%").removesuffix("％").strip()
    try:
        ratio = Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"比例「{value}」不是数字") from None
    if not ratio.is_finite() or ratio < 0 or ratio > 100:
        raise ValueError(f"比例「{value}」应在0%到100%之间")
    return ratio


@dataclass(frozen=True)
class Plan:
    """抽查计划: what is inspected, where, how much of each risk grade, by how many, and when.

    ``departments[0]`` is the 发起部门; any further ones are 配合部门 of a joint plan.
    ``ratios`` are percentages per risk grade; a grade without a ratio is not drawn.
    """

    id: str
    name: str
    departments: tuple[str, ...]
    items: tuple[str, ...]
    ratios: Mapping[RiskGrade, Decimal]
    team_size: int
    window_start: dt.date
    window_end: dt.date
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    statuses: tuple[EntityStatus, ...] = (EntityStatus.OPERATING, EntityStatus.EXISTING)
    exclude_inspected_within_days: int | None = None
    workload_cap: int | None = None
    """Most tasks one inspector may receive from this plan (None: no cap)."""
    level: PlanLevel | None = None
    """抽查层级; None: drawn and inspected by the plan's own departments (the plans made before
    levels existed, and any plan whose departments are all of one level)."""
    scheme: Scheme | None = None
    batches: tuple[dt.date, ...] = ()
    """Release dates of the drawn tasks' batches (分批次派发), ascending, within the window;
    empty: every task is released when drawn. The split into batches is drawn too."""
    replaces_county: bool = False
    """A city plan declared as replacing the county plans of the same items this year (凡市级
    部门明确县级不再组织发起的抽查任务，县级不再另行制定相同的抽查计划)."""
    witnesses_required: int = 0
    """How many outside witnesses must co-sign a tree head covering one of this plan's results
    before the public page counts it as published (issue 28); the platform's own
    ``ZSC_WITNESSES_REQUIRED`` applies when it is higher."""

    @property
    def lead_department(self) -> str:
        return self.departments[0]

    @property
    def is_joint(self) -> bool:
        return len(self.departments) > 1

    @property
    def uses_risk_grades(self) -> bool:
        """Whether the ratios differ by grade (DESIGN §9 counts such plans)."""
        return len(set(self.ratios.values())) > 1

    def __post_init__(self) -> None:
        for name in ("departments", "items", "regions", "industries"):
            _set_coerced(self, name, _tuple_of_str)  # type: ignore[arg-type]
        check = _Checker()
        statuses = tuple(_coerce_enum(EntityStatus, s) for s in self.statuses)
        object.__setattr__(self, "statuses", statuses)
        for s in statuses:
            check.enum(s, EntityStatus, "statuses", "登记状态")
        ratios: dict[RiskGrade, Decimal] = {}
        for grade, raw in dict(self.ratios).items():
            g = _coerce_enum(RiskGrade, grade)
            if not isinstance(g, RiskGrade):
                check.require(False, "ratios", f"风险等级「{grade}」无效，应为A、B、C、D")
                continue
            try:
                ratios[g] = parse_ratio(raw)
            except ValueError as e:
                check.require(False, "ratios", f"{g.value}类{e}")
        object.__setattr__(self, "ratios", dict(sorted(ratios.items())))
        check.text(self.id, "id", "计划编号", 60)
        check.text(self.name, "name", "计划名称", 200)
        check.require(bool(self.departments), "departments", "至少需要一个发起部门")
        check.require(
            len(set(self.departments)) == len(self.departments), "departments", "部门不能重复"
        )
        check.require(bool(self.items), "items", "至少需要一个抽查事项")
        check.require(len(set(self.items)) == len(self.items), "items", "抽查事项不能重复")
        check.require(bool(ratios) or bool(check.problems), "ratios", "至少为一个风险等级设定抽查比例")
        check.require(
            isinstance(self.team_size, int) and self.team_size >= MIN_TEAM_SIZE,
            "team_size",
            f"检查组人数不得少于{MIN_TEAM_SIZE}人",
        )
        dates_ok = isinstance(self.window_start, dt.date) and isinstance(self.window_end, dt.date)
        check.require(dates_ok, "window", "起止日期无效")
        if dates_ok:
            check.require(self.window_end >= self.window_start, "window", "结束日期不能早于开始日期")
        days = self.exclude_inspected_within_days
        check.require(
            days is None or (isinstance(days, int) and days > 0),
            "exclude_inspected_within_days",
            "排除近期已检查对象的天数应为正整数",
        )
        cap = self.workload_cap
        check.require(
            cap is None or (isinstance(cap, int) and cap > 0),
            "workload_cap",
            "每人任务上限应为正整数",
        )
        if self.level is not None:
            level = _coerce_enum(PlanLevel, self.level)
            object.__setattr__(self, "level", level)
            check.enum(level, PlanLevel, "level", "抽查层级")
        check.require(self.scheme is None or isinstance(self.scheme, Scheme), "scheme",
                      "检查方案无效")
        _set_coerced(self, "batches", tuple)  # type: ignore[arg-type]
        batches_ok = all(isinstance(d, dt.date) for d in self.batches)
        check.require(batches_ok, "batches", "批次派发日期无效")
        if batches_ok and self.batches:
            check.require(len(self.batches) <= MAX_BATCHES, "batches",
                          f"派发批次不能超过{MAX_BATCHES}批")
            check.require(list(self.batches) == sorted(set(self.batches)), "batches",
                          "各批次派发日期应从早到晚排列且不重复")
            if dates_ok:
                check.require(self.window_start <= self.batches[0]
                              and self.batches[-1] <= self.window_end, "batches",
                              "批次派发日期应在计划起止日期之内")
        check.require(isinstance(self.replaces_county, bool), "replaces_county",
                      "是否替代县级计划应为是或否")
        required = self.witnesses_required
        check.require(isinstance(required, int) and not isinstance(required, bool)
                      and 0 <= required <= 20, "witnesses_required", "须见证的见证人数应为0到20之间的整数")
        check.raise_if_any()


@dataclass(frozen=True)
class Task:
    """抽查任务: one drawn entity, the team sent to it and the items they check."""

    id: str
    plan_id: str
    credit_code: str
    team: tuple[str, ...]
    items: tuple[str, ...]
    due: dt.date

    def __post_init__(self) -> None:
        _set_coerced(self, "team", _tuple_of_str)  # type: ignore[arg-type]
        _set_coerced(self, "items", _tuple_of_str)  # type: ignore[arg-type]
        check = _Checker()
        check.text(self.id, "id", "任务编号", 80)
        check.text(self.plan_id, "plan_id", "计划编号", 60)
        problem = credit_code_problem(self.credit_code)
        check.require(problem is None, "credit_code", problem or "")
        check.require(
            len(self.team) >= MIN_TEAM_SIZE, "team", f"检查组人数不得少于{MIN_TEAM_SIZE}人"
        )
        check.require(len(set(self.team)) == len(self.team), "team", "检查组成员不能重复")
        check.require(bool(self.items), "items", "至少需要一个抽查事项")
        check.require(isinstance(self.due, dt.date), "due", "截止日期无效")
        check.raise_if_any()
