"""Issue 24 point 5a at 390×844 in the real web client: a picked photo goes from the browser to
the app's own upload route (a PUT to the Flet process, no byte through the Flutter client or its
websocket), is processed as before, shows on its item, and leaves nothing in the upload
directory; when the sending breaks, the item says so and the photo can be picked again. The
frame gaps are printed, not asserted (bench/photo_pick.py measures them)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    browser,
    phone_context,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)
from tests.browser.phone import (
    QINGDAO,
    answered,
    enrolled,
    latest_draft,
    location_source,
    photo_file,
)
from tests.browser.test_inspector_app import camera_photos

FRAME_CLOCK = """() => { window.zscGaps = []; if (window.zscClock) return; window.zscClock = true;
  let last = performance.now();
  const tick = (t) => { if (t - last > 100) window.zscGaps.push(Math.round(t - last));
                        last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""
"""Gaps over 100 ms between painted frames, in ``window.zscGaps`` (emptied at each call; one clock)."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Traffic:
    """What the page sent: the largest websocket message, and each upload request."""

    largest_frame: int = 0
    uploads: list[tuple[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def socket(ws: WebSocket) -> None:
            ws.on("framesent", lambda payload: setattr(self, "largest_frame", max(self.largest_frame, len(payload))))

        page.on("websocket", socket)
        page.on("request", lambda r: self.uploads.append((r.method, r.url)) if "/upload?" in r.url else None)
        page.on("response", lambda r: self.answers.append(r.status) if "/upload?" in r.url else None)


def begin_inspection(page: Page, app: AppProcess, entity: str) -> None:
    """Open the first task, give the notice, answer every item 合格."""
    tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
    tap_to_show(page.get_by_role("button", name="开始检查"), page.get_by_role("button", name="已告知，开始检查"))
    tap_to_show(page.get_by_role("button", name="已告知，开始检查"), page.get_by_role("button", name="企业确认"))
    wait_for(lambda: location_source(app) == "device", 30, "the position asked for at once")
    for n in range(page.get_by_role("button", name="合格", exact=True).count()):
        tap_until(page.get_by_role("button", name="合格", exact=True).nth(n),
                  lambda n=n: answered(app, "合格") > n, f"item {n + 1} answered 合格", timeout=5)


def stored_photos(app: AppProcess) -> int:
    return sum(len(a["photos"]) for a in latest_draft(app).get("answers", {}).values())


def choose(page: Page, photos: list[Path]) -> float:
    """Tap the first 添加照片 until the picker opens, choose ``photos``; the moment chosen."""
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.get_by_role("button", name="添加照片").first.click()
            break
        except PlaywrightTimeout:
            assert attempt < 2, "no file chooser"
    started = time.monotonic()
    chooser.value.set_files([str(p) for p in photos])
    return started


def add_photos(page: Page, app: AppProcess, photos: list[Path]) -> tuple[float, list[int]]:
    """Pick ``photos`` on the first item with the frame clock running: seconds from the choice
    to the last one stored and its tile gone, and the gaps over 100 ms between painted frames."""
    before = stored_photos(app)
    page.evaluate(FRAME_CLOCK)
    started = choose(page, photos)
    wait_for(lambda: stored_photos(app) == before + len(photos), 120, "the photos stored")
    page.get_by_text("正在处理照片…").wait_for(state="hidden", timeout=30_000)
    took = time.monotonic() - started
    return took, page.evaluate("() => window.zscGaps")


def test_a_photo_goes_to_the_app_beside_the_flutter_client(platform: Platform, app_process: AppProcess,
                                                           tmp_path: Path) -> None:
    photo = camera_photos(tmp_path, 1)
    uploads = app_process.data_dir / "uploads"
    with browser() as instance:
        page = phone_context(instance, geolocation=QINGDAO).new_page()
        traffic = Traffic()
        traffic.watch(page)
        entity = enrolled(page, app_process, platform)
        begin_inspection(page, app_process, entity)
        assert uploads.is_dir() and list(uploads.iterdir()) == []

        took, gaps = add_photos(page, app_process, photo)
        print(f"one 12 MP photo ({photo[0].stat().st_size / 1e6:.1f} MB) in {took:.1f} s; "
              f"frame gaps over 100 ms: {gaps}")

        # On its item: the thumbnail (its remove button), no message; processed as before.
        page.get_by_role("button", name="移除照片").first.wait_for()
        assert page.get_by_text("照片没有传到应用", exact=False).count() == 0
        screenshot(page, "issue24-5a-photo-uploaded")
        # The browser sent the file itself, once, to this app's own upload route; the websocket
        # carried no more than the app's ordinary messages (the photo is ~4 MB).
        # (the page retries a PUT that did not answer in time: on a starved machine the first
        # can be cut short, so every attempt is checked, and one must have been taken)
        sent = {(m, u.split("?")[0]) for m, u in traffic.uploads}
        assert sent == {("PUT", f"{app_process.url}/upload")}, traffic.uploads
        assert 200 in traffic.answers and len(traffic.uploads) <= 3, traffic.answers
        assert traffic.largest_frame < 200_000, traffic.largest_frame
        wait_for(lambda: list(uploads.iterdir()) == [], 10, "the sent file deleted once read")

        # The connection breaks while a photo is on its way: the item says so (once the file has
        # not grown for 30 s), nothing is kept of it, and picking it again works.
        other = photo_file(tmp_path)
        broken = re.compile(r"/upload\?")
        page.route(broken, lambda route: route.abort())
        choose(page, [other])
        lost = page.get_by_text("照片没有传到应用", exact=False)
        lost.wait_for(timeout=90_000)
        assert stored_photos(app_process) == 1 and list(uploads.iterdir()) == []
        page.get_by_text("正在处理照片…").wait_for(state="hidden")
        screenshot(page, "issue24-5a-photo-not-received")
        page.unroute(broken)
        add_photos(page, app_process, [other])
        assert stored_photos(app_process) == 2 and lost.count() == 0
        assert page.get_by_role("button", name="移除照片").count() == 2
        wait_for(lambda: list(uploads.iterdir()) == [], 10, "the sent file deleted once read")
