"""The reviewer's "what this revision changed" card: the return reason, then only what differs."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from .. import strings as s
from ..domain.revision import ItemChange, RevisionChanges
from .layout import Section


def _line(text: str, *, colour: str | None = None, weight: ft.FontWeight | None = None) -> ft.Text:
    return ft.Text(text, size=14, color=colour, weight=weight)


def _item(change: ItemChange, thumbnail: Callable[[str], ft.Control]) -> ft.Control:
    lines: list[ft.Control] = [ft.Text(change.name, size=15, weight=ft.FontWeight.W_600)]
    if change.result:
        lines.append(_line(s.REVISION_RESULT.format(old=change.result[0], new=change.result[1]),
                           weight=ft.FontWeight.W_600, colour=ft.Colors.DEEP_ORANGE_900))
    if change.note:
        lines.append(_line(s.REVISION_ITEM_NOTE.format(old=change.note[0], new=change.note[1])))
    if change.photos_added:
        lines.append(_line(s.REVISION_PHOTOS_ADDED.format(count=len(change.photos_added)),
                           colour=ft.Colors.GREEN_900))
        lines.append(ft.Row([thumbnail(sha) for sha in change.photos_added], wrap=True, spacing=8,
                            run_spacing=8))
    if change.photos_removed:
        lines.append(_line(s.REVISION_PHOTOS_REMOVED.format(count=len(change.photos_removed)),
                           colour=ft.Colors.RED_800))
    return ft.Container(
        padding=ft.Padding.only(left=10, top=4, bottom=4),
        border=ft.Border.only(left=ft.BorderSide(3, ft.Colors.AMBER_700)),
        content=ft.Column(lines, spacing=4))


def revision_section(changes: RevisionChanges, thumbnail: Callable[[str], ft.Control]) -> ft.Control:
    """The card, first on a revision's screen: the reason it answers, each changed item (old →
    new), the outcome, note and place when they changed, and how many items stayed as they were.
    ``thumbnail`` draws a photo the revision added (tappable, like the item's own)."""
    controls: list[ft.Control] = [ft.Container(
        bgcolor=ft.Colors.RED_50, border_radius=10, padding=10,
        content=_line(s.REVISION_REASON.format(reason=changes.reason) if changes.reason
                      else s.REVISION_NO_REASON, colour=ft.Colors.RED_900))]
    if changes.nothing_changed:
        controls.append(_line(s.REVISION_NOTHING, weight=ft.FontWeight.W_600,
                              colour=ft.Colors.DEEP_ORANGE_900))
    for label, pair in ((s.REVISION_OUTCOME, changes.outcome), (s.REVISION_NOTE, changes.note),
                        (s.REVISION_LOCATION, changes.location)):
        if pair:
            controls.append(_line(label.format(old=pair[0], new=pair[1]), weight=ft.FontWeight.W_600))
    controls += [_item(change, thumbnail) for change in changes.items]
    if changes.items and changes.unchanged_items:
        controls.append(_line(s.REVISION_UNCHANGED.format(count=changes.unchanged_items),
                              colour=ft.Colors.ON_SURFACE_VARIANT))
    elif not changes.items and changes.unchanged_items:
        controls.append(_line(s.REVISION_ALL_UNCHANGED.format(count=changes.unchanged_items),
                              colour=ft.Colors.ON_SURFACE_VARIANT))
    return Section(s.REVISION_CHANGES, controls)
