"""Build the bundled Simplified Chinese font (assets/fonts/ZSCSans-*.otf).

Offline Flutter web has no CJK glyphs of its own (CanvasKit would fetch Noto from
Google Fonts at run time), and Pillow needs a real font file for photo watermarks, so the
app ships a subset of Noto Sans CJK SC:

* the Simplified Chinese face is picked out of Debian's ``NotoSansCJK-*.ttc`` by its
  name table (the collection also holds JP/KR/TC/HK and the Mono faces, and they
  all share one CFF table, so the index matters);
* it is cut down to every hanzi of the basic CJK Unified Ideographs block
  (U+4E00-9FFF, which holds all of GBK's and GB18030's two-byte hanzi, so names and
  places such as 蔄 堃 喆 燊 are not boxes), every character of GBK (GB2312's symbols
  plus GBK's), ASCII, Latin-1, general and CJK punctuation, fullwidth forms and a few
  symbols used on inspection forms; Extension A (U+3400-4DBF) is left out: +1.6 MB
  per weight for characters that are rare even in names;
* hinting, vertical metrics/features and other languages' ``locl`` forms are
  dropped; horizontal layout features (kern, halt/palt, ccmp, ...) are kept;
* the family is renamed to "ZSC Sans": the OFL 1.1 lets us modify and bundle the
  font, and although the Noto CJK licence declares no Reserved Font Name, "Noto" is
  a Google trademark (name ID 7) and a subset should not pose as the original.

Needs the ``fonts`` extra (fontTools). Example::

    .venv/bin/python scripts/make_cjk_font.py --weight regular
    .venv/bin/python scripts/make_cjk_font.py --weight bold
"""

from __future__ import annotations

import math
from pathlib import Path

import click
from fontTools import subset
from fontTools.pens.areaPen import AreaPen
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.perimeterPen import PerimeterPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTCollection, TTFont

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "assets" / "fonts"
SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
SOURCE_FAMILY = "Noto Sans CJK SC"

FAMILY = "ZSC Sans"
PS_FAMILY = "ZSCSans"
VENDOR_NOTE = (
    "Subset of Noto Sans CJK SC (SIL Open Font License 1.1) made for the 掌上查 app: "
    "CJK Unified Ideographs U+4E00-9FFF, GBK, ASCII, Latin-1, punctuation and fullwidth "
    "forms. Modified Version; "
    "not the original Noto font."
)

WEIGHTS = {
    # weight option: (source file, expected subfamily, usWeightClass)
    "regular": ("NotoSansCJK-Regular.ttc", "Regular", 400),
    "bold": ("NotoSansCJK-Bold.ttc", "Bold", 700),
}

# Ranges kept besides GBK (inclusive).
RANGES: tuple[tuple[int, int], ...] = (
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs, the basic block (all of GBK's hanzi and more)
    (0x0020, 0x007E),  # ASCII printable
    (0x00A0, 0x00FF),  # Latin-1 supplement (× ÷ ° ± ¥ · ...)
    (0x2000, 0x206F),  # general punctuation (— … ‘ ’ “ ” ‰ ※ ...)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、 。 《 》 【 】 〇 ...)
    (0xFF00, 0xFFEF),  # half/fullwidth forms (（ ） ： ； ， ！ ？ ￥ ...)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ② ... ⑴ ⒈ Ⓐ)
    (0x2160, 0x217F),  # Roman numerals (Ⅰ Ⅱ ⅰ ...)
    (0x2190, 0x2199),  # arrows
)
EXTRA_CHARS = (
    "✓★☆●○◎◆◇■□▲△▼▽"  # check mark, bullets (✔ ✗ ✘ ☐ ☑ ☒ are not in Noto Sans CJK)
    "℃℉№™®©€£¥￥√∞≈≠≤≥±×÷‰"  # units and maths
    "㎎㎏㎜㎝㎞㎡㏄"  # CJK compatibility units (㎡ for premises area)
    "・"  # katakana middle dot (other GB2312 mappings use it for U+00B7)
)
# Ballot X marks drawn by this script (Noto Sans CJK has ✓ but no ✗), matched to
# the weight and advance of ✓: character -> stroke width relative to ✓'s stroke.
DRAWN_X_MARKS = {"✗": 1.0, "✘": 1.6}

# fontTools' default layout features minus vertical writing (Flutter and Pillow lay
# out horizontally) and locl, which in this collection only maps to the Japanese,
# Korean and Traditional forms: keeping it pulls ~5,800 more glyphs (+1.2 MB) in.
DROPPED_FEATURES = {"locl", "vert", "vrt2", "vkrn", "vpal", "vhal", "valt", "vchw", "vjmo"}
DROPPED_TABLES = ["vhea", "vmtx", "VORG"]


def _two_byte_chars(codec: str, leads: range, trails: range) -> set[str]:
    """Every character ``codec`` decodes from a two-byte code of these lead and trail bytes."""
    chars: set[str] = set()
    for hi in leads:
        for lo in trails:
            try:
                chars.add(bytes((hi, lo)).decode(codec))
            except UnicodeDecodeError:
                continue
    return chars


def gb2312_chars() -> set[str]:
    """Every character of GB2312, by decoding each valid EUC-CN two-byte code."""
    return _two_byte_chars("gb2312", range(0xA1, 0xFF), range(0xA1, 0xFF))


def gb2312_hanzi() -> set[str]:
    """The 6763 hanzi of GB2312 (rows 16-87, lead bytes 0xB0-0xF7)."""
    return {c for c in gb2312_chars() if "\u4e00" <= c <= "\u9fff"}


def gbk_chars() -> set[str]:
    """Every character of GBK (GB2312 and its extension), by decoding each two-byte code.

    21,791 characters as Python decodes it: 20,902 hanzi in U+4E00-9FFF, 21 in the
    compatibility block (郎 﨎 ...), and the symbols GBK adds to GB2312 (box drawing,
    vertical forms, ...). Noto Sans CJK lacks only ≒ (U+2252) of them.
    """
    return _two_byte_chars("gbk", range(0x81, 0xFF), range(0x40, 0xFF))


def wanted_codepoints(extra: str = "") -> set[int]:
    cps = {ord(c) for c in gb2312_chars() | gbk_chars()}
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    cps.update(ord(c) for c in EXTRA_CHARS + extra)
    return cps


def _english_name(font: TTFont, name_id: int) -> str | None:
    record = font["name"].getName(name_id, 3, 1, 0x409)
    return record.toUnicode() if record is not None else None


def find_face(ttc_path: Path, family: str, subfamily: str) -> int:
    """Index of the face in the collection whose name table says family/subfamily."""
    collection = TTCollection(str(ttc_path), lazy=True)
    found = []
    for index, face in enumerate(collection.fonts):
        fam = _english_name(face, 16) or _english_name(face, 1)
        sub = _english_name(face, 17) or _english_name(face, 2)
        found.append(f"{index}: {fam} / {sub}")
        if fam == family and sub == subfamily:
            return index
    raise click.ClickException(
        f"no face {family!r} / {subfamily!r} in {ttc_path}; it has:\n  " + "\n  ".join(found)
    )


def _x_mark_outline(
    advance: float, stroke: float, bottom: float, top: float
) -> list[tuple[float, float]]:
    """One non-overlapping polygon for an X of two straight strokes with square ends.

    Walks the four arms counter-clockwise: the two corners of each arm's end, then
    the point where that arm's left edge meets the next arm's right edge.
    """
    half = stroke / 2
    margin = advance * 0.1 + half
    cx, cy = advance / 2, (bottom + top) / 2
    dx, dy = advance / 2 - margin, (top - bottom) / 2 - half
    length = math.hypot(dx, dy)
    arms = [(dx / length, dy / length), (-dx / length, dy / length)]
    arms += [(-ux, -uy) for ux, uy in arms]  # ↗ ↖ ↙ ↘, counter-clockwise
    points = []
    for i, (ux, uy) in enumerate(arms):
        nx, ny = -uy, ux  # left-hand normal
        ex, ey = ux * length, uy * length
        points += [(ex - nx * half, ey - ny * half), (ex + nx * half, ey + ny * half)]
        # left edge of this arm (p·n = half) meets right edge of the next (p·n' = -half)
        mx, my = -arms[(i + 1) % 4][1], arms[(i + 1) % 4][0]
        det = nx * my - ny * mx
        points.append(((half * my + half * ny) / det, (-half * mx - half * nx) / det))
    return [(cx + x, cy + y) for x, y in points]


def _add_x_marks(font: TTFont) -> None:
    """Append ✗ and ✘ glyphs to the (CID-keyed) CFF, in the style of ✓.

    Their stroke is ✓'s mean stroke width (2·area/perimeter), their advance ✓'s.
    """
    cmap = font.getBestCmap()
    check = cmap[ord("✓")]
    glyph_set = font.getGlyphSet()
    area, perimeter, bounds = AreaPen(glyph_set), PerimeterPen(glyph_set), BoundsPen(glyph_set)
    for pen in (area, perimeter, bounds):
        glyph_set[check].draw(pen)
    check_stroke = 2 * abs(area.value) / perimeter.value  # long thin shape: A ≈ L·w
    advance = font["hmtx"][check][0]
    bottom, top = bounds.bounds[1], bounds.bounds[3] * 0.95

    cff = font["CFF "].cff
    top_dict = cff.topDictIndex[0]
    char_strings = top_dict.CharStrings
    fd_index = top_dict.FDSelect[font.getGlyphID(check)]
    private = top_dict.FDArray[fd_index].Private
    used = {int(name[3:]) for name in top_dict.charset if name.startswith("cid")}
    glyph_order = font.getGlyphOrder()
    for char, weight in DRAWN_X_MARKS.items():
        if ord(char) in cmap:  # a later Noto release may have its own
            continue
        points = _x_mark_outline(advance, check_stroke * weight, bottom, top)
        pen = T2CharStringPen(advance - private.nominalWidthX, None)
        pen.moveTo(points[0])
        for point in points[1:]:
            pen.lineTo(point)
        pen.closePath()
        cid = next(c for c in range(1, top_dict.CIDCount) if c not in used)
        used.add(cid)
        name = f"cid{cid:05d}"
        char_strings.charStringsIndex.append(pen.getCharString(private, cff.GlobalSubrs))
        char_strings.charStrings[name] = len(char_strings.charStringsIndex) - 1
        top_dict.FDSelect.append(fd_index)
        top_dict.charset.append(name)
        glyph_order.append(name)
        font["hmtx"][name] = (advance, round(min(x for x, _ in points)))
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[ord(char)] = name
    font.setGlyphOrder(glyph_order)
    font["maxp"].numGlyphs = len(glyph_order)


def _rename(font: TTFont, subfamily: str, weight_class: int) -> None:
    """Give the subset its own family name, everywhere a name lives."""
    ps_name = f"{PS_FAMILY}-{subfamily}"
    full_name = FAMILY if subfamily == "Regular" else f"{FAMILY} {subfamily}"
    src_version = (_english_name(font, 5) or "").split(";")[0].strip() or "Version ?"

    name = font["name"]
    keep = {0, 13, 14}  # copyright, licence description, licence URL
    name.names = [
        n for n in name.names if n.nameID in keep and (n.platformID, n.langID) == (3, 0x409)
    ]
    for name_id, value in {
        1: FAMILY,
        2: subfamily,
        3: f"{src_version.removeprefix('Version ')};{ps_name};subset",
        4: full_name,
        5: f"{src_version}; subset of Noto Sans CJK SC",
        6: ps_name,
        10: VENDOR_NOTE,
    }.items():
        name.setName(value, name_id, 3, 1, 0x409)

    # CFF keeps its own copy of the names; in the collection it is shared by every
    # face and says "NotoSansCJKjp-...".
    cff = font["CFF "].cff
    old_ps = cff.fontNames[0]
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    top.FullName = full_name
    top.FamilyName = FAMILY
    if hasattr(top, "Notice"):
        del top.Notice  # Adobe's trademark notice for the original name
    for fd in getattr(top, "FDArray", []) or []:
        if getattr(fd, "FontName", "").startswith(old_ps):
            fd.FontName = ps_name + fd.FontName[len(old_ps) :]

    os2 = font["OS/2"]
    os2.usWeightClass = weight_class
    bold = subfamily == "Bold"
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (0b100000 if bold else 0b1000000)
    font["head"].macStyle = 1 if bold else 0


def build(source: Path, output: Path, weight: str, extra: str = "") -> dict[str, object]:
    _, subfamily, weight_class = WEIGHTS[weight]
    index = find_face(source, SOURCE_FAMILY, subfamily)
    # Keep the source's head.created/modified so that rebuilding gives the same bytes.
    font = TTFont(str(source), fontNumber=index, lazy=False, recalcTimestamp=False)

    cmap = font.getBestCmap()
    wanted = wanted_codepoints(extra)
    missing_gb = sorted(c for c in gb2312_chars() if ord(c) not in cmap)
    if missing_gb:
        raise click.ClickException(f"source lacks GB2312 characters: {''.join(missing_gb)}")
    unicodes = sorted(cp for cp in wanted if cp in cmap)
    # Ranges have unassigned holes; only report single characters asked for by name.
    skipped = sorted({ord(c) for c in EXTRA_CHARS + extra} - set(cmap))

    options = subset.Options()
    options.layout_features = [f for f in options.layout_features if f not in DROPPED_FEATURES]
    options.drop_tables = list(options.drop_tables) + DROPPED_TABLES
    options.hinting = False
    options.name_IDs = ["*"]  # pruned by _rename
    options.name_languages = [0x409]
    options.notdef_outline = True  # missing characters draw a visible box
    options.glyph_names = False
    options.recalc_bounds = True
    options.prune_unicode_ranges = True

    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    _add_x_marks(font)
    _rename(font, subfamily, weight_class)

    output.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(output))
    return {
        "face_index": index,
        "codepoints": len(font.getBestCmap()),
        "glyphs": len(font.getGlyphOrder()),
        "bytes": output.stat().st_size,
        "skipped": "".join(map(chr, skipped)),
    }


@click.command()
@click.option(
    "--weight",
    type=click.Choice(sorted(WEIGHTS)),
    default="regular",
    show_default=True,
    help="Which Noto Sans CJK SC weight to subset.",
)
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"Noto Sans CJK .ttc/.otc (default: {SOURCE_DIR}/NotoSansCJK-<Weight>.ttc).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output .otf (default: assets/fonts/ZSCSans-<Weight>.otf).",
)
@click.option("--extra", default="", help="Extra characters to keep (e.g. rare name hanzi).")
def main(weight: str, source: Path | None, output: Path | None, extra: str) -> None:
    """Subset Noto Sans CJK SC to U+4E00-9FFF, GBK and punctuation as a CFF .otf."""
    src_file, subfamily, _ = WEIGHTS[weight]
    source = source or SOURCE_DIR / src_file
    if not source.exists():
        raise click.ClickException(f"{source} not found (Debian: apt install fonts-noto-cjk)")
    output = output or DEFAULT_OUT_DIR / f"{PS_FAMILY}-{subfamily}.otf"
    info = build(source, output, weight, extra)
    click.echo(
        f"{output}: face #{info['face_index']} of {source.name}, {info['codepoints']} code points, "
        f"{info['glyphs']} glyphs, {info['bytes']:,} bytes"
    )
    if info["skipped"]:
        click.echo(f"not in source, skipped: {info['skipped']}", err=True)


if __name__ == "__main__":
    main()
