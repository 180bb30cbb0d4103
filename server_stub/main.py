"""Builds the platform server's ASGI app.

``create_app`` touches no schema: ``serve`` migrates the embedded SQLite default (or finds a
server database migrated, by ``python -m server_stub migrate``) once, before any worker starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import sqlalchemy as sa
from fastapi import FastAPI

from server_stub.api.errors import document_validation_errors, install_error_handlers
from server_stub.api.headers import install_security_headers
from server_stub.api.html_errors import install_html_errors
from server_stub.api.limits import BodyLimits, body_limit
from server_stub.api.routes import (
    audit,
    devices,
    directory,
    enrollment,
    enterprises,
    feedback,
    followups,
    lists,
    log,
    pages,
    partners,
    photos,
    plans,
    province,
    record_check,
    records,
    recusals,
    reports,
    results,
    review,
    stats,
    tasks,
    verify,
)
from server_stub.core.admin_token import admin_token
from server_stub.core.config import Settings
from server_stub.core.db import DB_SLOTS, make_engine
from server_stub.core.server_key import load_or_create_server_key
from server_stub.publication.aggregates import Folder
from server_stub.publication.province import Pusher, push_settings
from server_stub.records.photo_store import open_photo_store


def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    """The server for ``settings`` (from the environment when omitted) over a migrated database;
    with no arguments, the factory each worker process of ``serve --workers N`` calls. The routes
    read the settings through ``api.deps.SettingsDep``."""
    settings = settings or Settings.from_env()
    app = FastAPI(title="掌上查平台 API", version="1.0", lifespan=_pushing)
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.db_slots = anyio.Semaphore(DB_SLOTS)
    app.state.admin_token = admin_token(settings.data_dir, settings.admin_token_value)
    app.state.server_key = load_or_create_server_key(settings.data_dir)
    app.state.photo_store = open_photo_store(settings)
    app.add_middleware(BodyLimits, limit_for=lambda method, path: body_limit(
        method, path, settings.max_photo_bytes))
    install_error_handlers(app)
    install_html_errors(app)
    install_security_headers(app)
    document_validation_errors(app)
    # The sync's routes first: a request walks the routers in this order to find its route, and
    # a crowd of phones calls those (issue 29 point 3).
    for routes in (photos, records, tasks, directory, audit, plans, partners, lists, enrollment, enterprises, review,
                   feedback, followups, stats, reports, devices, results, log, verify, record_check, recusals, province,
                   pages):
        app.include_router(routes.router)
    return app


@asynccontextmanager
async def _pushing(app: FastAPI) -> AsyncIterator[None]:
    """While the process serves, its folder folds the dashboard's deltas every minute, and its
    pusher sends the outbox to the provincial platform, when
    ``ZSC_PROVINCE_ENDPOINT`` is set (issue 27 point 5); each worker process has its own, and
    the outbox's leases keep them from sending one row at once."""
    pushing = push_settings(app.state.settings)
    pusher = Pusher(app.state.engine, pushing) if pushing else None
    if pusher:
        pusher.start()
    folder = Folder(app.state.engine)  # the dashboard's aggregates (issue 29 point 4)
    folder.start()
    try:
        yield
    finally:
        folder.stop()
        if pusher:
            pusher.stop()
