"""What a revision changed from the record the supervisor returned. Pure.

A reviewer who returned a record with "请补充冷藏柜照片" should not have to re-read the whole
revision to find out whether the inspector did that: this module lays the two signed records
side by side and keeps only what differs, item by item (result, note, photos added or removed),
then the outcome, the record's note and the place, with the return reason the revision answers.
Unchanged items are only counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .review import location_text

NONE = "—"
"""How an item's missing result or an empty note reads on the screen."""


@dataclass(frozen=True)
class ItemChange:
    """One item that differs: before and after, and the photos (SHA-256) added and removed."""

    code: str
    name: str
    result: tuple[str, str] | None
    note: tuple[str, str] | None
    photos_added: tuple[str, ...]
    photos_removed: tuple[str, ...]


@dataclass(frozen=True)
class RevisionChanges:
    """Everything that differs between the returned record and its revision."""

    returned_id: str
    reason: str
    """The reviewer's comment when returning it: what the revision answers."""
    items: tuple[ItemChange, ...]
    unchanged_items: int
    outcome: tuple[str, str] | None
    note: tuple[str, str] | None
    location: tuple[str, str] | None

    @property
    def nothing_changed(self) -> bool:
        return not (self.items or self.outcome or self.note or self.location)


def _pair(old: str, new: str) -> tuple[str, str] | None:
    return None if old == new else (old or NONE, new or NONE)


def _item_change(code: str, name: str, old: Mapping[str, Any] | None,
                 new: Mapping[str, Any] | None) -> ItemChange | None:
    before, after = old or {}, new or {}
    old_photos, new_photos = list(before.get("photos", ())), list(after.get("photos", ()))
    change = ItemChange(
        code, name,
        result=_pair(before.get("result", ""), after.get("result", "")),
        note=_pair(before.get("note", "").strip(), after.get("note", "").strip()),
        photos_added=tuple(p for p in new_photos if p not in old_photos),
        photos_removed=tuple(p for p in old_photos if p not in new_photos))
    if change.result or change.note or change.photos_added or change.photos_removed:
        return change
    return None


def _place(record: Mapping[str, Any]) -> str:
    return location_text(record.get("location"))[0]


def revision_changes(previous: Mapping[str, Any], record: Mapping[str, Any],
                     item_names: Mapping[str, str] | None = None) -> RevisionChanges:
    """The differences from ``previous`` (the platform's ``previous``: the returned record as
    signed, ``record``, with its ``review_comment``) to ``record``, the revision as signed.

    Items are matched by code, in the revision's order, then any the revision dropped; a photo
    is the same photo when its hash is. A note that differs only by surrounding blanks has not
    changed."""
    names = item_names or {}
    old_record = previous["record"]
    old_items = {i["code"]: i for i in old_record["items"]}
    new_items = {i["code"]: i for i in record["items"]}
    codes = list(new_items) + [code for code in old_items if code not in new_items]
    changes, unchanged = [], 0
    for code in codes:
        change = _item_change(code, names.get(code, code), old_items.get(code), new_items.get(code))
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    return RevisionChanges(
        returned_id=str(previous.get("id", "")),
        reason=(previous.get("review_comment") or "").strip(),
        items=tuple(changes), unchanged_items=unchanged,
        outcome=_pair(old_record["outcome"], record["outcome"]),
        note=_pair((old_record.get("note") or "").strip(), (record.get("note") or "").strip()),
        location=_pair(_place(old_record), _place(record)),
    )
