"""What a person does on the phone, shared by the browser tests: enrol, open a task, give the
notice, answer the items, have the enterprise sign, type a position, read the phone's store."""

from __future__ import annotations

import io
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from PIL import Image
from playwright.sync_api import FloatRect, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import AppProcess, Platform
from tests.browser.driver import (
    open_app,
    screenshot,
    tap_to_show,
    tap_until,
    wait_for,
)

QINGDAO = (36.06710, 120.38260)


def query(app: AppProcess, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Read the app's own SQLite file (WAL: a reader never disturbs the app)."""
    path = app.data_dir / "zhangshangcha.db"
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def photo_file(tmp_path: Path) -> Path:
    """A 12-megapixel camera-sized JPEG, like a phone's."""
    image = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
    path = tmp_path / "现场照片.jpg"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return path


EMPTY_FIELD_FOCUSED = ("() => { const e = document.activeElement;"
                       " return !!e && (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA')"
                       " && e.value === ''; }")

FIELD_FOCUSED = ("() => { const e = document.activeElement;"
                 " return !!e && (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA'); }")


def wait_for_empty_focused_field(page: Page) -> None:
    """Until an empty text field has the keyboard focus (Flutter web edits text in a DOM input
    of its own, created when a field takes the focus)."""
    page.wait_for_function(EMPTY_FIELD_FOCUSED, timeout=15_000)


def type_into_focused_field(page: Page, text: str) -> None:
    """Type ``text`` into the field that has the focus, and wait until the field holds it.

    Keys typed while Flutter is busy can be dropped one by one; the field is then cleared and
    typed again, as a person would.
    """
    for _ in range(3):
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.type(text)
        try:
            page.wait_for_function("t => document.activeElement && document.activeElement.value === t",
                                   arg=text, timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    held = page.evaluate("() => { const e = document.activeElement; return e ? [e.tagName, e.value] : null; }")
    raise AssertionError(f"the focused field would not take {text!r}: the focus is on {held!r}")


def choose_file(page: Page, button: Locator, path: Path, tries: int = 3) -> None:
    """Tap ``button`` until the file chooser opens, and choose ``path`` in it."""
    for _ in range(tries):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                button.click()
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(path))
        return
    raise AssertionError(f"no file chooser after {tries} taps on {button}")


def back(page: Page, to: Locator) -> None:
    """The app bar's back arrow, until ``to`` (on the screen before) shows."""
    tap_to_show(page.get_by_role("button", name="返回").first, to)


def enrol(page: Page, app: AppProcess, platform: Platform, code: str) -> None:
    """登记本机 with the supervisor's enrolment link pasted into the code field, until the app
    holds its token."""
    field = page.get_by_label("注册码或注册链接")
    field.wait_for()
    for attempt in range(3):  # keys sent while the client reconnects or lays out can be lost
        field.click()
        field.fill("zsc://enroll?" + urlencode({"server": platform.url, "code": code}))
        try:
            tap_until(page.get_by_role("button", name="登记本机"),
                      lambda: query(app, "SELECT token FROM enrolment"), "the enrolment", tries=2)
            return
        except AssertionError:
            if attempt == 2 or not field.is_visible():
                raise


def latest_draft(app: AppProcess) -> dict[str, Any]:
    """The draft the app saved last (the one on screen), or {} before there is one."""
    rows = query(app, "SELECT data FROM drafts ORDER BY updated_at DESC LIMIT 1")
    return json.loads(rows[0][0]) if rows else {}


def location_source(app: AppProcess) -> str | None:
    """Where the location in the draft came from ("device", "typed"), or None without one."""
    return (latest_draft(app).get("location") or {}).get("source")


def answered(app: AppProcess, result: str | None = None) -> int:
    """How many items the draft has answered (with ``result``, when given)."""
    return sum(1 for a in latest_draft(app).get("answers", {}).values()
               if a.get("result") and result in (None, a.get("result")))


def focus_and_type(page: Page, label: str, text: str) -> None:
    """Tap the empty text field ``label`` until it has the focus, then type ``text`` into it."""
    tap_until(page.get_by_label(label), lambda: page.evaluate(EMPTY_FIELD_FOCUSED), f"{label} focused")
    type_into_focused_field(page, text)


def type_until_saved(page: Page, label: str, text: str, saved: Callable[[], object], what: str,
                     tries: int = 4) -> None:
    """Type ``text`` into the field ``label`` until the app holds it (``saved``): tap until
    Flutter's own editing input has the focus, look again a second later, empty the field, type.

    Each thing that went wrong on CI's starved cores is one more try, as a person would when a
    form did not take what they typed: the focus gone a moment after the tap (to the page's
    body: a route popped just before gives it back to what held it on the page underneath), a
    field that does not take the keys, or the field showing the text while the app never heard
    of it (the draft's role stayed empty for 10 s with 店长 in the box)."""
    field = page.get_by_label(label)
    for attempt in range(tries):
        last = attempt == tries - 1
        tap_until(field, lambda: page.evaluate(FIELD_FOCUSED), f"{label} focused")
        time.sleep(1)
        if not page.evaluate(FIELD_FOCUSED):
            if last:
                raise AssertionError(f"{label}: the focus left the field a second after the tap")
            continue
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.press("Backspace")
        try:
            type_into_focused_field(page, text)
            wait_for(saved, 15, what)
            return
        except AssertionError:
            if last:
                raise


def enterprise_signs(page: Page, app: AppProcess, *, shot: str) -> None:
    """企业确认: the representative's name and role, and a stroke drawn across the pad with the
    mouse (a finger's drag), until the app holds the signature PNG."""
    tap_until(page.get_by_role("radio", name="企业签字确认"),
              lambda: latest_draft(app).get("ack", {}).get("kind") == "signed", "the kind saved")
    type_until_saved(page, "签名人姓名", "张三", lambda: latest_draft(app)["ack"]["name"] == "张三", "the name saved")
    type_until_saved(page, "职务（如 负责人、店长）", "店长", lambda: latest_draft(app)["ack"]["role"] == "店长",
                     "the role saved")
    hint = page.get_by_text("请在此处签名")  # centred on the 300 × 170 pad
    tap_to_show(page.get_by_role("button", name="手写签名"), hint)
    box = hint.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 120, y + 40)
    page.mouse.down()
    for dx, dy in ((-70, -40), (-20, 40), (40, -45), (110, 30)):
        page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()
    screenshot(page, f"{shot}-signature-pad")
    tap_until(page.get_by_role("button", name="确定"),
              lambda: latest_draft(app)["ack"]["signature"], "the signature saved")
    page.get_by_role("img", name="已签名").wait_for()


BAD_POSITION = "36°75′12″N 120°22′58″E"
"""75 minutes: refused beside the field."""


def typed_position(page: Page, app: AppProcess, text: str, *, shot: str) -> None:
    """手工输入: a mistyped position is refused with the reason under the 经纬度 field itself
    (not in a snackbar under the bottom bar), then ``text`` is accepted.

    The field takes the focus when it opens (a click would land on the canvas where Flutter
    has not scrolled to); typing before it has the focus loses the keys. The value is checked in
    the field before 使用此位置, whose tap is repeated until its effect shows."""
    tap_until(page.get_by_role("button", name="手工输入"),
              lambda: page.evaluate(EMPTY_FIELD_FOCUSED), "the position field focused")
    use = page.get_by_role("button", name="使用此位置")
    # The card scrolls up once the field has the focus: 使用此位置 clears the bottom bar. On two
    # starved cores that scroll was twice not made in 30 s (the field focused, the card low):
    # then the inspector scrolls it up with a finger, as a person would.
    def in_view() -> bool:
        box = use.bounding_box()
        return bool(box) and box["y"] + box["height"] < 844 - 104  # type: ignore[index]
    try:
        wait_for(in_view, 10, "the location card in view")
    except AssertionError:
        def scrolled() -> bool:
            if in_view():
                return True
            page.mouse.move(195, 420)
            page.mouse.wheel(0, 240)
            return in_view()
        wait_for(scrolled, 60, "the location card scrolled into view")
    screenshot(page, f"{shot}-typed-empty")  # the forms accepted, under the field
    type_into_focused_field(page, BAD_POSITION)
    complaint = page.get_by_text("分应小于 60", exact=False)
    tap_to_show(page.get_by_role("button", name="使用此位置"), complaint)
    assert location_source(app) != "typed", "a refused position is not saved"
    def boxes() -> tuple[FloatRect, FloatRect] | None:
        """Both boxes, or None while the tree is rebuilt as the screen settles (a node just
        read may be between two versions)."""
        field, said = page.get_by_label("经纬度").bounding_box(), complaint.first.bounding_box()
        return (field, said) if field and said else None

    field, said = wait_for(boxes, 10, "the field and its reason laid out")
    # Flutter's box of the field includes its error line.
    assert field["y"] < said["y"] < field["y"] + field["height"] + 40, "the reason shows right under the field"
    assert page.get_by_role("button", name="使用此位置").bounding_box()["y"] > said["y"]  # type: ignore[index]
    screenshot(page, f"{shot}-typed-refused")
    tap_until(page.get_by_label("经纬度"), lambda: page.evaluate(FIELD_FOCUSED), "the position field focused")
    type_into_focused_field(page, text)
    tap_until(page.get_by_role("button", name="使用此位置"),
              lambda: location_source(app) == "typed", "the typed location saved")
    page.get_by_text("手工输入：", exact=False).wait_for()
    screenshot(page, f"{shot}-typed-accepted")


def inspect_task(page: Page, app: AppProcess, entity: str, *, photo: Path | None,
                 typed_location: str | None, shot: str) -> None:
    """From the task list: open the task, give the notice, answer every item, locate, choose the
    outcome, have the enterprise sign, sign.

    Each step waits until the app has saved what it did (the draft in its SQLite file) before
    the next: a tap that lands while Flutter is still laying out is otherwise lost without a
    trace, and the failure shows up three steps later as a missing confirmation dialog.
    """
    tap_to_show(page.get_by_text(entity).first, page.get_by_role("button", name="开始检查"))
    tap_to_show(page.get_by_role("button", name="开始检查"),
                page.get_by_role("button", name="已告知，开始检查"))
    page.get_by_text("现场检查告知").wait_for()
    screenshot(page, f"{shot}-notice")
    tap_to_show(page.get_by_role("button", name="已告知，开始检查"),
                page.get_by_role("button", name="企业确认"))
    items = page.get_by_role("button", name="合格", exact=True).count()
    assert items >= 1
    for n in range(items):
        # 合格 saved, not merely an answer: on starved cores a tap landed once on 不合格 beside it
        # while the card was still moving, and tapping 合格 again is what a person would do.
        tap_until(page.get_by_role("button", name="合格", exact=True).nth(n),
                  lambda n=n: answered(app, "合格") > n, f"item {n + 1} answered 合格", timeout=5)
    if photo is not None:
        choose_file(page, page.get_by_role("button", name="添加照片").first, photo)
        wait_for(lambda: any(answer["photos"] for answer in latest_draft(app)["answers"].values()),
                 60, "the photo")
    if typed_location is None:
        tap_until(page.get_by_role("button", name="获取定位"),
                  lambda: location_source(app) == "device",
                  "the device's location saved")
        page.get_by_text("来自本机定位", exact=False).wait_for()
    else:
        typed_position(page, app, typed_location, shot=shot)
    tap_until(page.get_by_role("radio", name="未发现问题"),
              lambda: latest_draft(app).get("outcome") == "未发现问题", "the outcome saved", timeout=5)
    screenshot(page, f"{shot}-inspection")
    tap_to_show(page.get_by_role("button", name="企业确认"), page.get_by_role("radio", name="企业签字确认"))
    enterprise_signs(page, app, shot=shot)
    screenshot(page, f"{shot}-acknowledged")
    confirm = page.get_by_role("button", name="确认签名")
    missing = page.get_by_text("还不能签名")
    tap_to_show(page.get_by_role("button", name="签名提交"), confirm.or_(missing))
    assert not missing.count(), f"the app would not sign: {page.get_by_role('dialog').inner_text()}"
    screenshot(page, f"{shot}-confirm")
    tap_to_show(confirm, page.get_by_role("button", name="亮码"))


def enrolled(page: Page, app: AppProcess, platform: Platform) -> str:
    """The app opened and enrolled with a fresh code, once its tasks are on the phone; the name
    of the enterprise that sorts first among them, shown in the list."""
    open_app(page, app.url)
    enrol(page, app, platform, platform.enrolment_code())
    tasks = wait_for(lambda: query(app, "SELECT data FROM tasks"), 60, "the tasks")
    entity = min(json.loads(row[0])["entity"]["name"] for row in tasks)
    # the list is drawn once the first sync is done: on starved cores that took over 30 s
    page.get_by_text(entity).first.wait_for(timeout=90_000)
    return entity
