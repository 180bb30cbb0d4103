"""The PDFs a record may name (issue 27): materials an enterprise submitted for a 书面检查 and a
laboratory's report. One check on the phone, before a PDF is hashed into a record, and on the
platform, before it is stored: a record never names a file the platform would refuse.

A PDF is read, never rendered: its header, its cross-reference table and page tree (pypdf, pure
Python), and nothing that runs. Refused: what does not start ``%PDF-``, a file cut short (no
``%%EOF`` near its end), one whose structure does not parse, an encrypted one (nobody could read
it without its password: ask the enterprise for an open copy), one with no page, or more than
``MAX_PDF_PAGES``. The size is bounded before this by whoever receives the bytes.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_PDF_PAGES = 500
"""The most pages a submitted PDF may have: a thick 台账 scanned whole, and a bound on the work of
reading its page tree."""
PDF_MAGIC = b"%PDF-"


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` claims to be a PDF (its first bytes); ``pdf_problem`` says if it is one."""
    return data.startswith(PDF_MAGIC)


def pdf_problem(data: bytes) -> str | None:
    """Why ``data`` is not a PDF a record can name (Chinese), or None when it is one."""
    if not is_pdf(data):
        return "文件不是PDF"
    if b"%%EOF" not in data[-2048:]:
        return "PDF文件不完整（可能传输中断或被截断），请重新获取完整文件"
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # a damaged file's warnings are our refusal, not log noise
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "PDF文件已加密，无法查看：请企业提供未加密的文件"
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError):
        return "PDF文件已损坏，无法读取，请重新获取文件"
    finally:
        logger.setLevel(level)
    if pages == 0:
        return "PDF文件没有页面"
    if pages > MAX_PDF_PAGES:
        return f"PDF文件页数过多（{pages}页，上限{MAX_PDF_PAGES}页）：请拆分后分别上传"
    return None
