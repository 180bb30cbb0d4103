"""The photo pipeline (app/photos.py), on images made here with Pillow."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.util
import io
import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft
import pillow_heif
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import (
    ExifTags,
    Image,
    ImageChops,
    ImageCms,
    ImageDraw,
    ImageFont,
    ImageStat,
    JpegImagePlugin,
)

from app import photos
from app import strings as s
from app.config import load_config
from app.photos import PhotoError, PhotoSettings, ProcessedPhoto, Watermark, process_photo
from app.services import files
from bench import photos as bench

REPO = Path(__file__).resolve().parents[2]
CST = dt.timezone(dt.timedelta(hours=8))
WATERMARK = Watermark(
    time=dt.datetime(2026, 3, 2, 9, 15, 42, tzinfo=CST),
    place="山东省威海市环翠区新威路25号",
    inspectors=(("张三", "37060200123"), ("李四", "37060200456")),
    entity_name="威海市环翠区海鲜食品有限公司",
    task_id="RW-2026-0001",
)
SETTINGS = PhotoSettings(
    max_file_bytes=30_000_000, max_pixels=60_000_000, long_edge_px=1600, jpeg_quality=80,
    thumbnail_px=320,
)
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 160, 0), (0, 0, 255), (255, 255, 255)
GREY = (128, 128, 128)

Colour = tuple[int, int, int]


def encode(image: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


# x265's fastest preset: a 12 MP HEIC in under a second instead of a few.
FAST_HEVC = {"preset": "ultrafast"}


def heic(image: Image.Image, **params: Any) -> bytes:
    """``image`` as an iPhone stores a photo: HEVC in a HEIF container, written by pillow-heif
    (registered with Pillow by app.photos)."""
    return encode(image, "HEIF", **{"quality": 90, "enc_params": FAST_HEVC, **params})


def process(data: bytes, settings: PhotoSettings = SETTINGS) -> ProcessedPhoto:
    return process_photo(data, watermark=WATERMARK, settings=settings)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def colour_at(image: Image.Image, fx: float, fy: float) -> Colour:
    """The mean colour of a 5×5 patch at a fraction of the width and height."""
    x, y = int(image.width * fx), int(image.height * fy)
    mean = ImageStat.Stat(image.convert("RGB").crop((x - 2, y - 2, x + 3, y + 3))).mean
    return round(mean[0]), round(mean[1]), round(mean[2])


def near(actual: Colour, expected: Colour, tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


def noisy(size: tuple[int, int]) -> Image.Image:
    """Content a JPEG cannot squeeze to nothing, so that half of its bytes is half a picture."""
    noise = Image.effect_noise(size, 40)
    mirrored = noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return Image.merge("RGB", (noise, noise.rotate(180), mirrored))


# --- settings and watermark text ---------------------------------------------------------------


def test_settings_come_from_the_config() -> None:
    config = load_config(environ={"ZSC_PHOTOS_JPEG_QUALITY": "70"})
    assert PhotoSettings.from_config(config) == PhotoSettings(
        max_file_bytes=config.photo_max_file_bytes, max_pixels=config.photo_max_pixels,
        long_edge_px=1600, jpeg_quality=70, thumbnail_px=config.photo_thumbnail_px,
    )


@pytest.mark.parametrize(
    "change", [{"long_edge_px": 0}, {"max_pixels": -1}, {"jpeg_quality": 96}, {"jpeg_quality": 0}]
)
def test_settings_reject_nonsense(change: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(SETTINGS, **change)


def test_watermark_lines() -> None:
    assert WATERMARK.lines() == [
        "时间：2026-03-02 09:15 北京时间",
        "地点：山东省威海市环翠区新威路25号",
        "检查人员：张三（37060200123）、李四（37060200456）",
        "检查对象：威海市环翠区海鲜食品有限公司　任务：RW-2026-0001",
    ]


@pytest.mark.parametrize(
    ("offset", "shown"),
    [(dt.timedelta(hours=-5, minutes=-30), "2026-01-06 12:37"), (dt.timedelta(0), "2026-01-06 07:07"),
     (dt.timedelta(hours=5, minutes=45), "2026-01-06 01:22"), (dt.timedelta(hours=8), "2026-01-05 23:07")],
)
def test_watermark_time_is_beijing_time_whatever_the_clock(offset: dt.timedelta, shown: str) -> None:
    """A phone set to any zone burns in the same Beijing wall-clock time for the same moment."""
    mark = Watermark(dt.datetime(2026, 1, 5, 23, 7, tzinfo=dt.timezone(offset)), "位置未知", ())
    assert mark.lines()[0] == f"时间：{shown} 北京时间"


def test_watermark_optional_lines_and_whitespace() -> None:
    mark = Watermark(
        dt.datetime(2026, 3, 2, 9, 15, tzinfo=CST), "37.50123, 122.11456 ±12 m\n（室内）",
        (("王五", "37060200789"),), task_id="RW-1",
    )
    assert mark.lines()[1:] == [
        "地点：37.50123, 122.11456 ±12 m （室内）", "检查人员：王五（37060200789）", "任务：RW-1",
    ]
    assert len(Watermark(mark.time, s.WATERMARK_PLACE_UNKNOWN, ()).lines()) == 3


def test_watermark_needs_an_offset() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        Watermark(dt.datetime(2026, 3, 2, 9, 15), "位置未知", ())


def test_every_watermark_character_is_in_the_font() -> None:
    """A character the font lacks is drawn as a box (.notdef), the same for each."""
    font = ImageFont.truetype(str(photos.FONT_FILE), 40)

    def drawn(character: str) -> bytes:
        image = Image.new("L", (60, 60))
        ImageDraw.Draw(image).text((5, 5), character, 255, font)
        return image.tobytes()

    box = drawn("\U0001f600")
    text = "".join(WATERMARK.lines()) + s.WATERMARK_PLACE_UNKNOWN + "±…-+:"
    assert not {c for c in set(text) - {" ", "　"} if drawn(c) == box}
    assert drawn("䶵") == box  # the check can fail: Extension A, not in the font


def test_long_text_is_cut_with_an_ellipsis() -> None:
    font = photos._font(20)
    text = "山东省威海市环翠区新威路25号" * 10
    fitted = photos._fit(text, font, 300)
    assert fitted.endswith("…") and text.startswith(fitted[:-1])
    assert 250 < font.getlength(fitted) <= 300
    assert photos._fit("张三", font, 300) == "张三"


# --- orientation, decoding, size -----------------------------------------------------------------

# Where a marker drawn at the stored image's top left is seen once the orientation is applied.
ORIENTATIONS = {1: "top left", 2: "top right", 3: "bottom right", 4: "bottom left",
                5: "top left", 6: "top right", 7: "bottom right", 8: "bottom left"}
# Sample points inside a marker covering 45 % of each side, above the watermark band (78 px).
CORNERS = {"top left": (0.2, 0.2), "top right": (0.8, 0.2),
           "bottom left": (0.2, 0.65), "bottom right": (0.8, 0.65)}


@pytest.mark.parametrize(("orientation", "corner"), ORIENTATIONS.items())
@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_exif_orientation_is_applied(orientation: int, corner: str, fmt: str) -> None:
    """pillow-heif writes the orientation as the HEIF boxes irot and imir, which libheif applies
    while decoding (the EXIF tag then reads 1): rotated once, not twice."""
    source = Image.new("RGB", (400, 300), GREY)
    ImageDraw.Draw(source).rectangle((0, 0, 179, 134), fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    data = encode(source, fmt, exif=exif.tobytes(), quality=95)
    if fmt == "HEIF":
        assert (b"irot" in data or b"imir" in data) == (orientation != 1)
    photo = process(data)
    image = opened(photo.jpeg)
    assert image.size == ((300, 400) if orientation >= 5 else (400, 300))
    for name, (fx, fy) in CORNERS.items():
        assert near(colour_at(image, fx, fy), RED if name == corner else GREY, 20), name


@pytest.mark.parametrize("exif", [b"MM\x00*\x00\x00", b"XX\x00*\x00\x00\x00\x08"])
@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_unreadable_exif_counts_as_upright(fmt: str, exif: bytes) -> None:
    """Pillow raises struct.error or SyntaxError reading these (from a PNG or a WebP)."""
    photo = process(encode(_quadrants((400, 300)), fmt, exif=exif))
    image = opened(photo.jpeg)
    assert image.size == (400, 300) and near(colour_at(image, 0.25, 0.25), RED)


def _quadrants(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, GREY)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0, 0, w // 2, h // 2), fill=RED)
    draw.rectangle((w // 2, 0, w, h // 2), fill=BLUE)
    draw.rectangle((0, h // 2, w // 2, h), fill=GREEN)
    return image


@pytest.mark.parametrize(
    ("size", "decoded", "output"),
    [
        ((4000, 3000), (2000, 1500), (1600, 1200)),  # 12 MP: decoded at a quarter of the pixels
        ((3000, 4000), (1500, 2000), (1200, 1600)),
        ((6400, 4800), (1600, 1200), (1600, 1200)),  # exactly 1/4: no resize left to do
        ((3100, 2325), (3100, 2325), (1600, 1200)),  # half would be under 1600: full size
        ((1000, 750), (1000, 750), (1000, 750)),
    ],
)
def test_big_jpegs_are_decoded_in_draft_mode(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], decoded: tuple[int, int],
    output: tuple[int, int],
) -> None:
    sizes: list[tuple[int, int]] = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None, size: Any) -> Any:
        result = draft(self, mode, size)
        sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    photo = process(encode(_quadrants(size), quality=90))
    assert sizes == [decoded]
    image = opened(photo.jpeg)
    assert image.size == output == (photo.width, photo.height)
    assert near(colour_at(image, 0.25, 0.25), RED)
    assert near(colour_at(image, 0.75, 0.25), BLUE)
    assert near(colour_at(image, 0.25, 0.6), GREEN)
    assert near(colour_at(image, 0.75, 0.6), GREY)


@pytest.mark.parametrize(
    ("size", "output"),
    [
        ((2400, 1800), (1600, 1200)),
        ((1800, 2400), (1200, 1600)),
        ((5000, 100), (1600, 32)),
        ((1600, 900), (1600, 900)),
        ((1601, 900), (1600, 899)),
        ((640, 480), (640, 480)),  # never upscaled
    ],
)
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "HEIF"])
def test_long_edge_limit(size: tuple[int, int], output: tuple[int, int], fmt: str) -> None:
    photo = process(encode(_quadrants(size), fmt))
    assert opened(photo.jpeg).size == output == (photo.width, photo.height)


@pytest.mark.parametrize(
    ("long_edge", "size", "thumbnail"),
    [(320, (1600, 1200), (320, 240)), (320, (900, 1600), (180, 320)), (320, (300, 200), (300, 200)),
     (100, (1600, 1200), (100, 75))],
)
def test_thumbnail(long_edge: int, size: tuple[int, int], thumbnail: tuple[int, int]) -> None:
    settings = dataclasses.replace(SETTINGS, thumbnail_px=long_edge)
    photo = process(encode(_quadrants(size)), settings)
    image = opened(photo.thumbnail)
    assert image.format == "JPEG" and image.size == thumbnail
    assert near(colour_at(image, 0.25, 0.25), RED, 20)


# --- colour and transparency ---------------------------------------------------------------------


def _transparent(mode: str) -> bytes:
    """A PNG whose right half is transparent (its hidden colour is black, which must not show)."""
    if mode == "P":
        image = Image.new("P", (400, 300), 0)
        image.putpalette([0, 0, 0, 255, 0, 0])
        ImageDraw.Draw(image).rectangle((0, 0, 199, 299), fill=1)
        return encode(image, "PNG", transparency=0)
    if mode == "RGB":
        image = Image.new("RGB", (400, 300), (0, 0, 0))
        ImageDraw.Draw(image).rectangle((0, 0, 199, 299), fill=RED)
        return encode(image, "PNG", transparency=(0, 0, 0))
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 199, 299), fill=(255, 0, 0, 255))
    return encode(image.convert(mode), "PNG")


@pytest.mark.parametrize(("mode", "left"), [("RGBA", RED), ("LA", (76, 76, 76)), ("P", RED),
                                            ("RGB", RED)])
def test_transparency_is_composited_on_white(mode: str, left: Colour) -> None:
    image = opened(process(_transparent(mode)).jpeg)
    assert near(colour_at(image, 0.25, 0.3), left)
    assert near(colour_at(image, 0.75, 0.3), WHITE)


def test_half_transparent_pixels_blend_with_white() -> None:
    image = opened(process(encode(Image.new("RGBA", (400, 300), (0, 0, 255, 128)), "PNG")).jpeg)
    assert near(colour_at(image, 0.5, 0.3), (127, 127, 255))


def _animated_gif(size: tuple[int, int] = (400, 300)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in (RED, BLUE, GREEN)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _sixteen_bit_grey() -> bytes:
    image = Image.new("I;16", (400, 300), 40000)  # 40000 / 65535 of white: 156 in 8 bits
    assert opened(encode(image, "PNG")).mode == "I;16"
    return encode(image, "PNG")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda: encode(Image.new("CMYK", (400, 300), (0, 255, 255, 0))), RED,
                     id="CMYK JPEG"),
        pytest.param(_sixteen_bit_grey, (156, 156, 156), id="16-bit grey PNG"),
        pytest.param(_animated_gif, RED, id="animated GIF: first frame"),
        pytest.param(lambda: encode(Image.new("L", (400, 300), 90)), (90, 90, 90), id="grey JPEG"),
        pytest.param(lambda: encode(Image.new("1", (400, 300), 1), "PNG"), WHITE, id="1-bit PNG"),
        pytest.param(lambda: encode(Image.new("RGB", (400, 300), BLUE).convert("P"), "PNG"), BLUE,
                     id="palette PNG"),
        pytest.param(lambda: encode(Image.new("RGB", (400, 300), GREEN), "WEBP", lossless=True),
                     GREEN, id="WebP"),
        pytest.param(lambda: encode(Image.new("RGB", (400, 300), GREEN), "AVIF", quality=90),
                     GREEN, id="AVIF"),
        pytest.param(lambda: encode(Image.new("RGB", (400, 300), RED), "BMP"), RED, id="BMP"),
        pytest.param(lambda: encode(Image.new("RGB", (400, 300), BLUE), "TIFF"), BLUE, id="TIFF"),
    ],
)
def test_unusual_but_valid_images(make: Callable[[], bytes], expected: Colour) -> None:
    image = opened(process(make()).jpeg)
    assert image.mode == "RGB" and image.size == (400, 300)
    assert near(colour_at(image, 0.5, 0.3), expected, 15)


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def _wide_gamut_profile() -> bytes:
    """An ICC v2 matrix/TRC display profile with Display P3's primaries (as an iPhone embeds)."""
    description = b"Wide gamut test\0"
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(description)) + description + bytes(78),
        b"wtpt": _xyz(0.9642, 1.0, 0.8249),
        b"rXYZ": _xyz(0.515102, 0.241182, -0.001050),
        b"gXYZ": _xyz(0.291965, 0.692236, 0.041882),
        b"bXYZ": _xyz(0.157153, 0.066582, 0.784378),
        b"rTRC": curve, b"gTRC": curve, b"bTRC": curve,
    }
    start = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags.items():
        table += signature + struct.pack(">II", start + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    header = (struct.pack(">I", start + len(body)) + bytes(4) + struct.pack(">I", 0x02100000)
              + b"mntrRGB XYZ " + bytes(12) + b"acsp" + bytes(28) + _xyz(0.9642, 1.0, 0.8249)[8:])
    return header + bytes(128 - len(header)) + table + body


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        pytest.param(_wide_gamut_profile(), (219, 37, 49), id="P3: converted to sRGB"),
        pytest.param(_srgb_profile(), (200, 60, 60), id="sRGB: kept"),
        pytest.param(b"not a profile", (200, 60, 60), id="broken: ignored"),
    ],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "HEIF"])
def test_embedded_colour_profile(profile: bytes, expected: Colour, fmt: str) -> None:
    source = encode(Image.new("RGB", (400, 300), (200, 60, 60)), fmt, icc_profile=profile)
    image = opened(process(source).jpeg)
    assert "icc_profile" not in image.info
    assert near(colour_at(image, 0.5, 0.3), expected, 4)


# --- metadata, watermark, hash -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_metadata_is_stripped(fmt: str) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone Maker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.DateTime] = "2026:03:02 09:15:42"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (37.0, 30.0, 4.4),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (122.0, 6.0, 52.4),
    }
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    # A HEIF file has no comment or resolution to carry.
    extra = ({"comment": b"secret comment", "dpi": (300, 300)} if fmt == "JPEG"
             else {"enc_params": FAST_HEVC})
    source = encode(_quadrants((800, 600)), fmt, exif=exif, xmp=xmp, icc_profile=_srgb_profile(),
                    **extra)
    original = opened(source)
    assert original.getexif()[ExifTags.Base.Make] == "Phone Maker"
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert {"xmp", "icc_profile"} <= set(original.info)
    photo = process(source)
    for data in (photo.jpeg, photo.thumbnail):
        image = opened(data)
        assert isinstance(image, JpegImagePlugin.JpegImageFile)
        assert not image.getexif()
        assert not {"exif", "icc_profile", "comment", "xmp", "dpi"} & set(image.info)
        assert not image.applist or {marker for marker, _ in image.applist} == {"APP0"}
        for needle in (b"Exif", b"ICC_PROFILE", b"secret", b"adobe", b"Phone", b"2026:03:02"):
            assert needle not in data


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_watermark_band(fmt: str) -> None:
    source = Image.new("RGB", (1000, 750), GREY)
    image = opened(process(encode(source, fmt, quality=95)).jpeg)
    assert image.size == (1000, 750)
    grey = image.convert("L")
    font_px = round(1000 / 50)
    band = round(font_px * photos.PADDING) * 2 + round(font_px * photos.LINE_HEIGHT) * 4
    above = ImageStat.Stat(grey.crop((0, 0, 1000, 750 - band - 2)))
    assert 125 <= above.mean[0] <= 131 and above.extrema[0][0] >= 120 and above.extrema[0][1] <= 136
    lines = grey.crop((0, 750 - band, 1000, 750))
    # Where there is no text, the band is the source darkened to 40 %.
    assert 48 <= ImageStat.Stat(lines.crop((950, 0, 1000, band))).median[0] <= 54
    # The four lines of text: white pixels on every line, the longest line reaching furthest.
    line_px = round(font_px * photos.LINE_HEIGHT)
    for i in range(4):
        top = round(font_px * photos.PADDING) + i * line_px
        text = lines.crop((0, top, 1000, top + line_px))
        assert text.point(lambda v: 255 if v > 220 else 0).getbbox() is not None, i
    light = lines.point(lambda v: 255 if v > 220 else 0)
    assert 1 / 2 < (light.getbbox() or (0, 0, 0, 0))[2] / 1000 < 0.9


def test_watermark_text_changes_the_band_only() -> None:
    source = encode(_quadrants((800, 600)))
    other = dataclasses.replace(WATERMARK, place="山东省威海市文登区")
    first = opened(process(source).jpeg)
    second = opened(process_photo(source, watermark=other, settings=SETTINGS).jpeg)
    changed = ImageChops.difference(first, second).getbbox()
    assert changed is not None and changed[1] >= 600 - 110


def test_long_place_is_cut_not_wrapped() -> None:
    long_place = dataclasses.replace(WATERMARK, place="山东省威海市环翠区" * 30)
    source = encode(Image.new("RGB", (800, 600), GREY))

    def text_box(mark: Watermark) -> tuple[int, int, int, int]:
        image = opened(process_photo(source, watermark=mark, settings=SETTINGS).jpeg)
        box = image.convert("L").point(lambda v: 255 if v > 200 else 0).getbbox()
        assert box is not None
        return box

    short, long = text_box(WATERMARK), text_box(long_place)
    pad = round(800 / 50 * photos.PADDING)
    assert short[2] < long[2] <= 800 - pad + 1  # cut to fit inside the padding
    assert (short[1], short[3]) == (long[1], long[3])  # no line added: nothing wrapped


def test_sha256_names_the_bytes_and_output_is_deterministic() -> None:
    source = encode(noisy((1200, 900)), quality=90)
    first = process(source)
    photos._font.cache_clear()
    second = process(source)
    assert first == second and first.jpeg == second.jpeg and first.thumbnail == second.thumbnail
    assert first.sha256 == hashlib.sha256(first.jpeg).hexdigest()
    assert len(first.sha256) == 64 and first.sha256 == first.sha256.lower()
    later = dataclasses.replace(WATERMARK, time=WATERMARK.time + dt.timedelta(minutes=1))
    assert process_photo(source, watermark=later, settings=SETTINGS).sha256 != first.sha256


def test_repr_leaves_out_the_bytes() -> None:
    photo = process(encode(_quadrants((64, 48))))
    assert "jpeg" not in repr(photo) and photo.sha256 in repr(photo)


# --- HEIC/HEIF -----------------------------------------------------------------------------------


def _iphone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # held upright
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N",
                                  ExifTags.GPS.GPSLatitude: (37.0, 30.0, 4.4)}
    return exif


def test_heic_is_read_where_pillow_heif_is_installed() -> None:
    assert importlib.util.find_spec("pillow_heif") is not None  # pyproject.toml, off the phones
    assert "HEIF" in photos.FORMATS
    assert Image.registered_extensions()[".heic"] == "HEIF"


def test_an_iphone_heic_becomes_the_same_jpeg_as_a_jpeg() -> None:
    """4032×3024 as an iPhone stores it (512-pixel tiles, a 320-pixel thumbnail, orientation 6,
    Display P3, EXIF with GPS), once as HEIC and once as JPEG: the same upright 1200×1600 sRGB
    photo with its watermark comes out."""
    source = _quadrants((4032, 3024))
    exif, profile = _iphone_exif().tobytes(), _wide_gamut_profile()
    data = heic(source, exif=exif, icc_profile=profile, tile_size=512, thumbnails=[320])
    assert b"grid" in data and b"thmb" in data and b"irot" in data
    from_heic = process(data)
    from_jpeg = process(encode(source, exif=exif, icc_profile=profile, quality=95))
    image, reference = opened(from_heic.jpeg), opened(from_jpeg.jpeg)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == reference.size == (1200, 1600) == (from_heic.width, from_heic.height)
    assert opened(from_heic.thumbnail).size == opened(from_jpeg.thumbnail).size == (240, 320)
    # Turned a quarter clockwise: the red top left is now the top right, and so on.
    for (fx, fy), colour in [((0.75, 0.25), RED), ((0.75, 0.6), BLUE), ((0.25, 0.25), GREEN),
                             ((0.25, 0.6), GREY)]:
        assert near(colour_at(image, fx, fy), colour, 20)
        assert near(colour_at(image, fx, fy), colour_at(reference, fx, fy), 3)
    # The watermark band is the same band, to a few levels of HEVC against JPEG.
    assert max(ImageStat.Stat(ImageChops.difference(image, reference)).mean) < 2
    assert not image.getexif() and "icc_profile" not in image.info
    assert b"Apple" not in from_heic.jpeg and b"iPhone" not in from_heic.jpeg


def test_heic_exif_orientation_alone_is_not_applied() -> None:
    """In HEIF the irot and imir boxes orient the picture and the EXIF tag is ignored, as libheif,
    iOS and the browsers do. (pillow-heif writes an ``Image.Exif`` without those boxes.)"""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    data = heic(_quadrants((400, 300)), exif=exif)
    assert b"irot" not in data and opened(data).info["original_orientation"] == 6
    image = opened(process(data).jpeg)
    assert image.size == (400, 300) and near(colour_at(image, 0.25, 0.25), RED)


def test_heic_without_pillow_heif_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a phone build "HEIF" is not in photos.FORMATS (pillow-heif did not import)."""
    data = heic(_quadrants((400, 300)))
    assert process(data)
    monkeypatch.setattr(photos, "FORMATS", tuple(f for f in photos.FORMATS if f != "HEIF"))
    with pytest.raises(PhotoError) as raised:
        process(data)
    assert str(raised.value) == s.PHOTO_HEIC_UNSUPPORTED
    assert all(word in str(raised.value) for word in ("HEIC", "JPEG", "兼容性最佳"))
    # Told apart from the rest: an AVIF (the same container) is read, text is no photo.
    assert process(encode(Image.new("RGB", (400, 300), GREEN), "AVIF", quality=90))
    with pytest.raises(PhotoError, match="^不是照片"):
        process(b"this is not an image at all")


def test_without_pillow_heif_the_pipeline_imports_and_explains(tmp_path: Path) -> None:
    """As on a phone: ``import pillow_heif`` raises ImportError (as a None in sys.modules makes
    it)."""
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(heic(_quadrants((400, 300))))
    script = textwrap.dedent("""
        import datetime as dt, sys
        from pathlib import Path
        sys.modules["pillow_heif"] = None
        from PIL import Image
        from app import photos
        assert "HEIF" not in photos.FORMATS and "HEIF" not in Image.OPEN, photos.FORMATS
        mark = photos.Watermark(dt.datetime.now(dt.timezone.utc), "-", ())
        settings = photos.PhotoSettings(10**7, 10**7, 1600, 80, 320)
        try:
            photos.process_photo(Path(sys.argv[1]).read_bytes(), watermark=mark, settings=settings)
        except photos.PhotoError as e:
            sys.stdout.buffer.write(str(e).encode())
    """)
    result = subprocess.run([sys.executable, "-c", script, str(path)], cwd=REPO,
                            capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == s.PHOTO_HEIC_UNSUPPORTED


def test_heic_size_is_checked_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(self: Image.Image) -> Any:
        raise AssertionError("decoded a HEIC over the pixel limit")

    monkeypatch.setattr(pillow_heif.HeifImageFile, "load", no_decoding)
    with pytest.raises(PhotoError) as raised:
        process(_heic_claiming(10000, 6001))
    assert str(raised.value) == TOO_MANY_PIXELS


def test_the_desktop_picker_offers_every_format_the_pipeline_reads() -> None:
    """The desktop apps list the extensions themselves (file_picker's IMAGE has no HEIC)."""
    extensions = Image.registered_extensions()
    assert {extensions[f".{ext}"] for ext in files.PHOTO_EXTENSIONS} == set(photos.FORMATS)
    assert {"heic", "heif", "jpg", "jpeg"} <= set(files.PHOTO_EXTENSIONS)


@pytest.mark.parametrize(
    ("web", "platform", "custom"),
    [(False, ft.PagePlatform.WINDOWS, True), (False, ft.PagePlatform.MACOS, True),
     (False, ft.PagePlatform.LINUX, True), (False, ft.PagePlatform.ANDROID, False),
     (False, ft.PagePlatform.IOS, False), (True, ft.PagePlatform.WINDOWS, False),
     (True, ft.PagePlatform.IOS, False), (False, None, False)],
)
def test_picker_filter(web: bool, platform: ft.PagePlatform | None, custom: bool) -> None:
    """Phones keep their gallery and browsers their camera and gallery (``image/*``)."""
    if custom:
        assert files.image_filter(web, platform) == (ft.FilePickerFileType.CUSTOM,
                                                      list(files.PHOTO_EXTENSIONS))
    else:
        assert files.image_filter(web, platform) == (ft.FilePickerFileType.IMAGE, None)


# --- bad input -----------------------------------------------------------------------------------

TOO_MANY_PIXELS = s.PHOTO_TOO_MANY_PIXELS.format(limit=6000)


def _png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _bomb(side: int) -> bytes:
    """A 1-bit PNG of ``side``² black pixels: a few kB on disk, ``side``² bytes once decoded."""
    return _png(side, side, 1, 0, bytes(side * (1 + (side + 7) // 8)))


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size."""
    data = bytearray(encode(Image.new("RGB", (64, 48), RED)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _heic_claiming(width: int, height: int) -> bytes:
    """A small HEIC whose image size box (ispe, all that is read before decoding) claims another
    size."""
    data = bytearray(heic(Image.new("RGB", (400, 300), RED)))
    assert data.count(b"ispe") == 1 and b"clap" not in data  # no other box gives a size
    ispe = data.index(b"ispe")
    data[ispe + 8 : ispe + 16] = struct.pack(">II", width, height)
    return bytes(data)


def _heic_without_picture() -> bytes:
    data = heic(noisy((400, 300)))
    start = data.index(b"mdat") + 4
    return data[:start] + bytes(len(data) - start)


def _truncated(fmt: str, **params: Any) -> bytes:
    data = encode(noisy((800, 600)), fmt, **params)
    return data[: len(data) // 2]


BAD_INPUTS = [
    pytest.param(b"", s.PHOTO_EMPTY, id="empty"),
    pytest.param(b"this is not an image at all", s.PHOTO_NOT_AN_IMAGE, id="text"),
    pytest.param(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
                 s.PHOTO_NOT_AN_IMAGE, id="EPS never reaches Ghostscript"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
                 s.PHOTO_NOT_AN_IMAGE, id="SVG"),
    pytest.param(b"\xff\xd8\xff\xe0" + bytes(100), s.PHOTO_NOT_AN_IMAGE, id="JPEG magic only"),
    pytest.param(_truncated("JPEG"), s.PHOTO_DAMAGED, id="JPEG cut in half"),
    pytest.param(_truncated("PNG"), s.PHOTO_DAMAGED, id="PNG cut in half"),
    pytest.param(encode(_quadrants((64, 48)), "PNG")[:-20] + bytes(20), s.PHOTO_DAMAGED,
                 id="PNG with a broken end"),
    pytest.param(_bomb(9000), TOO_MANY_PIXELS, id="81 MP PNG bomb: our limit"),
    pytest.param(_bomb(20000), TOO_MANY_PIXELS, id="400 MP PNG bomb: Pillow's limit too"),
    pytest.param(_jpeg_claiming(65000, 65000), TOO_MANY_PIXELS, id="JPEG claiming 4 GP"),
    pytest.param(_jpeg_claiming(10000, 6001), TOO_MANY_PIXELS, id="JPEG claiming 60.01 MP"),
    pytest.param(_truncated("HEIF", enc_params=FAST_HEVC), s.PHOTO_DAMAGED, id="HEIC cut in half"),
    pytest.param(heic(noisy((400, 300)))[:120], s.PHOTO_DAMAGED, id="HEIC header cut short"),
    pytest.param(_heic_without_picture(), s.PHOTO_DAMAGED, id="HEIC with its picture zeroed"),
    pytest.param(_heic_claiming(10000, 6001), TOO_MANY_PIXELS, id="HEIC claiming 60.01 MP"),
    pytest.param(_heic_claiming(20000, 20000), TOO_MANY_PIXELS,
                 id="HEIC claiming 400 MP: Pillow's limit too"),
    pytest.param(_heic_claiming(65000, 65000), TOO_MANY_PIXELS, id="HEIC claiming 4 GP"),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUTS)
def test_bad_input_gives_its_message(data: bytes, message: str) -> None:
    with pytest.raises(PhotoError) as raised:
        process(data)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_bombs_are_small_files() -> None:
    assert len(_bomb(20000)) < 100_000


def test_file_size_is_checked_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    data = encode(noisy((200, 150)))
    assert process(data, dataclasses.replace(SETTINGS, max_file_bytes=len(data)))

    def no_decoding(*args: object, **kwargs: object) -> Image.Image:
        raise AssertionError("decoded a file over the size limit")

    monkeypatch.setattr(Image, "open", no_decoding)
    with pytest.raises(PhotoError) as raised:
        process(data, dataclasses.replace(SETTINGS, max_file_bytes=len(data) - 1))
    assert str(raised.value).startswith("照片文件过大")


@pytest.mark.parametrize(("limit", "shown"), [(30_000_000, "30"), (2_500_000, "2.5")])
def test_file_size_limit_is_shown_in_mb(limit: int, shown: str) -> None:
    with pytest.raises(PhotoError) as raised:
        process(b"\xff" * (limit + 1), dataclasses.replace(SETTINGS, max_file_bytes=limit))
    assert str(raised.value) == f"照片文件过大（上限 {shown} MB），请重新拍摄或选择其他照片"


def test_pixel_limit_is_ours_not_pillows() -> None:
    before = Image.MAX_IMAGE_PIXELS
    settings = dataclasses.replace(SETTINGS, max_pixels=640 * 480)
    assert process(encode(_quadrants((640, 480))), settings)
    with pytest.raises(PhotoError, match="上限 30.72 万像素"):
        process(encode(_quadrants((641, 480))), settings)
    assert Image.MAX_IMAGE_PIXELS == before


# Small valid files of every kind, to be damaged at random.
_EXIF = Image.Exif()
_EXIF[ExifTags.Base.Orientation] = 6
_EXIF[ExifTags.Base.Make] = "Phone Maker"
SEEDS = [encode(noisy((64, 48)), exif=_EXIF), encode(noisy((64, 48)), "PNG", exif=_EXIF),
         _animated_gif((40, 30)), encode(noisy((40, 30)), "WEBP", exif=_EXIF),
         encode(noisy((40, 30)), "TIFF"), heic(noisy((64, 48)), exif=_EXIF)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    changes=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    keep=st.integers(1, 10_000),
)
def test_damaged_files_never_crash(seed: bytes, changes: list[tuple[int, int]], keep: int) -> None:
    data = bytearray(seed)
    for position, value in changes:
        data[position % len(data)] = value
    try:
        photo = process(bytes(data[:keep]))
    except PhotoError:
        return
    assert opened(photo.jpeg).size == (photo.width, photo.height)


# --- the benchmark script ------------------------------------------------------------------------


def test_bench_runs_and_reports() -> None:
    result = CliRunner().invoke(bench.main, ["--width", "800", "--height", "600", "--runs", "1"])
    assert result.exit_code == 0, result.output
    for label in ("ours:", "floor:", "ratio:", "KB photo"):
        assert label in result.output
    for label in ("heic source:", "heic ours:", "heic floor:", "heic ratio:"):
        assert label in result.output  # the same photo as a HEIC
