"""Driving the Flet web client in Debian's headless Chromium through Playwright (no download).

Flutter paints on a canvas; its accessibility tree (turned on by clicking the hidden
``flt-semantics-placeholder``) gives Playwright roles and labels to find controls by.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Download,
    Locator,
    Page,
    Route,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


FOREIGN = re.compile(r"^(?!(https?|wss?)://127\.0\.0\.1[:/])")
"""Any address but this machine's. Matched by the browser's side of Playwright, so only such a
request is held for this client: a request to the app goes on at once, also while the test
sleeps (a route for every request waits until the sync client next talks to Playwright, and a
photo the page PUTs to the app, app/services/files.py, waited for minutes)."""


def _local_only(route: Route) -> None:
    """Nothing leaves the machine: every request to another host is refused."""
    route.abort()


@contextlib.contextmanager
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def phone_context(instance: Browser, geolocation: tuple[float, float] | None = None) -> BrowserContext:
    """A 390×844 phone-sized page, with a granted position when ``geolocation`` is given."""
    options: dict[str, object] = {"viewport": PHONE, "device_scale_factor": 2, "locale": "zh-CN",
                                  "timezone_id": "Asia/Shanghai", "has_touch": False}
    if geolocation is not None:
        options["geolocation"] = {"latitude": geolocation[0], "longitude": geolocation[1],
                                  "accuracy": 15}
        options["permissions"] = ["geolocation"]
    context = instance.new_context(**options)  # type: ignore[arg-type]
    context.route(FOREIGN, _local_only)
    return context


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=60_000)
    page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=60_000)
    page.dispatch_event("flt-semantics-placeholder", "click")
    page.wait_for_selector("flt-semantics", state="attached", timeout=30_000)


def painted(page: Page) -> None:
    """Wait until the browser has drawn two more frames: Flutter paints its canvas in an
    animation frame, so what the last change showed is on screen after them. At most 5 s: a
    page whose frames stop (Chromium throttles one it deems hidden) must not hang the suite."""
    page.evaluate("() => Promise.race(["
                  "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))),"
                  "new Promise(done => setTimeout(done, 5000))])")


def screenshot(page: Page, name: str) -> Path:
    """Save the screen as test-artifacts/NAME.png once it has settled: two shots a painted
    frame apart are the same (the accessibility tree shows a new screen before its sliding-in
    transition has been painted, and a shot in between shows half of each)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    painted(page)
    shot = page.screenshot()
    for _ in range(20):
        painted(page)
        again = page.screenshot()
        if again == shot:
            break
        shot = again
    path.write_bytes(shot)
    return path


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy (its value) or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.25)


def tap_until(target: Locator, done: Callable[[], Any], what: str, *, tries: int = 3,
              timeout: float = 10) -> None:
    """Tap ``target`` until ``done()`` holds: a dialog shows, or the app has saved the change.

    Under load a tap can land while Flutter is still laying the screen out and be dropped
    without a trace; tapping again is what a person would do. A tap is repeated only while
    ``target`` is still on screen (a slow first tap may have moved the app on), so this also
    suits taps that close a dialog or leave a screen.
    """
    for attempt in range(tries):
        if attempt == 0 or target.is_visible():
            try:
                target.click(timeout=10_000)
            except PlaywrightTimeout:
                # Playwright clicks once two animation frames show the node's box unchanged; on
                # starved cores those frames may not come for half a minute (seen in CI). Tap
                # where the node is, as a finger would; the loop checks that it took.
                print(f"tap_until: {target} not stable after 10 s, tapped where it is")
                target.click(force=True, timeout=10_000)
        try:
            wait_for(done, timeout, what)
            return
        except AssertionError:
            print(f"tap_until: no {what} after tap {attempt + 1} on {target}")  # shown on failure
    raise AssertionError(f"{what}: not after {tries} taps on {target}; the screen's tree:\n"
                         f"{target.page.locator('body').aria_snapshot()}")


def tap_to_download(page: Page, target: Locator, *, tries: int = 3, timeout: float = 30) -> Download:
    """Tap ``target`` until the browser starts a download, and return it. Like every tap here,
    one may be lost under load: a tap made while the web client reconnects its websocket (on
    starved cores the server's ping can time out) reaches nobody."""
    for attempt in range(tries):
        try:
            with page.expect_download(timeout=timeout * 1000) as download:
                target.click()
            return download.value
        except PlaywrightTimeout:
            print(f"tap_to_download: no download after tap {attempt + 1} on {target}")  # shown on failure
    raise AssertionError(f"no download after {tries} taps on {target}; the screen's tree:\n"
                         f"{page.locator('body').aria_snapshot()}")


def tap_to_show(target: Locator, shown: Locator, *, tries: int = 3, timeout: float = 10) -> None:
    """Tap ``target`` until ``shown`` is on screen (the next screen, a dialog, a message)."""
    tap_until(target, shown.first.is_visible, f"{shown} shown", tries=tries, timeout=timeout)
