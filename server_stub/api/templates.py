"""The public pages' HTML, from Jinja2 templates in ``server_stub/templates`` with autoescaping:
every value is escaped for where it lands (text, attribute), and URLs are built with
``urlencode``, never by hand. Times are printed in China time (``china_time``)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from sync import china_time

ENVIRONMENT = Environment(loader=PackageLoader("server_stub", "templates"),
                          autoescape=select_autoescape(("html",)))
ENVIRONMENT.filters["china_time"] = china_time


def render(name: str, *, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """The template ``name`` filled with ``context``, as an HTML answer."""
    return HTMLResponse(ENVIRONMENT.get_template(name).render(**context), status_code=status,
                        headers=headers)
