"""/results page by page and by cursor (issue 29 point 4): numbered pages up to ``MAX_PAGE``
with a clear Chinese refusal beyond, and ``before`` (a page's ``next``) continuing at any depth;
a made-up or broken cursor is a 400 that says so, never a 500. On the bench's rows, where
hundreds of results share a publication time and their order is the draw's."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench.aggregate import fill
from server_stub.core import tables as t
from server_stub.core.clock import as_utc
from server_stub.core.config import Settings
from server_stub.core.db import make_engine, migrate
from server_stub.core.errors import Malformed
from server_stub.main import create_app
from server_stub.publication import results
from server_stub.publication.results import MAX_PAGE, Cursor, published_results


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A platform over the bench's rows: 600 records, about 360 of them published, 50-odd at
    one instant."""
    from tests.conftest import Databases

    directory = tmp_path_factory.mktemp("pages")
    databases = Databases(directory)
    db = databases.make()
    engine = make_engine(db)
    migrate(engine)
    fill(engine, 600, 120, random.Random(4), drawn=True)
    with engine.begin() as conn:  # a batch published at one instant: ties broken by the draw order
        r = t.records
        conn.execute(r.update().where(r.c.state == "published", r.c.plan_id.in_(["P01", "P02", "P03"]))
                     .values(published_at=dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)))
    engine.dispose()
    app = create_app(Settings.from_env(directory / "data", db))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()
        databases.drop_all()


@pytest.fixture
def engine(platform: TestClient) -> sa.Engine:
    found: sa.Engine = platform.app.state.engine  # type: ignore[attr-defined]
    return found


def in_order(engine: sa.Engine, query: str = "") -> list[str]:
    """Every listed result's id in the list's order, sorted here (newest first, then the draw)."""
    r, tk, e = t.records, t.tasks, t.entities
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.c.id, r.c.published_at, tk.c.draw_order, e.c.name, e.c.credit_code)
            .join(tk, tk.c.id == r.c.task_id).join(e, e.c.credit_code == r.c.credit_code)
            .where(r.c.state == "published", r.c.superseded.is_(False))).all()
    rows = [row for row in rows if query in row.name or query == row.credit_code]
    rows.sort(key=lambda row: row.id)
    rows.sort(key=lambda row: row.draw_order)
    rows.sort(key=lambda row: as_utc(row.published_at), reverse=True)
    return [row.id for row in rows]


@pytest.mark.parametrize("query", ["", "有限公司"])
def test_a_walk_by_cursor_sees_every_result_once_in_order(engine: sa.Engine, query: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results, "PAGE_SIZE", 7)  # many pages, and page breaks inside one time's rows
    expected = in_order(engine, query)
    assert len(expected) > 5 * 7
    walked: list[str] = []
    following: str | None = None
    with engine.connect() as conn:
        numbered = [r["id"] for n in range(1, 6) for r in published_results(conn, page=n, query=query).rows]
        while True:
            page = published_results(conn, query=query, before=following)
            walked += [r["id"] for r in page.rows]
            assert page.total == len(expected)
            if page.next is None:
                break
            assert len(page.rows) == 7
            following = page.next
    assert walked == expected
    assert numbered == expected[:35]


def test_a_cursor_is_a_place_in_the_list_not_a_record(engine: sa.Engine) -> None:
    """A well-formed cursor of no row starts where such a row would be."""
    expected = in_order(engine)
    with engine.connect() as conn:
        assert published_results(conn, before="0.0.x").rows == []
        assert published_results(conn, before="0.0.x").next is None
        future = Cursor(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), 0, "x").text()
        assert [r["id"] for r in published_results(conn, before=future).rows] == expected[:50]


@pytest.mark.parametrize("cursor", [
    "", "abc", "1.2", "1.2.", ".1.x", "1..x", "-5.1.x", "1.-2.x", "1.2.x y", "1.2.a\x00b", "１.2.x",
    "99999999999999999.1.x", "253402300800000001.1.x", "1.2147483648.x", "1.2." + "a" * 37,
    "1800000000000000.5.x'; DROP TABLE records; --",
])
def test_a_broken_cursor_is_refused_in_chinese(engine: sa.Engine, cursor: str) -> None:
    with engine.connect() as conn, pytest.raises(Malformed) as refused:
        published_results(conn, before=cursor)
    assert refused.value.code == "bad_cursor" and "翻页位置无效" in refused.value.message


@pytest.mark.parametrize(("params", "code", "words"), [
    ({"before": "garbage"}, "bad_cursor", "翻页位置无效"),
    ({"before": "1.2.a\x00b"}, "bad_cursor", "翻页位置无效"),
    ({"before": "9" * 30 + ".1.x"}, "bad_cursor", "翻页位置无效"),
    ({"page": MAX_PAGE + 1}, "page_too_deep", f"页码最多为 {MAX_PAGE}"),
    ({"page": 100000}, "page_too_deep", "下一页"),
    ({"page": 2, "before": "1800000000000000.5.x"}, "page_and_cursor", "不能同时使用"),
])
def test_the_api_and_the_page_refuse_alike(platform: TestClient, params: dict[str, object], code: str,
                                           words: str) -> None:
    api = platform.get("/api/v1/public/results", params=params)
    assert api.status_code == 400, api.text
    assert api.json()["error"]["code"] == code and words in api.json()["error"]["message"]
    page = platform.get("/results", params=params)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert words in page.text


def test_next_continues_where_the_page_ended(platform: TestClient) -> None:
    first = platform.get("/api/v1/public/results").json()
    assert first["page"] == 1 and first["last_page"] == MAX_PAGE and first["next"]
    second = platform.get("/api/v1/public/results", params={"before": first["next"]}).json()
    assert second["page"] is None and second["total"] == first["total"]
    numbered = platform.get("/api/v1/public/results", params={"page": 2}).json()
    assert [r["id"] for r in second["results"]] == [r["id"] for r in numbered["results"]]
    assert second["next"] == numbered["next"]
    last = platform.get("/api/v1/public/results", params={"page": -(-first["total"] // 50)}).json()
    assert last["results"] and last["next"] is None


def test_the_page_links_the_next_page(platform: TestClient) -> None:
    first = platform.get("/api/v1/public/results").json()
    page = platform.get("/results").text
    link = f'href="/results?before={first["next"]}&amp;q="'
    assert link in page and "下一页" in page
    following = platform.get(f"/results?before={first['next']}").text
    second = platform.get("/api/v1/public/results", params={"before": first["next"]}).json()
    assert second["results"][0]["entity_name"] in following
