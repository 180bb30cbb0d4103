"""Public HTML pages, in Chinese, readable on a phone."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from server_stub.api.deps import ConnDep
from server_stub.api.templates import render
from server_stub.directory import queries
from server_stub.draws import planning

router = APIRouter(tags=["pages"])


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
