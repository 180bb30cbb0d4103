"""The public pages' HTML, from Jinja2 templates in ``server_stub/templates`` with autoescaping:
every value is escaped for where it lands (text, attribute), and URLs are built with
``urlencode``, never by hand."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

ENVIRONMENT = Environment(loader=PackageLoader("server_stub", "templates"),
                          autoescape=select_autoescape(("html",)))


def render(name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` filled with ``context``, as an HTML answer."""
    return HTMLResponse(ENVIRONMENT.get_template(name).render(**context), status_code=status)
