"""年度计划执行情况: the year's plans of the supervisor's department, from the platform
(``GET /api/v1/stats/year``), as cards a phone shows one under another: the plans' progress
(planned → confirmed → drawn → done → published), the risk-grade use rate against its target,
the joint plans' share and the repeat visits avoided, each number with what it means."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sync import YearOverview, YearRow

from .. import strings as s
from ..domain.clock import today_in_china
from ..domain.review import percent
from ..services.supervisor import SupervisorService
from .base import RemoteModel


@dataclass(frozen=True)
class Step:
    """One step of the plans' progress: how many plans reached it, and its share of those
    planned (the bar's length)."""

    key: str
    label: str
    count: int
    meaning: str
    share: float


@dataclass(frozen=True)
class YearCard:
    """One row of the overview (a department's, for a supervisor) in words."""

    name: str
    level: str
    steps: tuple[Step, ...]
    risk_line: str
    risk_joint_line: str | None
    """The joint plans' rate (the seeds' 60 % is of 部门联合抽查), when there are joint random plans."""
    target: str
    met: bool | None
    """None when the year has no random plan: nothing to meet."""
    joint_line: str
    repeats: str
    repeats_joint: str
    repeats_cap: str
    empty: bool


def card(row: YearRow, target: float) -> YearCard:
    """The words of one row; pure."""
    planned = row["planned"]
    counts = {"planned": planned, "confirmed": row["confirmed"], "drawn": row["drawn"],
              "done": row["done"], "published": row["published"]}
    steps = tuple(Step(key, label, counts[key], meaning, counts[key] / planned if planned else 0.0)
                  for key, label, meaning in s.YEAR_STEPS)
    random_plans = row["random_plans"]
    risk_line = (s.YEAR_RISK_USE_LINE.format(rate=percent(row["risk_grade_use"]),
                                             graded=row["graded_plans"], plans=random_plans)
                 if random_plans else s.YEAR_NO_RANDOM)
    joint_risk = (s.YEAR_RISK_JOINT_LINE.format(rate=percent(row["joint_risk_grade_use"]),
                                                graded=row["joint_graded_plans"],
                                                plans=row["joint_random_plans"])
                  if row["joint_random_plans"] else None)
    return YearCard(
        name=row["name"], level=s.YEAR_LEVEL.format(level=row["level"] or "—"), steps=steps,
        risk_line=risk_line, risk_joint_line=joint_risk,
        target=s.YEAR_TARGET.format(target=percent(target)),
        met=row["meets_target"] if random_plans else None,
        joint_line=s.YEAR_JOINT_LINE.format(joint=row["joint"], planned=planned,
                                            share=percent(row["joint_share"]),
                                            confirmed=row["joint_confirmed"]),
        repeats=s.YEAR_REPEATS_COUNT.format(count=row["repeats_avoided"]),
        repeats_joint=s.YEAR_REPEATS_JOINT.format(count=row["joint_visits_saved"]),
        repeats_cap=s.YEAR_REPEATS_CAP.format(count=row["capped_out"]),
        empty=planned == 0,
    )


class YearOverviewModel(RemoteModel):
    def __init__(self, service: SupervisorService,
                 today: Callable[[], dt.date] = today_in_china) -> None:
        super().__init__()
        self.service = service
        self.today = today
        self.year = today().year
        self.overview: YearOverview | None = None

    async def load(self) -> None:
        async def read() -> None:
            self.overview = await self.service.year_overview(self.year)

        await self.fetching(read)

    @property
    def can_go_next(self) -> bool:
        """Up to next year: next year's plans are made in this one's last weeks."""
        return self.year < self.today().year + 1

    async def previous_year(self) -> None:
        self.year -= 1
        self.overview = None
        await self.load()

    async def next_year(self) -> None:
        if not self.can_go_next:
            return
        self.year += 1
        self.overview = None
        await self.load()

    @property
    def year_label(self) -> str:
        return s.YEAR_LABEL.format(year=self.year)

    def cards(self) -> list[YearCard]:
        if self.overview is None:
            return []
        return [card(row, self.overview["target"]) for row in self.overview["rows"]]
