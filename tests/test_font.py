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
# CJK Extension B: outside GB2312 and GBK, so it cannot be in the subset.
MISSING = "\U00020000"


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
    # A subset: the full Noto Sans CJK SC face is ~16 MB; ours ~1.6 MB.
    assert 500_000 < size < 1_800_000, size
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


@pytest.mark.skipif(not SOURCE_TTC.exists(), reason="Debian fonts-noto-cjk not installed")
def test_script_finds_the_sc_face_by_name() -> None:
    script = _load_script()
    index = script.find_face(SOURCE_TTC, "Noto Sans CJK SC", "Regular")
    face = TTFont(str(SOURCE_TTC), fontNumber=index, lazy=True)
    assert face["name"].getDebugName(1) == "Noto Sans CJK SC"
    with pytest.raises(Exception, match="no face"):
        script.find_face(SOURCE_TTC, "Noto Sans CJK XX", "Regular")
