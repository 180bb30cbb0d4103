"""Small JPEGs of stored photos, for a reviewer's list on a phone.

A record's photos are ~400 KB each at full size; over mobile data a supervisor opening a record
with ten of them would wait for 4 MB before seeing anything. The list shows thumbnails of a few
KB made here, and the original is fetched only when tapped.
"""

from __future__ import annotations

import io

from PIL import Image

THUMBNAIL_QUALITY = 80


def thumbnail(jpeg: bytes, long_edge: int) -> bytes:
    """``jpeg`` shrunk to at most ``long_edge`` pixels on its long side (never enlarged).

    Pillow's ``thumbnail`` decodes a JPEG at a reduced scale first (draft mode), so a 1600-pixel
    photo costs a fraction of a full decode. Raises ``OSError`` when the bytes do not decode (not
    an image, cut short, damaged), whatever Pillow raised: its decoders also raise ``ValueError``,
    ``SyntaxError``, ``struct.error``... on broken input, and a caller needs one kind to catch.
    """
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
            small = image.convert("RGB")
    except OSError:
        raise
    except Exception as e:  # see above
        raise OSError(f"the image does not decode: {e!r}") from e
    out = io.BytesIO()
    small.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
