"""The public pages at 390×844 in Chromium (issue 24, point 4), as an enterprise on mobile data
sees them after scanning the 检查码 at the door, and as anyone checking a published result: every
tap target at least 48 px high, tables read as cards (no cell a few characters narrow, nothing
wider than the screen), the font cut to each page loaded (no boxes: the screenshots in
test-artifacts/public-*.png are looked at), a first visit of /v/… under 1 MB transferred, and the
核验证明 and 签名树头 links opening Chinese pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Platform
from tests.browser.driver import ARTIFACTS, PHONE, browser, phone_context
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people, submit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_VISIT_LIMIT = 1_000_000

MEASURE = """() => {
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const targets = [...document.querySelectorAll('a, button, input, textarea, select')].filter(visible).map(e => {
    const r = e.getBoundingClientRect();
    return {text: (e.innerText || e.placeholder || e.name || '').slice(0, 30), height: r.height};
  });
  // a header row hidden for the eye (cards name each value) is read to screen readers only
  const hidden = e => e.closest('thead') && e.closest('thead').getBoundingClientRect().height <= 1;
  const shown = e => visible(e) && !hidden(e);
  const cells = [...document.querySelectorAll('td, th')].filter(shown).map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.innerText.slice(0, 30), width: r.width,
            em: parseFloat(getComputedStyle(e).fontSize)};
  });
  const faces = [...document.fonts].filter(f => f.family.includes('ZSC Sans'))
    .map(f => ({weight: f.weight, status: f.status}));
  return {targets, cells, faces, width: document.documentElement.scrollWidth,
          text: document.body.innerText};
}"""


def settle(page: Page, path: str, base: str) -> dict[str, Any]:
    page.goto(base + path)
    page.evaluate("() => document.fonts.ready")
    measured: dict[str, Any] = page.evaluate(MEASURE)
    return measured


def save(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def check_layout(path: str, measured: dict[str, Any]) -> None:
    short = [t for t in measured["targets"] if t["height"] < 47.5]
    assert not short, (path, short)
    narrow = [c for c in measured["cells"] if c["width"] < 4 * c["em"]]
    assert not narrow, (path, narrow)
    assert measured["width"] <= PHONE["width"], (path, "wider than the screen", measured["width"])
    assert all(f["status"] == "loaded" for f in measured["faces"] if f["weight"] == "400"), \
        (path, measured["faces"])


def test_public_pages_on_a_phone(platform: Platform) -> None:
    server = Server(platform.url, platform.data, platform.db)
    inspector, supervisor = enrol_people(server)
    task = inspector.tasks()[0]
    record_id = submit(inspector, task)["record"]["id"]
    answer = supervisor.client.post(f"/api/v1/review/records/{record_id}/approve", json={})
    assert answer.status_code == 204, answer.text
    plan = httpx.get(f"{platform.url}/api/v1/public/results").json()["results"][0]["plan_id"]

    with browser() as instance:
        # the enterprise at the door: a new phone, nothing cached, the code page first
        context = phone_context(instance)
        page = context.new_page()
        measured = settle(page, f"/v/{task['code_token']}", platform.url)
        transferred = page.evaluate("""() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .map(e => ({name: e.name, bytes: e.transferSize}))""")
        total = sum(e["bytes"] for e in transferred)
        print(f"first visit of /v/… in Chromium: {total} bytes transferred: {transferred}")
        assert total < FIRST_VISIT_LIMIT, transferred
        assert any(".woff2" in e["name"] for e in transferred), "the font cut to the page"
        assert not any(".otf" in e["name"] for e in transferred), "not the whole font"
        assert "这是一次真实的“双随机”抽查" in measured["text"]
        check_layout("/v/", measured)
        save(page, "public-1-code")
        # a character the page does not hold, typed: the phone's own CJK font draws it, or
        # where there is none (this machine) the whole font, fetched only now
        page.fill("textarea[name=message]", "蔄山镇的店铺：检查很规范。")
        page.evaluate("() => document.fonts.ready")
        page.wait_for_function("() => [...document.fonts].every(f => f.status !== 'loading')")
        whole = page.evaluate("""() => [...document.fonts].filter(f => f.family.includes('Whole'))
            .map(f => f.status)""")
        print(f"the whole font after typing 蔄: {whole}")
        assert "error" not in whole, whole
        page.locator("form").screenshot(path=str(ARTIFACTS / "public-1b-typed.png"))

        pages = [("/", "public-2-home"), ("/plans", "public-3-plans"),
                 (f"/draws/{plan}", "public-4-draw"), ("/results", "public-5-results"),
                 (f"/search?q={task['entity']['name']}", "public-6-search"),
                 (f"/announcements/{plan}", "public-7-announcement"),
                 (f"/r/{record_id}", "public-8-record-check")]
        for path, name in pages:
            check_layout(path, settle(page, path, platform.url))
            save(page, name)

        # 核验证明 and 签名树头 from /results: Chinese pages, the JSON one link further
        page.goto(platform.url + "/results")
        page.get_by_role("link", name="核验证明").first.click()
        page.wait_for_url(f"**/results/{record_id}/proof")
        page.evaluate("() => document.fonts.ready")
        measured = page.evaluate(MEASURE)
        check_layout("proof", measured)
        for words in ("公示结果核验证明", "✓ 核验通过", "包含证明", "签名树头", "（北京时间）"):
            assert words in measured["text"], words
        assert "tree_head" not in measured["text"] and "timestamp" not in measured["text"]
        save(page, "public-9-proof")
        page.go_back()
        page.get_by_role("link", name="公示日志签名树头").click()
        page.wait_for_url("**/log/publication")
        page.evaluate("() => document.fonts.ready")
        measured = page.evaluate(MEASURE)
        check_layout("head", measured)
        assert "公示日志签名树头" in measured["text"] and "（北京时间）" in measured["text"]
        save(page, "public-10-tree-head")
        context.close()
