"""The photo pipeline (DESIGN §8): camera or file bytes in, the stored JPEG and its thumbnail out.

:func:`process_photo` is pure (no Flet, no network, no database) and runs these steps:

1. reject an empty file or one over ``max_file_bytes`` before Pillow sees it;
2. open it with Pillow, limited to the formats a phone, a gallery or a browser produce (so EPS
   never reaches Ghostscript), and check the declared width × height against ``max_pixels``
   before any pixel is decoded (Pillow's own ``MAX_IMAGE_PIXELS`` bomb check stays as it is
   and is caught too);
3. decode; a JPEG is decoded in draft mode at the smallest DCT scale (1/2, 1/4, 1/8) that is
   still at least the target size, so a 12 MP photo is decoded at 3 MP; animated images give
   their first frame;
4. flatten transparency onto white, scale 16-bit greys to 8 bits;
5. downscale so the long edge is at most ``long_edge_px`` (never upscale);
6. convert to sRGB when the file embeds another colour profile (an iPhone's Display P3), so the
   output can carry no profile at all and still show the right colours;
7. apply the EXIF orientation: ``ImageOps.exif_transpose``'s table, applied after the downscale
   where it moves a third fewer pixels; an EXIF block too broken to read counts as "upright"
   instead of costing the photo;
8. burn in the watermark band: time, place, inspectors and, when known, the entity and task;
9. encode a baseline JPEG with optimised Huffman tables and no metadata (no EXIF, GPS, ICC,
   XMP or comment), a thumbnail the same way, and name the photo by the SHA-256 of its bytes.

HEIC/HEIF (an iPhone's default) is read through ``pillow-heif``, registered with Pillow when this
module is imported: libheif applies the file's rotation and mirroring (``irot``/``imir``) while
decoding and the plugin resets the EXIF orientation to 1, so step 7 finds nothing left to do;
the declared size is checked in step 2 like any other format's. The phone builds have no
``pillow-heif`` (pyproject.toml), and there a HEIC gets its own message saying what to do.

Every way the input can be wrong ends in :class:`PhotoError` with a Chinese message from
``app.strings``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFont, UnidentifiedImageError

from . import strings as s
from .config import Config
from .domain.clock import to_china

__all__ = ["PhotoError", "PhotoSettings", "ProcessedPhoto", "Watermark", "process_photo"]

FONT_FILE = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "ZSCSans-Regular.otf"

# What a camera, a gallery, a screenshot or a browser hands over. (A phone JPEG with a depth map
# or a second view appended opens as MPO, through the JPEG entry.) "HEIF" is added below when
# pillow-heif is there to read it: it is in FORMATS exactly when HEIC photos can be read.
FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "AVIF", "GIF", "BMP", "TIFF")
try:
    # ImportError on the phone builds; also raised by register_heif_opener itself when the
    # package is there but its compiled part (libheif) cannot be loaded.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:
    pass
else:
    FORMATS += ("HEIF",)
# The major brands (bytes 8-12, in the ftyp box that opens the file) of HEIF images coded with
# HEVC, as pillow-heif recognises them; an AVIF says "avif" there.
HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1",
               b"msf1")

# Measured in bench/photos.py: from the draft-decoded image, BICUBIC lands as close to a
# full-resolution LANCZOS reference as LANCZOS does (the DCT scaling dominates the error), in
# about half the time.
RESAMPLE = Image.Resampling.BICUBIC
# Larger reductions (a PNG) first average whole pixel blocks with reduce() down to twice the
# target size. The thumbnail goes all the way with reduce() (1600 → 320 is exactly 1/5): 1.5 ms
# instead of 6.5 ms, and at 320 px the box filter's softness does not show.
REDUCING_GAP = 2.0
THUMBNAIL_REDUCING_GAP = 1.0

WHITE = (255, 255, 255)
# The band keeps 40 % of the photo's brightness under it (black at 60 % opacity): white text
# stays legible over a white wall.
BAND_DARKEN = [round(v * 0.4) for v in range(256)] * 3
FONT_PER_WIDTH = 1 / 50
MIN_FONT_PX = 12
LINE_HEIGHT = 1.35
PADDING = 0.6
ELLIPSIS = "…"

_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
# EXIF orientation → the transposition that shows the image upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class PhotoError(ValueError):
    """The file cannot become a photo; ``str(error)`` is a Chinese message for the inspector."""


def file_too_large(max_file_bytes: int) -> PhotoError:
    """The error for a file over ``max_file_bytes`` (also said before such a file is sent)."""
    return PhotoError(s.PHOTO_FILE_TOO_LARGE.format(limit_mb=f"{max_file_bytes / 1e6:g}"))


@dataclass(frozen=True)
class PhotoSettings:
    """Limits and output sizes, from ``[photos]`` in flet.toml."""

    max_file_bytes: int
    max_pixels: int
    long_edge_px: int
    jpeg_quality: int
    thumbnail_px: int

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_pixels", "long_edge_px", "thumbnail_px"):
            if getattr(self, name) < 1:
                raise ValueError(f"PhotoSettings.{name} must be positive")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("PhotoSettings.jpeg_quality must be between 1 and 95")

    @classmethod
    def from_config(cls, config: Config) -> PhotoSettings:
        return cls(
            max_file_bytes=config.photo_max_file_bytes,
            max_pixels=config.photo_max_pixels,
            long_edge_px=config.photo_long_edge_px,
            jpeg_quality=config.photo_jpeg_quality,
            thumbnail_px=config.photo_thumbnail_px,
        )


@dataclass(frozen=True)
class Watermark:
    """What is burned into the photo.

    ``time`` must carry its UTC offset (a bare wall-clock time is ambiguous); it is burned in as
    Beijing time and says so (``2026-03-02 09:15 北京时间``), whatever zone the phone's clock
    is set to, so the photo reads the same as every screen and export. ``place`` is an address, coordinates
    with their accuracy (``37.50123, 122.11456 ±12 m``) or ``strings.WATERMARK_PLACE_UNKNOWN``.
    ``inspectors`` are ``(name, badge_no)`` pairs.
    """

    time: dt.datetime
    place: str
    inspectors: tuple[tuple[str, str], ...]
    entity_name: str = ""
    task_id: str = ""

    def __post_init__(self) -> None:
        if self.time.utcoffset() is None:
            raise ValueError("Watermark.time needs a UTC offset")
        object.__setattr__(self, "inspectors", tuple(tuple(i) for i in self.inspectors))

    def lines(self) -> list[str]:
        """The watermark's lines, top to bottom, before they are fitted to the photo's width."""
        stamp = s.WATERMARK_BEIJING.format(time=f"{to_china(self.time):%Y-%m-%d %H:%M}")
        inspectors = s.WATERMARK_LIST_SEPARATOR.join(
            s.WATERMARK_INSPECTOR.format(name=_one_line(name), badge_no=_one_line(badge_no))
            for name, badge_no in self.inspectors
        )
        lines = [
            s.WATERMARK_TIME.format(time=stamp),
            s.WATERMARK_PLACE.format(place=_one_line(self.place)),
            s.WATERMARK_INSPECTORS.format(inspectors=inspectors),
        ]
        about = []
        if self.entity_name:
            about.append(s.WATERMARK_ENTITY.format(name=_one_line(self.entity_name)))
        if self.task_id:
            about.append(s.WATERMARK_TASK.format(task_id=_one_line(self.task_id)))
        if about:
            lines.append(s.WATERMARK_FIELD_SEPARATOR.join(about))
        return lines


def _one_line(text: str) -> str:
    """``text`` with each run of whitespace as one space: a newline would break the band."""
    return " ".join(text.split())


@dataclass(frozen=True)
class ProcessedPhoto:
    """The stored photo: ``sha256`` (lowercase hex of ``jpeg``) is its name in the photo store."""

    jpeg: bytes = field(repr=False)
    thumbnail: bytes = field(repr=False)
    sha256: str
    width: int
    height: int


def process_photo(data: bytes, *, watermark: Watermark, settings: PhotoSettings) -> ProcessedPhoto:
    """The stored form of a photo file; raises :class:`PhotoError` if the file cannot be one."""
    image, orientation, icc_profile = _decode(data, settings)
    image = _downscale(image, settings.long_edge_px, REDUCING_GAP)
    image = _to_srgb(image, icc_profile)
    if orientation in _UPRIGHT:
        image = image.transpose(_UPRIGHT[orientation])
    _burn_in(image, watermark)
    jpeg = _encode(image, settings.jpeg_quality)
    thumbnail = _downscale(image, settings.thumbnail_px, THUMBNAIL_REDUCING_GAP)
    return ProcessedPhoto(
        jpeg=jpeg,
        thumbnail=_encode(thumbnail, settings.jpeg_quality),
        sha256=hashlib.sha256(jpeg).hexdigest(),
        width=image.width,
        height=image.height,
    )


def _decode(data: bytes, settings: PhotoSettings) -> tuple[Image.Image, int, bytes | None]:
    """The first frame in RGB, L or CMYK, at least ``long_edge_px`` on its long edge when the
    file is that big, with its EXIF orientation and embedded ICC profile. ``image.info`` is
    emptied, so no metadata (EXIF, XMP, comment, ...) can reach the encoder.
    """
    if not data:
        raise PhotoError(s.PHOTO_EMPTY)
    if len(data) > settings.max_file_bytes:
        raise file_too_large(settings.max_file_bytes)
    # The message counts in 万像素 (10⁴ pixels), as Chinese phone specifications do.
    limit = f"{settings.max_pixels / 1e4:g}"
    too_many_pixels = PhotoError(s.PHOTO_TOO_MANY_PIXELS.format(limit=limit))
    # Pillow's decoders report malformed input with a zoo of exception types (OSError for a
    # truncated file, SyntaxError, ValueError, EOFError, struct.error, ...). Everything that goes
    # wrong while Pillow reads the untrusted bytes is the file's fault, and the inspector can
    # only take or pick another photo, so all of it is one message.
    try:
        file = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
        if file.width * file.height > settings.max_pixels:
            raise too_many_pixels
        file.draft("RGB", _draft_size(file.size, settings.long_edge_px))
        file.load()
        orientation = _orientation(file)
        icc_profile = file.info.get("icc_profile")
        image = _flatten(file)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Only if the limit is above Pillow's MAX_IMAGE_PIXELS (or warnings are errors).
        raise too_many_pixels from None
    except UnidentifiedImageError:
        if _is_heif(data):
            # Not readable here (no pillow-heif), or so broken that not even its header parses.
            raise PhotoError(s.PHOTO_HEIC_UNSUPPORTED if "HEIF" not in FORMATS
                             else s.PHOTO_DAMAGED) from None
        raise PhotoError(s.PHOTO_NOT_AN_IMAGE) from None
    except Exception as e:
        raise PhotoError(s.PHOTO_DAMAGED) from e
    image.info = {}
    return image, orientation, icc_profile


def _is_heif(data: bytes) -> bool:
    """Whether ``data`` starts like a HEIC/HEIF file (whatever follows)."""
    return data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS


def _orientation(image: Image.Image) -> int:
    """The EXIF (or XMP) orientation, 1 if there is none or it cannot be read."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # noqa: BLE001 - broken EXIF raises struct.error, SyntaxError, ...
        return 1
    return orientation if isinstance(orientation, int) else 1


def _draft_size(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The target size in the file's own aspect ratio (and orientation).

    JPEG draft picks the largest scale that keeps *both* requested sides, so asking for
    ``(1600, 1600)`` from a 4000×3000 photo would keep it at full size (3000 // 1600 == 1).
    """
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten(image: Image.Image) -> Image.Image:
    """8-bit RGB, L or CMYK without transparency (transparent areas become white)."""
    if image.mode in _SIXTEEN_BIT_MODES:
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if image.has_transparency_data:
        flat = Image.new("RGBA", image.size, WHITE)
        flat.alpha_composite(image.convert("RGBA"))
        return flat.convert("RGB")
    if image.mode in ("RGB", "L", "CMYK"):
        return image
    return image.convert("RGB")


def _downscale(image: Image.Image, long_edge: int, reducing_gap: float) -> Image.Image:
    size = _draft_size(image.size, long_edge)
    if size == image.size:
        return image
    return image.resize(size, RESAMPLE, reducing_gap=reducing_gap)


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB in sRGB, the colour space a JPEG without a profile is taken to be in.

    A file's own sRGB profile (most Android phones embed one) needs no work; a broken profile,
    or one that does not fit the image's mode, is ignored rather than refusing the photo.
    """
    if icc_profile:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            if "srgb" not in ImageCms.getProfileDescription(profile).lower():
                converted = ImageCms.profileToProfile(image, profile, _srgb(), outputMode="RGB")
                assert converted is not None
                image = converted
        except (OSError, ImageCms.PyCMSError):
            pass
    return image if image.mode == "RGB" else image.convert("RGB")


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: Chinese needs no shaping, and the bytes must not depend on whether Pillow
    # was built with libraqm (the photo's name is the hash of its bytes).
    return ImageFont.truetype(str(FONT_FILE), size, layout_engine=ImageFont.Layout.BASIC)


def _fit(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """``text``, or its longest prefix that fits ``width`` with an ellipsis after it."""
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if font.getlength(text[:mid] + ELLIPSIS) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS


def _burn_in(image: Image.Image, watermark: Watermark) -> None:
    """Darken a band across the bottom of ``image`` and write the watermark on it in white.

    Only the band is cropped, darkened and drawn on, then pasted back.
    """
    lines = watermark.lines()
    font_px = max(MIN_FONT_PX, round(image.width * FONT_PER_WIDTH))
    font = _font(font_px)
    line_px = round(font_px * LINE_HEIGHT)
    pad = round(font_px * PADDING)
    band_px = min(image.height, 2 * pad + line_px * len(lines))
    top = image.height - band_px
    band = image.crop((0, top, image.width, image.height)).point(BAND_DARKEN)
    draw = ImageDraw.Draw(band)
    for i, line in enumerate(lines):
        middle = pad + i * line_px + line_px // 2
        text = _fit(line, font, image.width - 2 * pad)
        draw.text((pad, middle), text, WHITE, font, anchor="lm")
    image.paste(band, (0, top))


def _encode(image: Image.Image, quality: int) -> bytes:
    """Baseline JPEG with optimised Huffman tables and no metadata.

    Measured at 1600×1200, quality 80: optimize makes the file 1 % (the bench's textured photo)
    to 14 % (a smooth scene) smaller for 4–7 ms. Progressive takes a further 1.5–3.5 % off for
    11–30 ms more; a photo is read whole from local storage, never shown while it downloads, so
    baseline it is.
    """
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
