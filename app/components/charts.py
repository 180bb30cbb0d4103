"""The dashboard's charts (``flet-charts``), drawn for a phone held in one hand.

Bars stand in one chart with their names under them, shortened to what fits a bar's share of a
390-pixel screen in two lines (``app.domain.chart_labels``), and the full names in a legend
underneath. Each bar carries its value on top, so nothing needs a tap to be read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import flet as ft
import flet_charts as fch

from .. import strings as s
from ..domain.chart_labels import bar_labels
from ..domain.review import percent

WARNING_COLOURS: dict[str | None, str] = {
    "红色": ft.Colors.RED_600,
    "橙色": ft.Colors.ORANGE_700,
    "黄色": ft.Colors.AMBER_500,
    "绿色": ft.Colors.GREEN_600,
    None: ft.Colors.GREY_400,
}
COMPLETION_COLOUR = ft.Colors.INDIGO_400
PUBLICATION_COLOUR = ft.Colors.TEAL_500
CHART_HEIGHT = 190


def _value_on_top(text: str) -> fch.BarChartRodTooltip:
    return fch.BarChartRodTooltip(text=text, text_style=ft.TextStyle(size=11, color=ft.Colors.ON_SURFACE,
                                                                     weight=ft.FontWeight.W_600))


def _percent_axis() -> fch.ChartAxis:
    return fch.ChartAxis(label_size=40, labels=[
        fch.ChartAxisLabel(value=v, label=ft.Text(f"{v}%", size=11, color=ft.Colors.ON_SURFACE_VARIANT))
        for v in (0, 50, 100)])


def _bar_chart(groups: list[fch.BarChartGroup], labels: Sequence[str]) -> fch.BarChart:
    return fch.BarChart(
        groups=groups, height=CHART_HEIGHT, min_y=0, max_y=115, interactive=False,
        group_alignment=ft.MainAxisAlignment.SPACE_AROUND,
        tooltip=fch.BarChartTooltip(bgcolor=ft.Colors.TRANSPARENT, margin=2,
                                    padding=ft.Padding.all(0)),
        left_axis=_percent_axis(),
        bottom_axis=fch.ChartAxis(label_size=38 if any("\n" in x for x in labels) else 26, labels=[
            fch.ChartAxisLabel(value=n, label=ft.Text(label, size=12, weight=ft.FontWeight.W_600,
                                                      text_align=ft.TextAlign.CENTER))
            for n, label in enumerate(labels)]),
        horizontal_grid_lines=fch.ChartGridLines(interval=50, color=ft.Colors.OUTLINE_VARIANT, width=1),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE)),
    )


def _rod(rate: float | None, colour: str, width: float) -> fch.BarChartRod:
    # A 0 % bar keeps a sliver of its colour: a green "nothing found" still shows as green.
    value = 0.0 if rate is None else max(rate * 100, 1.5)
    return fch.BarChartRod(from_y=0, to_y=value, width=width, color=colour, selected=True,
                           border_radius=ft.BorderRadius.only(top_left=4, top_right=4),
                           tooltip=_value_on_top(percent(rate)))


def _swatch(colour: str) -> ft.Control:
    return ft.Container(width=12, height=12, bgcolor=colour, border_radius=3)


def plan_chart(plans: Sequence[Mapping[str, Any]]) -> ft.Control:
    """Completion and publication rate of each plan, side by side."""
    groups = [fch.BarChartGroup(x=n, spacing=14, rods=[
        _rod(p["completion_rate"], COMPLETION_COLOUR, 30),
        _rod(p["publication_rate"], PUBLICATION_COLOUR, 30)]) for n, p in enumerate(plans)]
    legend = ft.Row([_swatch(COMPLETION_COLOUR), ft.Text(s.STATS_COMPLETION, size=13),
                     ft.Container(width=8),
                     _swatch(PUBLICATION_COLOUR), ft.Text(s.STATS_PUBLICATION, size=13)], spacing=6)
    lines = [ft.Text(s.STATS_PLAN_LINE.format(
        name=p["name"], tasks=p["tasks"], completed=p["completed"], published=p["published"],
        completion=percent(p["completion_rate"]), publication=percent(p["publication_rate"])), size=13)
        for p in plans]
    return ft.Column([_bar_chart(groups, bar_labels([str(p["name"]) for p in plans])), legend, *lines],
                     spacing=8)


def rate_chart(rows: Sequence[Mapping[str, Any]], *, short_labels: bool = False) -> ft.Control:
    """Problem discovery rate per group, each bar in its four-colour warning, highest first.

    ``short_labels``: the keys themselves fit under the bars (risk grades A–D); otherwise the
    bars carry their names shortened (``bar_labels``) and the legend the full names.
    """
    width = 22 if len(rows) <= 5 else 14
    groups = [fch.BarChartGroup(x=n, rods=[_rod(r["rate"], WARNING_COLOURS[r["colour"]], width)])
              for n, r in enumerate(rows)]
    keys = [str(r["key"]) for r in rows]
    labels = keys if short_labels else bar_labels(keys)
    legend = []
    for r in rows:
        name = str(r["key"])
        legend.append(ft.Row([
            _swatch(WARNING_COLOURS[r["colour"]]),
            ft.Text(name, size=13, expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(s.STATS_GROUP_LINE.format(rate=percent(r["rate"]), problems=r["problems"],
                                              inspected=r["inspected"]), size=13,
                    weight=ft.FontWeight.W_600),
        ], spacing=6))
    return ft.Column([_bar_chart(groups, labels), *legend], spacing=4)


def colour_legend() -> ft.Control:
    """The four warning colours, once per screen."""
    parts: list[ft.Control] = [ft.Text(s.STATS_COLOURS_LEGEND, size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
    for name in ("红色", "橙色", "黄色", "绿色"):
        parts += [_swatch(WARNING_COLOURS[name]), ft.Text(name[0], size=12)]
    return ft.Row(parts, spacing=4, wrap=True)


def risk_use_chart(use: Mapping[str, Any]) -> ft.Control:
    """The share of plans whose ratios follow risk grades, against the 60 % target."""
    using, plans = int(use["using"]), int(use["plans"])
    colour = ft.Colors.GREEN_600 if use["meets_target"] else ft.Colors.ORANGE_700
    sections = [fch.PieChartSection(value=using, color=colour, radius=22),
                fch.PieChartSection(value=plans - using, color=ft.Colors.GREY_300, radius=22)]
    if plans == 0:
        sections = [fch.PieChartSection(value=1, color=ft.Colors.GREY_300, radius=22)]
    donut = ft.Stack(width=120, height=120, controls=[
        fch.PieChart(sections=[x for x in sections if x.value], center_space_radius=36,
                     sections_space=2, start_degree_offset=-90, width=120, height=120),
        ft.Container(ft.Text(percent(use["rate"]), size=18, weight=ft.FontWeight.BOLD),
                     alignment=ft.Alignment.CENTER, width=120, height=120),
    ])
    verdict = s.STATS_RISK_MET if use["meets_target"] else s.STATS_RISK_NOT_MET
    return ft.Row([
        donut,
        ft.Column([
            ft.Text(s.STATS_RISK_USE_LINE.format(using=using, plans=plans, rate=percent(use["rate"])),
                    size=14),
            ft.Row([ft.Text(s.STATS_RISK_TARGET, size=14),
                    ft.Container(ft.Text(verdict, size=13, color=ft.Colors.WHITE, weight=ft.FontWeight.W_600),
                                 bgcolor=colour, border_radius=10,
                                 padding=ft.Padding.symmetric(horizontal=8, vertical=2))], spacing=8),
        ], expand=True, spacing=6),
    ], spacing=14, vertical_alignment=ft.CrossAxisAlignment.CENTER)
