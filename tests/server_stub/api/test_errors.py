"""Domain errors know nothing of HTTP; the api layer maps each kind to its answer, once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server_stub.api.errors import STATUSES, install_error_handlers, status_of
from server_stub.core import errors
from server_stub.core.errors import DomainError, RecordNotFound, TooMany, Unavailable

SERVER = Path(__file__).resolve().parents[3] / "server_stub"
DOMAIN_PACKAGES = ("core", "directory", "draws", "field", "records", "review", "publication")
EDGE = ("fastapi", "starlette", "uvicorn", "server_stub.api", "server_stub.main")


def kinds() -> list[type[DomainError]]:
    """Every class of ``server_stub/core/errors.py``'s tree, the base included."""
    return [value for value in vars(errors).values()
            if isinstance(value, type) and issubclass(value, DomainError)]


def made(kind: type[DomainError]) -> DomainError:
    if kind is RecordNotFound:
        return RecordNotFound()
    if kind is TooMany:
        return TooMany("too_many_requests", "请稍后再试", retry_after=42)
    if kind is Unavailable:
        return Unavailable("photo_store_unavailable", "照片存储暂时不可用", retry_after=5)
    return kind("some_code", "某种错误")


def test_every_kind_of_domain_error_has_its_status() -> None:
    direct = [kind for kind in kinds() if DomainError in kind.__bases__]
    assert direct and all(kind in STATUSES for kind in direct), set(direct) - set(STATUSES)
    assert DomainError not in STATUSES  # a bare DomainError says nothing: no status to guess
    with pytest.raises(TypeError):
        status_of(DomainError("x", "y"))
    assert status_of(RecordNotFound()) == 404


@pytest.mark.parametrize("kind", [k for k in kinds() if k is not DomainError], ids=lambda k: k.__name__)
def test_the_handler_answers_each_kind_with_its_status_code_and_message(kind: type[DomainError]) -> None:
    app = FastAPI()
    install_error_handlers(app)
    error = made(kind)

    @app.get("/fail")
    def fail() -> None:
        raise error

    answer = TestClient(app).get("/fail")
    assert answer.status_code == status_of(error)
    assert answer.json() == {"error": {"code": error.code, "message": error.message}}
    assert answer.headers.get("Retry-After") == {TooMany: "42", Unavailable: "5"}.get(kind)


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("package", DOMAIN_PACKAGES)
def test_domain_packages_import_nothing_of_http(package: str) -> None:
    modules = sorted((SERVER / package).rglob("*.py"))
    assert modules
    offending = {str(path.relative_to(SERVER)): sorted(
        name for name in imported_modules(path)
        if any(name == edge or name.startswith(edge + ".") for edge in EDGE))
        for path in modules}
    assert not {path: names for path, names in offending.items() if names}
