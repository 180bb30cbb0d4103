"""A finger signature: the strokes drawn on the screen, rendered to the PNG the record covers.

The PNG is drawn here, in Python, from the points the pad reported, rather than captured from
the screen: the same strokes give the same bytes on every platform (the record signs their
SHA-256), it needs no round trip to the device's renderer, and it is black on white, grey
scale, a few kilobytes, so it prints and thumbnails like a photo.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from sync import signature_png_problem

Point = tuple[float, float]
SCALE = 2
"""Pixels per logical pixel of the pad: a sharper line on paper than the screen's."""
LINE_WIDTH = 3


def has_ink(strokes: Sequence[Sequence[Point]]) -> bool:
    """Whether anything was drawn (a tap alone leaves a one-point stroke, which counts)."""
    return any(len(stroke) >= 1 for stroke in strokes)


def signature_png(strokes: Sequence[Sequence[Point]], width: float, height: float) -> bytes:
    """The strokes on a white ``width`` × ``height`` pad, as a PNG (``ValueError`` if empty)."""
    if not has_ink(strokes):
        raise ValueError("no strokes")
    size = (round(width * SCALE), round(height * SCALE))
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    r = LINE_WIDTH * SCALE / 2
    for stroke in strokes:
        points = [(x * SCALE, y * SCALE) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=0, width=LINE_WIDTH * SCALE, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    data = out.getvalue()
    problem = signature_png_problem(data)
    if problem is not None:
        raise ValueError(problem)
    return data
