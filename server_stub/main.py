"""Builds the platform server's ASGI app."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI

from .admin import admin_token
from .api.routes import directory, pages, plans
from .config import Settings
from .db import make_engine, migrate
from .errors import install_error_handlers


def create_app(settings: Settings | None = None, engine: sa.Engine | None = None) -> FastAPI:
    """The server for ``settings`` (from the environment when omitted), schema migrated."""
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    migrate(engine)
    app = FastAPI(title="掌上查平台 API", version="1.0")
    app.state.settings = settings
    app.state.engine = engine
    app.state.admin_token = admin_token(settings.data_dir)
    install_error_handlers(app)
    app.include_router(directory.router)
    app.include_router(plans.router)
    app.include_router(pages.router)
    return app
