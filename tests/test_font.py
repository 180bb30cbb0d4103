"""The bundled CJK font (assets/fonts/ZSCSans-*.otf, made by scripts/make_cjk_font.py).

Offline Flutter web and the Pillow photo watermarks have no other source of Chinese
glyphs, so a character missing here is a box on screen or on the evidence photo.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
FONT_DIR = REPO / "assets" / "fonts"
FONTS = {
    "Regular": FONT_DIR / "ZSCSans-Regular.otf",
    "Bold": FONT_DIR / "ZSCSans-Bold.otf",
}
FAMILY = "ZSC Sans"

DOMAIN_TEXT = (
    "掌上查 双随机一公开 未发现问题 发现问题待后续处理 统一社会信用代码 "
    "威海市环翠区 检查 审核 同步 抽查 （）：；、。《》"
)
SYMBOLS = "①②③⑩✓✗✘℃×÷±°№㎡￥¥“”‘’…—·【】〔〕〇"
# Beyond GB2312 but common in enterprise, person and place names (蔄山镇 is in the demo's
# directory): the subset keeps the whole basic block U+4E00-9FFF for them.
NAME_CHARS = "蔄堃喆燊昇犇珺玥瑄祎垚淼鑫焱赟翀旻昊琨婕崟"
# CJK Extension B: outside the basic block and GBK, so it cannot be in the subset.
MISSING = "\U00020000"
# Extension A is left out too (+1.6 MB per weight, see assets/fonts/README.md).
EXT_A = "\u3400"


def gb2312(lead_bytes: range) -> list[str]:
    """Characters of GB2312 whose EUC-CN lead byte is in lead_bytes."""
    chars = []
    for hi in lead_bytes:
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


GB2312_HANZI = gb2312(range(0xB0, 0xF8))  # rows 16-87
GB2312_ALL = gb2312(range(0xA1, 0xF8))  # plus rows 1-9: symbols, kana, Greek, ...


def gbk() -> list[str]:
    """Every character of GBK (two-byte codes, lead 0x81-0xFE, trail 0x40-0xFE)."""
    chars = []
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return chars


GBK_ALL = gbk()
# Noto Sans CJK SC has every GBK character but this one (≒, U+2252).
NOT_IN_SOURCE = {"\u2252"}
# The last 16 of the basic block (U+9FF0-9FFF, Unicode 14) are not in Noto Sans CJK 2.004.
BASIC_BLOCK = [chr(cp) for cp in range(0x4E00, 0x9FF0)]


@cache
def cmap_of(path: Path) -> frozenset[int]:
    return frozenset(TTFont(str(path), lazy=True).getBestCmap())


def render(path: Path, text: str, size: int = 48) -> Image.Image:
    font = ImageFont.truetype(str(path), size)
    image = Image.new("L", (size * (len(text) + 1), size * 2), 0)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=font, fill=255)
    return image


def differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None


params = pytest.mark.parametrize("style", sorted(FONTS))


@params
def test_font_file_is_bundled_and_small(style: str) -> None:
    path = FONTS[style]
    assert path.is_file(), f"{path} missing: run scripts/make_cjk_font.py --weight {style.lower()}"
    size = path.stat().st_size
    # A subset: the full Noto Sans CJK SC face is ~16 MB; ours ~5.1 MB (U+4E00-9FFF and
    # GBK; GB2312 alone was ~1.6 MB). Each byte is fetched and parsed before the first frame.
    assert 4_000_000 < size < 5_500_000, size
    assert path.read_bytes()[:4] == b"OTTO"  # CFF-flavoured OpenType


def test_licence_ships_with_the_font() -> None:
    text = (FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text
    assert "Copyright 2014-2021 Adobe" in text
    assert "Reserved Font Name" in text  # the full licence, not just a pointer


@params
def test_pillow_loads_font_with_its_own_family_name(style: str) -> None:
    font = ImageFont.truetype(str(FONTS[style]), 24)
    family, subfamily = font.getname()
    assert (family, subfamily) == (FAMILY, style)
    assert "Noto" not in (family or "")


@params
def test_domain_words_have_glyphs(style: str) -> None:
    cmap = cmap_of(FONTS[style])
    missing = sorted({c for c in DOMAIN_TEXT + SYMBOLS if ord(c) not in cmap})
    assert not missing, "".join(missing)
    assert ord(MISSING) not in cmap


@params
def test_every_gb2312_character_is_covered(style: str) -> None:
    assert len(GB2312_HANZI) == 6763
    cmap = cmap_of(FONTS[style])
    missing = [c for c in GB2312_ALL if ord(c) not in cmap]
    assert not missing, f"{len(missing)} GB2312 characters missing: {''.join(missing[:50])}"


@params
def test_basic_cjk_block_and_all_of_gbk_are_covered(style: str) -> None:
    cmap = cmap_of(FONTS[style])
    missing = [c for c in BASIC_BLOCK if ord(c) not in cmap]
    assert not missing, f"{len(missing)} of U+4E00-9FEF missing: {''.join(missing[:50])}"
    missing = [c for c in GBK_ALL if ord(c) not in cmap and c not in NOT_IN_SOURCE]
    assert not missing, f"{len(missing)} GBK characters missing: {''.join(missing[:50])}"
    assert ord(EXT_A) not in cmap  # left out on purpose: a failure here means a size change


@params
def test_printable_ascii_and_fullwidth_punctuation_are_covered(style: str) -> None:
    cmap = cmap_of(FONTS[style])
    wanted = set(range(0x20, 0x7F)) | {ord(c) for c in "，。！？；：（）【】「」『』〈〉《》、～＠＃％＆＊＋－／＝"}
    assert not wanted - cmap, "".join(map(chr, sorted(wanted - cmap)))


@params
def test_chinese_renders_as_glyphs_not_notdef_boxes(style: str) -> None:
    path = FONTS[style]
    text = render(path, "掌上查")
    assert text.getbbox() is not None, "no ink"
    boxes = render(path, MISSING * 3)
    assert boxes.getbbox() is not None, ".notdef should draw a visible box"
    assert differs(text, boxes)
    notdef = render(path, MISSING)
    for char in "掌上查✓✗（":
        glyph = render(path, char)
        assert glyph.getbbox() is not None, f"{char!r} has no ink"
        assert differs(glyph, notdef), f"{char!r} renders as the .notdef box"


@params
def test_rare_name_and_place_characters_render_as_glyphs(style: str) -> None:
    """蔄 (蔄山镇, Weihai) 堃 喆 燊 ...: outside GB2312, they were boxes before."""
    path = FONTS[style]
    cmap = cmap_of(path)
    assert not [c for c in NAME_CHARS if ord(c) not in cmap]
    notdef = render(path, MISSING)
    boxes = [c for c in NAME_CHARS if not differs(render(path, c), notdef)]
    assert not boxes, f"render as the .notdef box: {''.join(boxes)}"
    for char in NAME_CHARS:
        assert render(path, char).getbbox() is not None, f"{char!r} has no ink"


@params
def test_sample_of_gb2312_hanzi_render_unlike_notdef(style: str) -> None:
    """Independent of the cmap reader: FreeType itself finds real outlines."""
    path = FONTS[style]
    notdef = render(path, MISSING, size=20)
    same = [c for c in GB2312_HANZI[::53] if not differs(render(path, c, size=20), notdef)]
    assert not same, "".join(same)


SOURCE_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_cjk_font", REPO / "scripts" / "make_cjk_font.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_enumerates_the_same_gb2312() -> None:
    script = _load_script()
    assert script.gb2312_hanzi() == set(GB2312_HANZI)
    assert script.gb2312_chars() == set(GB2312_ALL)


def test_script_enumerates_the_same_gbk_and_keeps_the_basic_block() -> None:
    script = _load_script()
    assert script.gbk_chars() == set(GBK_ALL)
    assert len(GBK_ALL) == 21791
    # GBK extends GB2312, but Python maps A1A4 to U+30FB in one and U+00B7 in the other.
    assert set(GB2312_ALL) - set(GBK_ALL) == {"\u30fb"}
    wanted = script.wanted_codepoints()
    assert set(range(0x4E00, 0xA000)) <= wanted
    assert {ord(c) for c in GBK_ALL} <= wanted
    assert not wanted & set(range(0x3400, 0x4DC0))


@pytest.mark.skipif(not SOURCE_TTC.exists(), reason="Debian fonts-noto-cjk not installed")
def test_script_finds_the_sc_face_by_name() -> None:
    script = _load_script()
    index = script.find_face(SOURCE_TTC, "Noto Sans CJK SC", "Regular")
    face = TTFont(str(SOURCE_TTC), fontNumber=index, lazy=True)
    assert face["name"].getDebugName(1) == "Noto Sans CJK SC"
    with pytest.raises(Exception, match="no face"):
        script.find_face(SOURCE_TTC, "Noto Sans CJK XX", "Regular")
