"""A pad to sign on with a finger (or a mouse): strokes drawn as they come, kept as points.

The points, not a screenshot, are what the app keeps: ``app/domain/signature.py`` renders them
to the PNG the record covers. Events are throttled to one every ``DRAG_INTERVAL_MS``, enough for
a legible line without flooding the connection of the web client.
"""

from __future__ import annotations

import flet as ft
import flet.canvas as cv

from .. import strings as s
from ..domain.signature import Point

WIDTH = 300
HEIGHT = 170
DRAG_INTERVAL_MS = 15
INK = ft.Paint(color=ft.Colors.BLACK, stroke_width=3, style=ft.PaintingStyle.STROKE,
               stroke_cap=ft.StrokeCap.ROUND, stroke_join=ft.StrokeJoin.ROUND)


class SignaturePad(ft.Container):
    def __init__(self) -> None:
        self.strokes: list[list[Point]] = []
        self.canvas = cv.Canvas(width=WIDTH, height=HEIGHT, shapes=[])
        self.hint = ft.Text(s.ACK_SIGN_HERE, size=14, color=ft.Colors.OUTLINE)
        super().__init__(
            width=WIDTH, height=HEIGHT, bgcolor=ft.Colors.WHITE, border_radius=8,
            border=ft.Border.all(1, ft.Colors.OUTLINE),
            content=ft.Semantics(label=s.ACK_SIGNATURE_PAD, container=True, content=ft.GestureDetector(
                drag_interval=DRAG_INTERVAL_MS, on_pan_start=self._start, on_pan_update=self._move,
                content=ft.Stack([ft.Container(self.hint, alignment=ft.Alignment.CENTER,
                                               width=WIDTH, height=HEIGHT), self.canvas]))))

    def _start(self, e: ft.DragStartEvent[ft.GestureDetector]) -> None:
        self.strokes.append([(e.local_position.x, e.local_position.y)])
        self.hint.visible = False
        self._draw()

    def _move(self, e: ft.DragUpdateEvent[ft.GestureDetector]) -> None:
        if not self.strokes:
            self.strokes.append([])
        point = (min(max(e.local_position.x, 0), WIDTH), min(max(e.local_position.y, 0), HEIGHT))
        self.strokes[-1].append(point)
        self._draw()

    def _draw(self) -> None:
        self.canvas.shapes = [
            cv.Points(points=[ft.Offset(x, y) for x, y in stroke], paint=INK,
                      point_mode=cv.PointMode.POLYGON if len(stroke) > 1 else cv.PointMode.POINTS)
            for stroke in self.strokes]
        self.update()

    def clear(self) -> None:
        self.strokes = []
        self.hint.visible = True
        self._draw()
