"""The 现场检查笔录 PDF (issue 14): its text, its QR code, its embedded font, and a page as an image
(pdftoppm, from poppler-utils: scripts/test.sh installs it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from sync import RecordSheet, check_url, china_time, record_hash, render_record_pdf, validate_record
from tests.sync.factories import make_record
from tests.sync.test_acknowledgement import NOTICE, REFUSED, SIGNED

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils 未安装（pdftoppm、pdftotext）")
ITEM_NAMES = {"SP-01": "食品经营许可证公示情况", "SP-02": "冷藏冷冻食品贮存温度", "SP-03": "进货查验记录"}


def signature_png() -> bytes:
    image = Image.new("LA", (600, 240), (0, 0))
    ImageDraw.Draw(image).line([(40, 180), (160, 60), (260, 170), (420, 50), (560, 150)],
                               fill=(0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def thumbnail(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 180), (seed * 60 % 256, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def sheet(**changes: Any) -> RecordSheet:
    png = signature_png()
    data = make_record(v=2, revised_at=None, notice=NOTICE,
                       acknowledgement=SIGNED | {"signature": hashlib.sha256(png).hexdigest()})
    data |= changes
    record = validate_record(data)
    digest = record_hash(data)
    photos = sorted({p for item in record.items for p in item.photos})
    return RecordSheet(record=record, digest=digest, entity_name="威海市环翠区海鲜超市有限公司",
                       entity_address="山东省威海市环翠区新威路18号", item_names=ITEM_NAMES,
                       item_basis={"SP-02": "《食品安全法》第五十四条"}, signature=png,
                       thumbnails={p: thumbnail(n) for n, p in enumerate(photos)},
                       url=check_url("http://127.0.0.1:8700", record.id, digest))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@needs_poppler
def test_the_paper_holds_entity_items_outcome_and_signature(tmp_path: Path) -> None:
    paper = sheet()
    pdf = render_record_pdf(paper, FONT_DIR)
    assert pdf.startswith(b"%PDF-")
    text = re.sub(r"\s+", "", pdf_text(pdf, tmp_path))
    for expected in ("现场检查笔录", "威海市环翠区海鲜超市有限公司", "91440300708461136T",
                     "山东省威海市环翠区新威路18号", "王海", "37100001", "李青", "37100002",
                     *ITEM_NAMES.values(), "合格", "不合格", "不涉及", "冷藏柜温度8℃，超出规定",
                     "发现问题已责令改正", "张三", "店长", "无异议", "申请检查人员回避",
                     paper.record.id, paper.digest):
        assert expected in text, expected


@needs_poppler
def test_the_font_is_embedded(tmp_path: Path) -> None:
    path = tmp_path / "record.pdf"
    path.write_bytes(render_record_pdf(sheet(), FONT_DIR))
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all("ZSCSans" in row for row in rows), fonts
    assert all(row.split()[-5] == "yes" for row in rows), f"every font embedded: {fonts}"


@needs_poppler
def test_the_qr_code_opens_the_check_and_a_page_renders(tmp_path: Path) -> None:
    paper = sheet()
    path = tmp_path / "record.pdf"
    path.write_bytes(render_record_pdf(paper, FONT_DIR))
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    ARTIFACTS.mkdir(exist_ok=True)
    for page in pages:
        shutil.copy(page, ARTIFACTS / f"record-pdf-{page.name}")
    found = [r.text for page in pages for r in zxingcpp.read_barcodes(Image.open(page))]
    assert paper.url in found
    assert re.fullmatch(r"http://127\.0\.0\.1:8700/r/[0-9a-f-]{36}\?h=[0-9a-f]{64}", paper.url)


@needs_poppler
@pytest.mark.parametrize(("changes", "words"), [
    ({"acknowledgement": REFUSED}, ["被检查对象拒绝签字", "赵六", "某某社区居委会"]),
    ({"acknowledgement": {"kind": "absent"}, "notice": None,
      "outcome": "通过登记的住所（经营场所）无法联系",
      "items": [{"code": "SP-01", "result": "不涉及", "note": "", "photos": []}]},
     ["无人在场"]),
    ({"v": 1, "revised_at": None}, ["无企业确认"]),
])
def test_each_kind_of_acknowledgement_on_paper(changes: dict[str, Any], words: list[str],
                                               tmp_path: Path) -> None:
    if changes.get("v") == 1:
        data = make_record()
        record = validate_record(data)
        paper = RecordSheet(record=record, digest=record_hash(data), entity_name="某公司",
                            entity_address="某地", item_names=ITEM_NAMES,
                            team={"WH001": ("王海", "37100001")}, url="http://x/r/1")
    else:
        paper = sheet(**changes)
    text = re.sub(r"\s+", "", pdf_text(render_record_pdf(paper, FONT_DIR), tmp_path))
    for word in words:
        assert word in text, word


def test_a_signature_that_is_not_the_signed_one_is_not_drawn(tmp_path: Path) -> None:
    paper = sheet()
    forged = RecordSheet(**{**paper.__dict__, "signature": signature_png() + b"x"})
    assert render_record_pdf(forged, FONT_DIR).startswith(b"%PDF-")  # a box instead, no crash


def test_a_revision_shows_both_times(tmp_path: Path) -> None:
    paper = sheet(supersedes="a" * 64, revised_at="2024-05-03T14:20:00+08:00")
    if not POPPLER:
        pytest.skip("poppler-utils 未安装")
    text = re.sub(r"\s+", "", pdf_text(render_record_pdf(paper, FONT_DIR), tmp_path))
    assert "2024-05-0109:30至2024-05-0110:45（北京时间）" in text
    assert "修订时间2024-05-0314:20（北京时间）" in text


@pytest.fixture
def utc_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test process's zone is UTC, so the host's zone cannot put China time on paper."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@needs_poppler
@pytest.mark.parametrize("offset", ["+00:00", "+08:00"])
def test_every_time_on_paper_is_china_time_labelled(offset: str, utc_host: None,
                                                    tmp_path: Path) -> None:
    """Issue 24 point 1: a web client on a UTC host signs in UTC; the paper says 北京时间."""
    def at(china: str) -> str:  # 2026-12-06 09:14 China time, written with ``offset``
        moment = dt.datetime.fromisoformat(f"2026-12-06T{china}:00+08:00")
        return moment.astimezone(dt.timezone(dt.timedelta(hours=int(offset[1:3])))).isoformat()

    paper = sheet(started_at=at("09:14"), finished_at=at("09:18"),
                  notice=NOTICE | {"shown_at": at("09:14")})
    assert paper.record.started_at.endswith(offset)
    pdf = render_record_pdf(paper, FONT_DIR)
    (ARTIFACTS / f"paper-china-time{offset.replace(':', '')}.pdf").parent.mkdir(exist_ok=True)
    (ARTIFACTS / f"paper-china-time{offset.replace(':', '')}.pdf").write_bytes(pdf)
    text = re.sub(r"\s+", "", pdf_text(pdf, tmp_path))
    assert "检查时间2026-12-0609:14至2026-12-0609:18（北京时间）" in text
    assert "2026-12-0609:14（北京时间），检查人员向被检查对象出示了执法证件" in text
    assert "签名时间：2026-12-0609:18（北京时间）" in text
    assert "01:14" not in text and "01:18" not in text


def test_china_time_whatever_the_offset(utc_host: None) -> None:
    assert china_time("2026-12-06T01:28:16+00:00") == "2026-12-06 09:28（北京时间）"
    assert china_time("2026-12-06T09:28:16+08:00") == "2026-12-06 09:28（北京时间）"
    assert china_time("2026-12-05T20:00:00-05:00") == "2026-12-06 09:00（北京时间）"
    assert china_time("2026-12-05T17:30:00") == "2026-12-06 01:30（北京时间）", "naive is UTC"
    assert china_time("2026-12-06T01:28:16Z", label=False) == "2026-12-06 09:28"
    assert china_time(None) == "" and china_time("") == ""
