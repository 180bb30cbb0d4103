"""Issue 24 point 5 on screen at 390×844, in the real web client against a real server: the
photo tile while photos are processed, radios announced as radios and 48 px high, fields and
search bar as wide as the cards, the true message after signing online, 我的记录 with the
enterprise's answer, and 查询's field whole above its results."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    browser,
    painted,
    phone_context,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)
from tests.browser.phone import (
    QINGDAO,
    answered,
    back,
    enrolled,
    enterprise_signs,
    latest_draft,
    location_source,
    query,
    type_until_saved,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FRAME_GAPS = """() => { window.zscGaps = []; let last = performance.now();
  const tick = (t) => { if (t - last > 100) window.zscGaps.push(Math.round(t - last));
                        last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""


def camera_photos(directory: Path, count: int) -> list[Path]:
    """``count`` different 12 MP JPEGs with a camera's texture (~5 MB each)."""
    paths = []
    for n in range(count):
        noise = Image.effect_noise((1000, 750), 50 + 5 * n).resize((4000, 3000), Image.Resampling.BICUBIC)
        image = Image.merge("RGB", (noise, Image.radial_gradient("L").resize((4000, 3000)), noise))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92)
        path = directory / f"现场照片{n + 1}.jpg"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def box(locator: Locator) -> dict[str, float]:
    found = wait_for(locator.bounding_box, 10, f"{locator} laid out")
    return dict(found)


def test_the_inspectors_screens(platform: Platform, app_process: AppProcess, tmp_path: Path) -> None:
    photos = camera_photos(tmp_path, 2)
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        entity = enrolled(page, app_process, platform)

        # 我的任务: the search bar spans the cards' width (it was ~300 of 362 px).
        search = box(page.get_by_role("textbox").first)
        assert search["width"] > 355, search
        screenshot(page, "issue24-5-01-task-list")

        tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
        tap_to_show(page.get_by_role("button", name="开始检查"),
                    page.get_by_role("button", name="已告知，开始检查"))
        tap_to_show(page.get_by_role("button", name="已告知，开始检查"),
                    page.get_by_role("button", name="企业确认"))
        wait_for(lambda: location_source(app_process) == "device", 30, "the position asked for at once")
        for n in range(page.get_by_role("button", name="合格", exact=True).count()):
            tap_until(page.get_by_role("button", name="合格", exact=True).nth(n),
                      lambda n=n: answered(app_process, "合格") > n, f"item {n + 1} answered 合格", timeout=5)

        # Two 12 MP photos at once: a tile says 正在处理照片… and how far it has got.
        page.evaluate(FRAME_GAPS)
        tile = page.get_by_text("正在处理照片…")
        for attempt in range(3):
            try:
                with page.expect_file_chooser(timeout=10_000) as chooser:
                    page.get_by_role("button", name="添加照片").first.click()
                break
            except PlaywrightTimeout:
                assert attempt < 2, "no file chooser"
        tile.wait_for()  # already while the picker is open
        screenshot(page, "issue24-5-02-photo-tile")
        started = time.monotonic()
        chooser.value.set_files([str(p) for p in photos])
        try:
            page.get_by_text("/2 张", exact=False).first.wait_for(timeout=30_000)
            screenshot(page, "issue24-5-02-photo-tile-count")
        except PlaywrightTimeout:
            print("the tile's count was not caught on screen (processing outran the reading)")
        finally:
            wait_for(lambda: sum(len(a["photos"]) for a in latest_draft(app_process)["answers"].values()) == 2,
                     120, "both photos stored")
        tile.wait_for(state="hidden", timeout=30_000)
        gaps = page.evaluate("() => window.zscGaps")
        # Measured, not asserted (bench/photo_pick.py; docs/decisions.md, issue 24 point 5).
        print(f"two photos in {time.monotonic() - started:.1f} s; frame gaps over 100 ms: {gaps}")
        screenshot(page, "issue24-5-03-photos")

        # 检查结果: radios, each named once (exactly its text), 48 px high; no checkboxes.
        outcome = page.get_by_role("radio", name="未发现问题", exact=True)
        tap_until(outcome, lambda: latest_draft(app_process).get("outcome") == "未发现问题", "the outcome saved")
        page.get_by_role("radio", name="未发现问题", checked=True).wait_for()
        assert page.get_by_role("checkbox", name="未发现问题").count() == 0
        assert page.get_by_role("radio", name="发现问题待后续处理", exact=True).count() == 1
        painted(page)
        assert box(outcome)["height"] >= 47.5
        page.mouse.move(195, 500)
        for _ in range(12):  # the outcome's card scrolled into the upper half of the screen
            if box(outcome)["y"] < 420:
                break
            page.mouse.wheel(0, 250)
            painted(page)
        screenshot(page, "issue24-5-04-outcome")

        # 企业确认: both radios 48 px; the fields as wide as the cards.
        tap_to_show(page.get_by_role("button", name="企业确认"), page.get_by_role("radio", name="企业签字确认"))
        for name in ("企业签字确认", "企业拒绝签字"):
            assert box(page.get_by_role("radio", name=name))["height"] >= 47.5, name
        enterprise_signs(page, app_process, shot="issue24-5-05")
        page.mouse.wheel(0, -2000)
        painted(page)
        field = box(page.get_by_label("签名人姓名"))
        assert field["width"] > 355, field
        screenshot(page, "issue24-5-05-acknowledge")

        # Signed online: the message says it reached the platform, as the task's state does.
        confirm = page.get_by_role("button", name="确认签名")
        tap_to_show(page.get_by_role("button", name="签名提交"), confirm)
        tap_to_show(confirm, page.get_by_role("button", name="亮码"))
        page.get_by_text("已签名并已提交到监管平台").first.wait_for(timeout=60_000)
        assert query(app_process, "SELECT outbox FROM records") == [("acked",)]
        assert page.get_by_text("将在联网后自动上传", exact=False).count() == 0
        screenshot(page, "issue24-5-06-signed-online")

        # 我的记录: the notice, who signed in what role, the statement and the signature.
        tap_to_show(page.get_by_role("button", name="查看已签名记录"),
                    page.get_by_text("已签名的记录不能修改", exact=False))
        signer = page.get_by_text("张三（店长）签字确认").first
        signer.wait_for()
        page.mouse.move(195, 500)
        for _ in range(12):  # scrolled until the signer's line is in the upper half of the screen
            where = signer.bounding_box()
            if where and where["y"] < 420:
                break
            page.mouse.wheel(0, 250)
            painted(page)
        time.sleep(5)  # the snackbar (5 s) is gone
        page.get_by_text("已于 ", exact=False).first.wait_for()
        page.get_by_text("陈述意见：无").first.wait_for()
        page.get_by_role("img", name="已签名").first.wait_for()
        screenshot(page, "issue24-5-07-own-record")
        back(page, page.get_by_role("button", name="亮码"))
        back(page, page.get_by_role("tab", name="查询"))

        # 查询: many results; the field's floating label stays whole above them.
        tap_to_show(page.get_by_role("tab", name="查询"), page.get_by_label("企业名称或统一社会信用代码"))
        field_box = page.get_by_label("企业名称或统一社会信用代码")
        ask = page.get_by_role("button", name="查询", exact=True)
        # Filling the labelled element instead left the box showing 威海 while the app never heard
        # of it, four times running, under load. The app has the text once it enables 查询.
        type_until_saved(page, "企业名称或统一社会信用代码", "威海",
                         lambda: field_box.input_value() == "威海" and ask.is_enabled(), "the search field took the text")
        # the query goes to the platform: on starved cores its answer can take a while
        tap_to_show(ask, page.get_by_text("第 1 页"),
                    tries=4, timeout=20)
        page.mouse.move(195, 600)
        page.mouse.wheel(0, 400)
        painted(page)
        top = box(page.get_by_label("企业名称或统一社会信用代码"))
        assert top["y"] > 60, "the field stays where it was while the results scroll"
        screenshot(page, "issue24-5-08-lookup")
