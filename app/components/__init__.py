"""Small reusable controls (one file each), re-exported here."""

from .chips import StateChip, state_colors
from .choices import Choices
from .history import WarningBanner, history_controls, warning_reason
from .item_card import ItemCard
from .layout import InfoRow, Section, empty_state, primary_button, update_if_shown
from .tab_body import TabBody

__all__ = ["Choices", "InfoRow", "ItemCard", "Section", "StateChip", "TabBody", "WarningBanner", "empty_state",
           "history_controls", "primary_button", "state_colors", "update_if_shown", "warning_reason"]
