"""The public parts of the item list and directories: never a risk grade here."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from server_stub.api.deps import ConnDep
from server_stub.directory import queries

router = APIRouter(prefix="/api/v1", tags=["directory"])


class Health(BaseModel):
    status: str
    service: str


class DirectorySummary(BaseModel):
    items: int
    entities: int
    inspectors: int


class ItemOut(BaseModel):
    code: str
    category: str
    name: str
    basis: str
    method: str
    department: str
    checkpoints: list[str]


class ItemList(BaseModel):
    items: list[ItemOut]


@router.get("/health")
async def health() -> Health:
    """Liveness: the server answers. Needs no token. On the event loop itself, not in the thread
    pool, so that it answers at once even while every thread waits for the database."""
    return Health(status="ok", service="掌上查平台")


@router.get("/directory/summary")
def directory_summary(conn: ConnDep) -> DirectorySummary:
    """How many items, entities and inspectors are on file."""
    return DirectorySummary(**queries.directory_counts(conn))


@router.get("/items")
def list_items(conn: ConnDep) -> ItemList:
    """The 抽查事项清单, which is public."""
    return ItemList(
        items=[
            ItemOut(code=i.code, category=i.category, name=i.name, basis=i.basis,
                    method=i.method.value, department=i.department,
                    checkpoints=list(i.checkpoints))
            for i in queries.load_items(conn)
        ]
    )
