"""The rough edges of a first walk-through at 390×844 (issue 16), each checked on screen in the
real web client against a real server."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.domain.clock import CHINA
from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    PHONE,
    browser,
    open_app,
    painted,
    phone_context,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)
from tests.browser.phone import (
    BAD_POSITION,
    EMPTY_FIELD_FOCUSED,
    QINGDAO,
    choose_file,
    enrol,
    enrolled,
    inspect_task,
    latest_draft,
    photo_file,
    query,
    type_into_focused_field,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]





def begin_inspection(page: Page, measured: dict[str, list[str]] | None = None) -> None:
    """开始检查, then the notice given (检查告知, issue 14): the form is open."""
    tap_to_show(page.get_by_role("button", name="开始检查"),
                page.get_by_role("button", name="已告知，开始检查"))
    if measured is not None:
        measure(page, "notice", measured)
    tap_to_show(page.get_by_role("button", name="已告知，开始检查"),
                page.get_by_role("button", name="企业确认"))


def test_times_are_beijing_time_on_a_utc_host(platform: Platform, utc_app: AppProcess) -> None:
    """Point 1: the app's host clock is UTC; the inspection's start shows Beijing time, and the
    record keeps the host's offset."""
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        entity = enrolled(page, utc_app, platform)
        tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
        before = dt.datetime.now(CHINA)
        begin_inspection(page)
        after = dt.datetime.now(CHINA)
        started = json.loads(query(utc_app, "SELECT data FROM drafts")[0][0])["started_at"]
        assert started.endswith("+00:00"), started  # the record keeps its clock's offset
        shown = {f"开始时间：{t:%Y-%m-%d %H:%M}" for t in (before, after)}
        assert any(page.get_by_text(text).count() for text in shown), shown
        screenshot(page, "walk-01-start-beijing-time")


CHIP_BOXES = """() => Object.fromEntries([...document.querySelectorAll('flt-semantics[role=checkbox]')]
    .map(e => [e.getAttribute('aria-label'), e.getBoundingClientRect().width]))"""


def chip_widths(page: Page, count: int = 10) -> dict[str, float]:
    """The filter chips' names and widths, read from the accessibility tree in one go (the
    list is redrawn after every sync), once all ``count`` chips are in it."""
    def all_chips() -> dict[str, float] | None:
        widths: dict[str, float] = page.evaluate(CHIP_BOXES)
        return widths if len(widths) == count else None
    return dict(wait_for(all_chips, what=f"{count} chips"))


def slow_font(route: Route) -> None:
    """The CJK font arrives 3 s late, as over a slow mobile connection (a fixed grace period
    for it, as the app had, then lays the first screen out in a fallback font)."""
    time.sleep(3)
    route.continue_()


def test_filter_chips_keep_labels_and_counts_after_reloads(platform: Platform,
                                                          app_process: AppProcess) -> None:
    """Point 2: after each of three reloads the chips read 全部 N, 待检查 N … in full: each
    chip as wide as on the first load (laid out before the CJK font had come, they were
    ~25 px narrower and cut their labels to "全 / 待检 / 检查")."""
    with browser() as instance:
        context = phone_context(instance)
        context.route("**/fonts/ZSCSans-*.otf", slow_font)
        page = context.new_page()
        open_app(page, app_process.url)
        enrol(page, app_process, platform, platform.enrolment_code())
        tasks = wait_for(lambda: query(app_process, "SELECT data FROM tasks"), 30, "the tasks")
        entity = min(json.loads(row[0])["entity"]["name"] for row in tasks)
        all_chip = page.get_by_role("checkbox", name=f"全部 {len(tasks)}")
        all_chip.wait_for()
        page.get_by_text(entity).first.wait_for()
        first = chip_widths(page)
        assert set(first) == {f"全部 {len(tasks)}", f"待检查 {len(tasks)}", "检查中 0", "待同步 0",
                              "照片未齐 0", "待检测结果 0", "待审核 0", "已退回 0", "已通过 0", "已公示 0"}, first
        screenshot(page, "walk-02-chips-0")
        for n in range(1, 4):
            open_app(page, app_process.url)
            all_chip.wait_for()
            page.get_by_text(entity).first.wait_for()

            def as_first() -> dict[str, float] | None:
                again = chip_widths(page)
                assert set(again) == set(first), again
                return again if all(abs(again[k] - w) < 1 for k, w in first.items()) else None
            # Each chip comes back as wide as on the first load, label and count in full (under
            # a heavy load one frame in a fallback font may come first; the cut labels stayed).
            wait_for(as_first, 15, f"the chips in full after reload {n}")
            screenshot(page, f"walk-02-chips-{n}")


def test_nothing_is_fetched_from_another_host(platform: Platform, app_process: AppProcess) -> None:
    """Point 10: loading, reloading and using the app sends no request to any host but the
    app's own (the context's router would abort one; here it also records it)."""
    foreign: list[str] = []

    def record(route: Route) -> None:
        foreign.append(route.request.url)
        route.abort()

    with browser() as instance:
        context = phone_context(instance)
        context.route(lambda url: not url.startswith(app_process.url), record)
        page = context.new_page()
        entity = enrolled(page, app_process, platform)
        tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
        open_app(page, app_process.url)
        page.get_by_text(entity).first.wait_for()
    assert foreign == []


TOUCH_TARGETS = """() => {
  const roles = ['button', 'checkbox', 'radio', 'tab', 'link', 'switch', 'menuitem', 'slider', 'textbox'];
  const found = [];
  for (const e of document.querySelectorAll('flt-semantics, input, textarea')) {
    const role = e.getAttribute('role') || e.tagName.toLowerCase();
    const tappable = e.hasAttribute('flt-tappable') || roles.includes(role) || e.tagName !== 'FLT-SEMANTICS';
    // Selectable text (设备编号, 统一社会信用代码) is an unlabelled DOM textarea: read, not tapped.
    if (!tappable || (e.tagName === 'TEXTAREA' && !e.getAttribute('aria-label'))) continue;
    const r = e.getBoundingClientRect();
    // Only what is wholly on screen: a control cut by the screen's edge or a scrolled list
    // shows a clipped box.
    if (r.width === 0 || r.height === 0 || r.left < 0 || r.top < 0
        || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) continue;
    // A chip half scrolled out of its row shows only its visible part: not a small target.
    let clipped = false;
    for (let p = e.parentElement; p && !clipped; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const box = p.getBoundingClientRect();
      clipped = Math.abs(r.right - box.right) < 1 || Math.abs(r.left - box.left) < 1;
      break;
    }
    if (clipped && r.height >= 47.5) continue;
    const name = (e.getAttribute('aria-label') || e.innerText || e.placeholder || role);
    found.push({name: name.trim().slice(0, 40), role, width: r.width, height: r.height});
  }
  return found;
}"""


def small_targets(page: Page, screen: str, found: dict[str, list[str]]) -> None:
    """Note in ``found`` every control on screen whose box is under 48×48 px (after a painted
    frame: the accessibility tree follows the layout)."""
    painted(page)
    small = [f"{t['role']} {t['name']!r} {t['width']:.0f}×{t['height']:.0f}"
             for t in page.evaluate(TOUCH_TARGETS) if t["width"] < 47.5 or t["height"] < 47.5]
    if small:
        found[screen] = small


def measure(page: Page, screen: str, found: dict[str, list[str]]) -> None:
    """``small_targets`` over the whole of a long screen: the viewport grows to 390×3000 (the
    same width, so the same layout) for the reading, then shrinks back."""
    page.set_viewport_size({"width": 390, "height": 3000})
    small_targets(page, screen, found)
    page.set_viewport_size(PHONE)
    painted(page)


def test_every_touch_target_of_the_inspectors_screens_is_48px(
        platform: Platform, app_process: AppProcess, tmp_path: Path) -> None:
    """Point 4: on every screen and dialog an inspector meets, no control's box in the
    accessibility tree is under 48×48 px; the back button is named 返回."""
    found: dict[str, list[str]] = {}
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        open_app(page, app_process.url)
        page.get_by_label("注册码或注册链接").wait_for()
        measure(page, "enrol", found)
        enrol(page, app_process, platform, platform.enrolment_code())
        tasks = wait_for(lambda: query(app_process, "SELECT data FROM tasks"), 30, "the tasks")
        entity = min(json.loads(row[0])["entity"]["name"] for row in tasks)
        page.get_by_text(entity).first.wait_for()
        measure(page, "tasks", found)
        tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
        measure(page, "task detail", found)
        tap_to_show(page.get_by_role("button", name="亮码"), page.get_by_text("请企业用手机扫码", exact=False))
        measure(page, "inspection code", found)
        tap_to_show(page.get_by_role("button", name="返回").first, page.get_by_role("button", name="开始检查"))
        begin_inspection(page, measured=found)
        choose_file(page, page.get_by_role("button", name="添加照片").first, photo_file(tmp_path))
        wait_for(lambda: any(a["photos"] for a in latest_draft(app_process)["answers"].values()),
                 60, "the photo")
        tap_until(page.get_by_role("button", name="手工输入"),
                  lambda: page.evaluate(EMPTY_FIELD_FOCUSED), "the latitude field focused")
        measure(page, "inspection", found)
        screenshot(page, "walk-04-inspection")
        type_into_focused_field(page, BAD_POSITION)
        tap_to_show(page.get_by_role("button", name="使用此位置"),
                    page.get_by_text("分应小于 60", exact=False))
        measure(page, "inspection, typed position refused", found)
        tap_to_show(page.get_by_role("button", name="企业确认"), page.get_by_role("button", name="知道了"))
        measure(page, "missing dialog", found)
        screenshot(page, "walk-04-dialog")
        tap_to_show(page.get_by_role("button", name="知道了"), page.get_by_role("button", name="企业确认"))
        tap_to_show(page.get_by_role("button", name="返回").first, page.get_by_role("button", name="亮码"))
        tap_to_show(page.get_by_role("button", name="返回").first, page.get_by_role("tab", name="同步"))
        tap_to_show(page.get_by_role("tab", name="同步"), page.get_by_role("button", name="立即同步"))
        measure(page, "sync", found)
        tap_to_show(page.get_by_role("tab", name="本机"), page.get_by_text("执法检查人员"))
        measure(page, "device", found)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_states_that_are_true(platform: Platform, app_process: AppProcess) -> None:
    """Point 7: once uploaded the task says 待审核; the idle sync tab says 已全部同步 and when
    (no "记录 0/0" under a full bar); the inspector opens the signed record, read-only."""
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        entity = enrolled(page, app_process, platform)
        inspect_task(page, app_process, entity, photo=None, typed_location=None, shot="walk-07")
        wait_for(lambda: query(app_process, "SELECT 1 FROM records WHERE outbox = 'acked'"), 60, "the upload")
        page.get_by_text("记录已提交平台，等待审核", exact=False).wait_for()  # the task's own screen
        assert page.get_by_role("button", name="亮码").is_visible()
        screenshot(page, "walk-07-task-submitted")
        tap_to_show(page.get_by_role("button", name="查看已签名记录"),
                    page.get_by_text("已签名的记录不能修改", exact=False))
        assert page.get_by_text("未发现问题").first.is_visible()
        assert page.get_by_role("button", name="签名提交").count() == 0
        screenshot(page, "walk-07-own-record")
        tap_to_show(page.get_by_role("button", name="返回").first, page.get_by_role("button", name="亮码"))
        tap_to_show(page.get_by_role("button", name="返回").first, page.get_by_role("tab", name="同步"))
        tap_to_show(page.get_by_role("tab", name="同步"), page.get_by_text("已全部同步"))
        page.get_by_text("上次同步：", exact=False).wait_for()
        assert page.get_by_text("记录 0/0", exact=False).count() == 0
        screenshot(page, "walk-07-sync-idle")


def test_sign_out_never_while_records_are_unsent(platform: Platform, app_process: AppProcess) -> None:
    """Point 3: 本机 offers 退出登记; with a signed record unsent it is refused and says why;
    once everything is uploaded it forgets the enrolment and 登记本机 shows again."""
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        entity = enrolled(page, app_process, platform)
        platform.stop()
        inspect_task(page, app_process, entity, photo=None, typed_location=None, shot="walk-03")
        assert query(app_process, "SELECT outbox FROM records") == [("pending",)]
        tap_to_show(page.get_by_role("button", name="返回").first, page.get_by_role("tab", name="本机"))
        tap_to_show(page.get_by_role("tab", name="本机"), page.get_by_role("button", name="退出登记"))
        tap_to_show(page.get_by_role("button", name="退出登记"),
                    page.get_by_text("还有 1 条已签名的记录未上传", exact=False))
        screenshot(page, "walk-03-sign-out-refused")
        tap_to_show(page.get_by_role("button", name="知道了"), page.get_by_role("button", name="退出登记"))
        assert query(app_process, "SELECT count(*) FROM enrolment") == [(1,)]
        platform.start()
        wait_for(lambda: query(app_process, "SELECT outbox FROM records") == [("acked",)], 60, "the upload")
        tap_to_show(page.get_by_role("button", name="退出登记"), page.get_by_text("再次使用须重新登记", exact=False))
        screenshot(page, "walk-03-sign-out-confirm")
        # The dialog closes at the tap; the forgetting may wait for a sync under way to end.
        confirm = page.get_by_text("再次使用须重新登记", exact=False)
        # More patience than one tap: twice on CI's starved cores three taps in 30 s changed
        # nothing while the app's log stayed clean (the web client reconnecting, it seems).
        def forgotten() -> bool:
            return query(app_process, "SELECT count(*) FROM enrolment") == [(0,)]
        # The effect is the app forgetting: on starved cores the app had signed out while the
        # browser still showed the dialog (its screen not redrawn), so that counts as taken too.
        tap_until(page.get_by_role("alertdialog").get_by_role("button", name="退出登记"),
                  lambda: not confirm.is_visible() or forgotten(), "the confirmation taken",
                  tries=6, timeout=15)
        wait_for(forgotten, 60, "the enrolment gone")
        try:
            try:
                page.get_by_label("注册码或注册链接").wait_for()
            except PlaywrightTimeout:
                # The stale screen above: reloading shows what the app holds, the enrolment form.
                open_app(page, app_process.url)
                page.get_by_label("注册码或注册链接").wait_for()
        finally:
            screenshot(page, "walk-03-signed-out")
        assert query(app_process, "SELECT count(*) FROM records") == [(0,)]


def test_photos_say_what_happens(platform: Platform, app_process: AppProcess, tmp_path: Path) -> None:
    """Point 5: 开始检查 asks for the position at once (photos carry it); 正在处理照片… shows
    from the moment the picker opens; the same photo picked again is refused, saying so."""
    photo = photo_file(tmp_path)
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        entity = enrolled(page, app_process, platform)
        tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
        begin_inspection(page)
        wait_for(lambda: (latest_draft(app_process).get("location") or {}).get("source") == "device",
                 30, "the position asked for at 开始检查, untapped")
        page.get_by_text("来自本机定位", exact=False).wait_for()

        def photos() -> list[str]:
            return [sha for a in latest_draft(app_process)["answers"].values() for sha in a["photos"]]

        working = page.get_by_text("正在处理照片…")
        for attempt in range(3):
            try:
                with page.expect_file_chooser(timeout=10_000) as chooser:
                    page.get_by_role("button", name="添加照片").first.click()
                break
            except PlaywrightTimeout:
                assert attempt < 2, "no file chooser"
        working.wait_for()  # already while the picker is open
        screenshot(page, "walk-05-working")
        chooser.value.set_files(str(photo))
        wait_for(lambda: len(photos()) == 1, 60, "the photo")
        working.wait_for(state="hidden")
        choose_file(page, page.get_by_role("button", name="添加照片").first, photo)
        page.get_by_text("这张照片已经添加过", exact=False).wait_for(timeout=60_000)
        assert len(photos()) == 1
        screenshot(page, "walk-05-duplicate")
