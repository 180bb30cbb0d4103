"""Public HTML pages, in Chinese, readable on a phone, and the font they are drawn in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from server_stub.api.deps import ConnDep
from server_stub.api.templates import render
from server_stub.core.errors import NotFound
from server_stub.core.launcher import PROJECT_ROOT
from server_stub.directory import queries
from server_stub.draws import planning

router = APIRouter(tags=["pages"])

FONTS_DIR = PROJECT_ROOT / "assets" / "fonts"
FONTS = frozenset({"ZSCSans-Regular.otf", "ZSCSans-Bold.otf"})
"""The bundled CJK font (``scripts/make_cjk_font.py``): a phone or PC without a Chinese font
otherwise draws every character of the pages as a box."""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(conn: ConnDep) -> HTMLResponse:
    return render("home.html", counts=queries.directory_counts(conn), items=queries.load_items(conn))


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(conn: ConnDep) -> HTMLResponse:
    return render("plans.html", plans=planning.list_public_plans(conn))


@router.get("/draws/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def draw_page(plan_id: str, conn: ConnDep) -> HTMLResponse:
    """A plan's draw: its ceremony so far, and once drawn the seed's derivation and the drawn
    entities (never a grade)."""
    plan = planning.get_public_plan(conn, plan_id)
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
