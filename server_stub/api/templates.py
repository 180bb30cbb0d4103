"""The public pages' HTML, from Jinja2 templates in ``server_stub/templates`` with autoescaping:
every value is escaped for where it lands (text, attribute), and URLs are built with
``urlencode``, never by hand. Times are printed in China time (``china_time``). A page's
``@font-face`` rules name the font cut to that page's characters (``fonts``)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from server_stub.api import fonts
from sync import china_time

ENVIRONMENT = Environment(loader=PackageLoader("server_stub", "templates"),
                          autoescape=select_autoescape(("html",)))
ENVIRONMENT.filters["china_time"] = china_time


def render(name: str, *, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """The template ``name`` filled with ``context``, as an HTML answer; the first
    ``fonts.SENTINEL`` (``base.html``'s, in the head before anything filled in) becomes the
    page's ``@font-face`` rules."""
    page = ENVIRONMENT.get_template(name).render(**context)
    if fonts.SENTINEL in page:
        page = page.replace(fonts.SENTINEL, fonts.font_faces(page), 1)
    return HTMLResponse(page, status_code=status, headers=headers)
