"""Public pages for a phone on mobile data (issue 24, point 4): a first visit of the page the
检查码 opens (``/v/…``) downloads under 1 MB in all, the font cut to the characters of each page
(every one of them, the template's own text included); the 核验证明 and 签名树头 links open pages
in Chinese that say what was checked, times in 北京时间, with the JSON one link further and its
addresses unchanged for machines. Tap targets and tables are checked in a browser
(``tests/browser/test_public_pages.py``)."""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

import httpx
import pytest
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st

from server_stub.api import fonts
from server_stub.core.paths import FONTS_DIR
from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people, submit
from tests.utils.phone import Phone

FIRST_VISIT_LIMIT = 1_000_000
"""Bytes a first visit of a public page may download in all (HTML and fonts; it has no other)."""
FONT_URL = re.compile(r'url\("(/fonts/[^"]+\.woff2)"\)')
"""The fonts a page's text is drawn in; the whole font is named only for what no subset holds,
after the phone's own fonts (a browser fetches it only for such a character:
``tests/browser/test_public_pages.py`` types one)."""
RAW_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|[+-]\d\d:\d\d\b|\d\d:\d\d:\d\dZ")
ENGLISH_KEYS = ("tree_head", "leaf_hash", "record_hash", "timestamp", "signature", '"index"',
                '"entry"', '"proof"', '"root"', '"size"', "record_id", "zsc-publication")


@pytest.fixture(scope="module")
def people(shared_app_server: Server) -> tuple[Phone, Phone]:
    return enrol_people(shared_app_server)


@pytest.fixture(scope="module")
def published(shared_app_server: Server, people: tuple[Phone, Phone]) -> str:
    """A record of the inspector's, approved and published: its id."""
    inspector, supervisor = people
    record_id: str = submit(inspector, inspector.tasks()[0])["record"]["id"]
    answer = supervisor.client.post(f"/api/v1/review/records/{record_id}/approve", json={})
    assert answer.status_code == 204, answer.text
    return record_id


def first_visit(url: str) -> tuple[httpx.Response, dict[str, httpx.Response]]:
    """A page and every font its CSS names, as a browser with an empty cache fetches them."""
    page = httpx.get(url, timeout=60)  # a font's first subset is made on the spot: slow on loaded cores
    base = re.match(r"https?://[^/]+", url)
    assert base is not None
    return page, {font: httpx.get(base.group(0) + html.unescape(font), timeout=60)
                  for font in FONT_URL.findall(page.text)}


def shown_characters(page: str) -> set[str]:
    """Every character the page may draw: its text and attributes, entities read."""
    return {c for c in html.unescape(page) if c >= " "}


def cmap(font: bytes) -> set[str]:
    return {chr(code) for code in TTFont(io.BytesIO(font)).getBestCmap()}


def test_a_first_visit_of_the_code_page_downloads_under_a_megabyte(
        shared_app_server: Server, people: tuple[Phone, Phone]) -> None:
    """The enterprise at the door on mobile data: 10,192,428 bytes before (3,056 of HTML and
    both 5.1 MB font files), now the page and the two weights cut to its characters."""
    task = people[0].tasks()[0]
    page, font_files = first_visit(f"{shared_app_server.url}/v/{task['code_token']}")
    assert page.status_code == 200
    assert len(font_files) == 2, "the regular and the bold weight"
    for address, font in font_files.items():
        assert font.status_code == 200, address
        assert font.headers["content-type"] == "font/woff2"
        assert "immutable" in font.headers["cache-control"]
        assert font.content[:4] == b"wOF2"
    total = len(page.content) + sum(len(f.content) for f in font_files.values())
    print(f"first visit of /v/…: {len(page.content)} bytes of HTML + "
          f"{[len(f.content) for f in font_files.values()]} of fonts = {total} bytes")
    assert total < FIRST_VISIT_LIMIT, total
    assert re.findall(r'url\("(/fonts/[^"]+)"\)', page.text) == [*font_files, "/fonts/ZSCSans-Regular.otf"]
    assert 'sans-serif,"ZSC Sans Whole"' in page.text


@pytest.mark.parametrize("path", ["/v/", "/", "/plans", "/results", "/search?q=威海", "/no-such-page"])
def test_each_weight_holds_every_character_of_its_page(shared_app_server: Server,
                                                       people: tuple[Phone, Phone],
                                                       path: str) -> None:
    """The subset holds every character of the page the whole font holds: the template's own
    text, the data, placeholders and the labels of the cards (``data-label``)."""
    if path == "/v/":
        path += people[0].tasks()[0]["code_token"]
    page, font_files = first_visit(shared_app_server.url + path)
    shown = shown_characters(page.text)
    assert len(shown) > 40
    for address, font in font_files.items():
        face = "ZSCSans-Bold" if "Bold" in address else "ZSCSans-Regular"
        whole = cmap((FONTS_DIR / f"{face}.otf").read_bytes())
        held = cmap(font.content)
        assert shown & whole <= held, sorted(shown & whole - held)
        assert "检" in held and "，" in held and "a" in held
        assert len(held) < len(shown) + 200, "the page's characters and a few more, not the font"


def test_the_whole_fonts_still_answer_and_nothing_else(shared_app_server: Server) -> None:
    for name in ("ZSCSans-Regular.otf", "ZSCSans-Bold.otf"):
        font = httpx.get(f"{shared_app_server.url}/fonts/{name}")
        assert font.status_code == 200 and font.content == (FONTS_DIR / name).read_bytes()


def _address(face: str = "ZSCSans-Regular", version: str | None = None,
             chars: str | None = None) -> str:
    return (f"/fonts/{face}/{version or fonts.version('ZSCSans-Regular')}/"
            f"{fonts.encode({ord(c) for c in '检查码'}) if chars is None else chars}.woff2")


@pytest.mark.parametrize("address", [
    _address(face="OFL"), _address(face=".."), _address(version="0" * 12),
    _address(chars="!!"), _address(chars="A" * 30000),
    # not the one way pages write characters: one twice, an ASCII one written out, a control
    _address(chars=base64.urlsafe_b64encode(bytes([0xC0, 0xD1, 0x01, 0x00])).decode().rstrip("=")),
    _address(chars="QQ"), _address(chars="AQ"),
])
def test_a_font_address_no_page_writes_is_404(shared_app_server: Server, address: str) -> None:
    assert httpx.get(shared_app_server.url + address).status_code == 404, address
    assert httpx.get(shared_app_server.url + _address()).status_code == 200


@given(st.sets(st.integers(min_value=0x20, max_value=0x10FFFF), max_size=300))
def test_characters_are_written_one_way_and_read_back(codes: set[int]) -> None:
    written = fonts.encode(codes)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", written)
    assert fonts.decode(written) == frozenset(codes) | fonts.ALWAYS_CODES


def test_the_proof_link_opens_a_chinese_page_that_says_what_was_checked(
        shared_app_server: Server, published: str) -> None:
    results = httpx.get(f"{shared_app_server.url}/results").text
    assert f'href="/results/{published}/proof">核验证明</a>' in results
    assert "href='/log/publication'>公示日志签名树头</a>" in results
    answer = httpx.get(f"{shared_app_server.url}/results/{published}/proof")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = re.sub(r"\s+", " ", answer.text)
    for words in ("✓ 核验通过", "① 公示日志中的这条记录", "② 包含证明", "③ 签名树头", "被检查对象",
                  "检查结果", "条目哈希", "树根", "（北京时间）", "✓ 有效", "python -m sync.verify result"):
        assert words in page, words
    body = page[page.index("<body>"):]
    assert not RAW_ISO.search(body), RAW_ISO.search(body)
    assert not any(key in body for key in ENGLISH_KEYS), [k for k in ENGLISH_KEYS if k in body]
    receipt = httpx.get(f"{shared_app_server.url}/api/v1/public/results/{published}/proof").json()
    assert receipt["tree_head"]["root"] in page and receipt["entry"]["result"]["entity_name"] in page
    assert all(h in page for h in receipt["proof"])
    assert f"第 {receipt['index'] + 1} 条" in page, "counted from 1 for people"
    # the JSON one link further, at the address verifiers use
    assert f'href="/api/v1/public/results/{published}/proof">下载核验证明（JSON）</a>' in page
    # and on the paper's check, once published
    assert f'href="/results/{published}/proof"' in httpx.get(
        f"{shared_app_server.url}/r/{published}").text


def test_the_tree_head_link_opens_a_chinese_page(shared_app_server: Server, published: str) -> None:
    answer = httpx.get(f"{shared_app_server.url}/log/publication")
    assert answer.status_code == 200
    page = re.sub(r"\s+", " ", answer.text)
    head: dict[str, Any] = httpx.get(f"{shared_app_server.url}/api/v1/log/publication/head").json()
    assert f"{head['size']} 条" in page and head["root"] in page and "✓ 有效" in page
    assert "（北京时间）" in page and not RAW_ISO.search(page[page.index("<body>"):])
    assert 'href="/api/v1/log/publication/head">下载签名树头（JSON）</a>' in page


def test_an_unknown_result_has_no_proof_page(shared_app_server: Server) -> None:
    answer = httpx.get(f"{shared_app_server.url}/results/00000000-0000-4000-8000-000000000000/proof")
    assert answer.status_code == 404 and "页面不存在" in answer.text
