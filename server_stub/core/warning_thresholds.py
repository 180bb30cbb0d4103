"""四色预警's thresholds: a setting (``ZSC_WARNING_THRESHOLDS``) and the rule that turns a problem
discovery rate into its colour. Kept in ``core`` beside the settings that carry them, so that the
settings need no domain package; the dashboard's figures (``publication.aggregation``) use them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal


class WarningColour(enum.StrEnum):
    """四色预警 from the problem discovery rate."""

    RED = "红色"
    ORANGE = "橙色"
    YELLOW = "黄色"
    GREEN = "绿色"


@dataclass(frozen=True)
class Thresholds:
    """Problem-rate thresholds (percent, inclusive lower bounds) of the four colours."""

    red: Decimal = Decimal(30)
    orange: Decimal = Decimal(20)
    yellow: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        if not (Decimal(100) >= self.red > self.orange > self.yellow > 0):
            raise ValueError("预警阈值应满足 100 ≥ 红 > 橙 > 黄 > 0")

    def colour(self, rate: Decimal | None) -> WarningColour | None:
        """The colour of a problem rate (a fraction); None when nothing was inspected."""
        if rate is None:
            return None
        percent = rate * 100
        if percent >= self.red:
            return WarningColour.RED
        if percent >= self.orange:
            return WarningColour.ORANGE
        if percent >= self.yellow:
            return WarningColour.YELLOW
        return WarningColour.GREEN


DEFAULT_THRESHOLDS = Thresholds()
