"""Public HTML pages, in Chinese, readable on a phone, and the font they are drawn in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from server_stub.api import fonts
from server_stub.api.deps import ConnDep
from server_stub.api.templates import render
from server_stub.core.errors import NotFound, TooMany
from server_stub.core.paths import FONTS_DIR
from server_stub.directory import queries
from server_stub.draws import planning, triggers

router = APIRouter(tags=["pages"])

FONTS = frozenset({"ZSCSans-Regular.otf", "ZSCSans-Bold.otf"})
"""The bundled CJK font (``scripts/make_cjk_font.py``): a phone or PC without a Chinese font
otherwise draws every character of the pages as a box. The pages name it cut to their own
characters (``font_subset``); the whole files stay here for anyone who wants them."""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(conn: ConnDep) -> HTMLResponse:
    return render("home.html", counts=queries.directory_counts(conn), items=queries.load_items(conn))


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(conn: ConnDep) -> HTMLResponse:
    shown = triggers.public_triggers(conn)
    return render("plans.html", plans=[{**p, "trigger": shown.get(p["id"])}
                                       for p in planning.list_public_plans(conn)])


@router.get("/draws/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def draw_page(plan_id: str, conn: ConnDep) -> HTMLResponse:
    """A plan's draw: its ceremony so far, and once drawn the seed's derivation and the drawn
    entities (never a grade)."""
    plan = {**planning.get_public_plan(conn, plan_id),
            "trigger": triggers.public_trigger(triggers.plan_list(conn, plan_id))}
    draw = planning.load_draw(conn, plan_id, "publication") if plan["drawn"] else None
    return render("draw.html", plan=plan, draw=draw)


@router.get("/fonts/{name}", include_in_schema=False)
async def font(name: str) -> FileResponse:
    """One of the two font files, by its exact name (no path is built from anything else),
    cached for a day: 5.1 MB each, the same on every page."""
    if name not in FONTS:
        raise NotFound("not_found", "请求的资源不存在")
    return FileResponse(FONTS_DIR / name, media_type="font/otf",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/fonts/{face}/{version}/{chars}.woff2", include_in_schema=False)
def font_subset(face: str, version: str, chars: str) -> Response:
    """The face cut to the characters ``chars`` names (``api/fonts.py``), as WOFF2, cached for a
    year: the address names the font file's version and every character, so it never changes.
    404 for anything but the current version of a face and characters written as pages write them."""
    codes = fonts.decode(chars) if face in fonts.FACES and version == fonts.version(face) else None
    if codes is None:
        raise NotFound("not_found", "请求的资源不存在")
    try:
        font_file = fonts.subset_woff2(face, chars, codes)
    except fonts.Busy:
        raise TooMany("fonts_busy", "字体生成繁忙，请稍后再试", retry_after=5) from None
    return Response(font_file, media_type="font/woff2",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
