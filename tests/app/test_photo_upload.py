"""Issue 24 point 5a without a browser: in the web client the browser sends a picked photo to the
app's upload route and the app reads it from the upload directory (app/services/files.py).
Waiting for a file, its deletion, the messages for a lost, refused or too large one, the
signed plan handed to the page's script, and the view-model keeping what did arrive."""

from __future__ import annotations

import asyncio
import io
import json
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from PIL import Image

from app import main
from app import strings as s
from app.config import load_config
from app.photos import PhotoError, PhotoSettings, file_too_large, process_photo
from app.services import files as files_module
from app.services.files import UPLOAD_PLAN_KEY, UPLOADS_PER_PICK, FileService, PickedFile, Upload
from app.services.inspections import InspectionService
from app.services.photo_service import PhotoService, watermark_for
from app.store import LocalStore
from app.viewmodels.inspection import InspectionModel
from tests.app.factories import enrolled, make_task


def jpeg(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    return out.getvalue()


def arriving(path: Path, data: bytes, *, parts: int = 4, pause: float = 0.05, stop_after: int | None = None) -> threading.Thread:
    """Write ``data`` to ``path`` a part at a time, as the upload route does (``stop_after``
    parts only: a connection that broke)."""
    def write() -> None:
        time.sleep(pause)
        path.parent.mkdir(parents=True, exist_ok=True)
        step = -(-len(data) // parts)
        with path.open("wb") as f:
            for n in range(parts if stop_after is None else stop_after):
                f.write(data[n * step:(n + 1) * step])
                f.flush()
                time.sleep(pause)
    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_sent_file_is_read_once_whole_and_then_deleted(tmp_path: Path) -> None:
    data = jpeg()
    path = tmp_path / "uploads" / "pick" / "0"
    writer = arriving(path, data)
    assert asyncio.run(Upload(path, len(data), 10_000_000).read()) == data
    writer.join()
    assert not path.exists() and not path.parent.exists()  # the pick's directory went with its last file


def test_a_file_that_stops_arriving_is_said_lost_and_its_part_deleted(tmp_path: Path) -> None:
    data = jpeg()
    path = tmp_path / "pick" / "0"
    writer = arriving(path, data, stop_after=2)
    with pytest.raises(PhotoError) as raised:
        asyncio.run(Upload(path, len(data), 10_000_000, stall_seconds=0.5).read())
    writer.join()
    assert str(raised.value) == s.PHOTO_NOT_RECEIVED and "请重新选择" in str(raised.value)
    assert not path.exists()
    with pytest.raises(PhotoError, match=s.PHOTO_NOT_RECEIVED):  # never began at all
        asyncio.run(Upload(tmp_path / "pick" / "1", 100, 10_000_000, stall_seconds=0.3).read())


def test_a_file_over_the_limit_is_refused_at_once_as_process_photo_refuses_it(tmp_path: Path) -> None:
    """Its size is known from the pick: no wait (the page's script does not send it either),
    and the same words as when the bytes reached process_photo."""
    settings = PhotoSettings.from_config(load_config())
    started = time.monotonic()
    with pytest.raises(PhotoError) as refused:
        asyncio.run(Upload(tmp_path / "p" / "0", settings.max_file_bytes + 1, settings.max_file_bytes).read())
    assert time.monotonic() - started < 1
    with pytest.raises(PhotoError) as processed:
        process_photo(b"\xff" * (settings.max_file_bytes + 1), settings=settings,
                      watermark=watermark_for(make_task(), None))
    assert str(refused.value) == str(processed.value) == str(file_too_large(settings.max_file_bytes))
    assert "过大" in str(refused.value)


@pytest.fixture
def parts(tmp_path: Path) -> tuple[InspectionService, PhotoService]:
    store = LocalStore.open(tmp_path / "store.db")
    enrolment, vault = asyncio.run(enrolled(store, tmp_path))
    return InspectionService(store, vault, enrolment), PhotoService(store, PhotoSettings.from_config(load_config()))


def test_a_lost_photo_is_said_under_its_item_and_the_others_go_in(
        parts: tuple[InspectionService, PhotoService], tmp_path: Path) -> None:
    task = make_task()
    parts[0].start(task, notice_shown=True)
    model = InspectionModel(task, *parts)
    code = task["items"][0]["code"]
    first, third = jpeg(), jpeg((10, 200, 10))
    pick = tmp_path / "uploads" / "pick"
    writers = [arriving(pick / "0", first), arriving(pick / "2", third, pause=0.01)]
    files = [PickedFile("一.jpg", upload=Upload(pick / "0", len(first), 10_000_000)),
             PickedFile("二.jpg", upload=Upload(pick / "1", 5_000, 10_000_000, stall_seconds=0.3)),
             PickedFile("三.jpg", upload=Upload(pick / "2", len(third), 10_000_000)),
             PickedFile("四.jpg", refused=s.PHOTO_TOO_MANY_AT_ONCE.format(count=UPLOADS_PER_PICK))]
    model.picking_photos(code)
    asyncio.run(model.add_photos(code, files))
    for writer in writers:
        writer.join()
    assert len(model.draft.answer(code).photos) == 2
    assert parts[0].load_draft(task["id"]).answer(code).photos == model.draft.answer(code).photos
    assert model.photo_errors[code].splitlines() == [
        f"二.jpg：{s.PHOTO_NOT_RECEIVED}", f"四.jpg：{s.PHOTO_TOO_MANY_AT_ONCE.format(count=UPLOADS_PER_PICK)}"]
    assert code not in model.busy_items and code not in model.photo_progress
    assert not pick.exists(), "every sent file was deleted"

    # Picked again, the lost one goes in and the message goes away.
    second = jpeg((10, 10, 200))
    writer = arriving(pick / "0", second)
    asyncio.run(model.add_photos(code, [PickedFile("二.jpg", upload=Upload(pick / "0", len(second), 10_000_000))]))
    writer.join()
    assert len(model.draft.answer(code).photos) == 3 and code not in model.photo_errors


def test_refusal_photos_arrive_the_same_way(parts: tuple[InspectionService, PhotoService], tmp_path: Path) -> None:
    task = make_task()
    parts[0].start(task, notice_shown=True)
    model = InspectionModel(task, *parts)
    data = jpeg()
    writer = arriving(tmp_path / "p" / "0", data)
    asyncio.run(model.add_refusal_photos([PickedFile("拒签.jpg", upload=Upload(tmp_path / "p" / "0", len(data), 10_000_000)),
                                          PickedFile("丢.jpg", upload=Upload(tmp_path / "p" / "1", 9, 10_000_000,
                                                                             stall_seconds=0.2))]))
    writer.join()
    assert len(model.draft.ack.photos) == 1
    assert s.PHOTO_NOT_RECEIVED in model.photo_errors["__refusal__"]


class FakePage:
    def __init__(self, *, route: bool = True) -> None:
        self.web = True
        self.platform = ft.PagePlatform.LINUX
        self.route = route

    def get_upload_url(self, file_name: str, expires: int) -> str:
        if not self.route:
            raise RuntimeError("upload_path should be specified to enable uploads")
        return f"/upload?f={file_name}&e={expires}&s=sig"


class FakePicker:
    """The picker's side: what it was asked, and what the page's storage held meanwhile."""

    def __init__(self, page: FakePage, preferences: FakePreferences, picked: list[ft.FilePickerFile]) -> None:
        self.page = page
        self.preferences = preferences
        self.picked = picked
        self.asked: dict[str, Any] = {}
        self.plan: dict[str, Any] | None = None

    async def pick_files(self, **kwargs: Any) -> list[ft.FilePickerFile]:
        self.asked = kwargs
        stored = self.preferences.values.get(UPLOAD_PLAN_KEY)
        self.plan = json.loads(stored) if stored else None
        return self.picked


class FakePreferences:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def set(self, key: str, value: str) -> bool:
        self.values[key] = value
        return True

    async def remove(self, key: str) -> bool:
        self.values.pop(key, None)
        return True


def service(tmp_path: Path, page: FakePage, picked: list[ft.FilePickerFile]) -> tuple[FileService, FakePicker]:
    files = FileService(tmp_path / "uploads", 20_000_000)
    preferences = FakePreferences()
    picker = FakePicker(page, preferences, picked)
    files.picker, files.preferences = picker, preferences  # type: ignore[assignment]
    return files, picker


def test_the_web_client_picks_without_the_bytes_and_hands_the_page_a_signed_plan(tmp_path: Path) -> None:
    picked = [ft.FilePickerFile(id=n, name=f"{n}.jpg", size=1000 + n) for n in range(UPLOADS_PER_PICK + 1)]
    files, picker = service(tmp_path, FakePage(), picked)
    result = asyncio.run(files.pick_images())
    assert picker.asked["with_data"] is False and picker.asked["allow_multiple"] is True
    assert picker.plan is not None and picker.plan["max"] == 20_000_000
    urls = picker.plan["urls"]
    assert len(urls) == UPLOADS_PER_PICK and all(u.startswith("/upload?f=") for u in urls)
    pick = urls[0].split("f=")[1].split("/")[0]
    assert len(pick) == 16 and all(f"f={pick}/{n}&" in u for n, u in enumerate(urls))
    assert UPLOAD_PLAN_KEY not in files.preferences.values  # type: ignore[union-attr]  # gone after the pick
    assert [(f.name, f.upload.path, f.upload.size) for f in result[:2] if f.upload] == [
        ("0.jpg", tmp_path / "uploads" / pick / "0", 1000), ("1.jpg", tmp_path / "uploads" / pick / "1", 1001)]
    assert result[-1].upload is None and result[-1].refused == s.PHOTO_TOO_MANY_AT_ONCE.format(count=UPLOADS_PER_PICK)


def test_without_an_upload_route_the_bytes_come_with_the_pick(tmp_path: Path) -> None:
    """`flet run --web` serves no upload route: the pick hands the bytes over as before."""
    files, picker = service(tmp_path, FakePage(route=False),
                            [ft.FilePickerFile(id=0, name="a.jpg", size=3, bytes=b"abc")])
    result = asyncio.run(files.pick_images())
    assert picker.asked["with_data"] is True and picker.plan is None
    assert [(f.name, asyncio.run(f.read())) for f in result] == [("a.jpg", b"abc")]


def test_a_phone_build_reads_the_picked_path(tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(b"jpeg bytes")
    page = FakePage()
    page.web, page.platform = False, ft.PagePlatform.ANDROID
    files, picker = service(tmp_path, page, [ft.FilePickerFile(id=0, name=photo.name, size=10, path=str(photo))])
    result = asyncio.run(files.pick_images())
    assert picker.plan is None and result[0].upload is None
    assert asyncio.run(result[0].read()) == b"jpeg bytes"


def test_the_upload_route_starts_empty_private_and_signed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZSC_APP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FLET_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLET_MAX_UPLOAD_SIZE", raising=False)
    config = load_config()
    left = main.upload_dir(config) / "abc"
    left.mkdir(parents=True)
    (left / "0").write_bytes(b"half a photo from before a restart")
    directory = main.prepare_uploads(config)
    assert directory == tmp_path / "data" / "uploads" and list(directory.iterdir()) == []
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert len(os.environ["FLET_SECRET_KEY"]) >= 32
    assert os.environ["FLET_MAX_UPLOAD_SIZE"] == str(config.photo_max_file_bytes)
    assert files_module.STALL_SECONDS >= 10  # a phone on a weak Wi-Fi is not cut off
