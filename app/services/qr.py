"""The 亮码 QR code (DESIGN §7): the verification URL of a task's signed code, as a PNG."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def verification_url(server_url: str, code_token: str) -> str:
    """What the enterprise's phone opens: the platform's page that verifies the token."""
    return f"{server_url.rstrip('/')}/v/{code_token}"


def qr_png(text: str, box_size: int = 8) -> bytes:
    """``text`` as a black-on-white QR code PNG with the standard four-module quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(text)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out)
    return out.getvalue()
