"""`create_app()`: the one FastAPI application serving the API, the pages and the sell screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import text

from comptoir import __version__
from comptoir.api import catalog as catalog_api
from comptoir.api import catalog_entities as catalog_entities_api
from comptoir.api import consignment_writes as consignment_writes_api
from comptoir.api import consignments as consignments_api
from comptoir.api import customers as customers_api
from comptoir.api import discount_approvals as discount_approvals_api
from comptoir.api import legacy as legacy_api
from comptoir.api import legacy_sales as legacy_sales_api
from comptoir.api import printing as printing_api
from comptoir.api import products21 as products21_api
from comptoir.api import registers as registers_api
from comptoir.api import returns as returns_api
from comptoir.api import sale_states as sale_states_api
from comptoir.api import sales as sales_api
from comptoir.api import store as store_api
from comptoir.api import store_credits as store_credits_api
from comptoir.api import switching as switching_api
from comptoir.api import terminal_payments as terminal_payments_api
from comptoir.api import users as users_api
from comptoir.core.db import Database, open_database
from comptoir.core.outbox import Dispatcher, EmbeddedWorker
from comptoir.core.settings import Settings, get_settings
from comptoir.fiscal import events as fiscal_events
from comptoir.fiscal import journal as fiscal_journal
from comptoir.http.docs import install_docs
from comptoir.http.errors import install_error_handlers
from comptoir.http.methods import install_allowed_methods
from comptoir.http.openapi import install_openapi
from comptoir.http.security import install_host_check, install_security_headers
from comptoir.outbox_handlers import install_outbox_handlers
from comptoir.web import install as install_web


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    owns_database = database is None
    db = database or open_database(
        settings.database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        checkpoint_every_s=settings.sqlite_checkpoint_seconds,
    )
    # Without a key (no `comptoir init` yet) the server runs but refuses to record sales.
    fiscal_journal.sign_with_key_directory(db, settings.fiscal_key_dir)
    handlers = install_outbox_handlers(db, settings)  # the same as `comptoir worker`'s

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = EmbeddedWorker(Dispatcher(db, handlers)) if settings.embedded_worker else None
        if worker is not None:
            worker.start()
        fiscal_events.server_started(db, settings.fiscal_key_dir)
        try:
            yield
        finally:
            fiscal_events.server_stopped(db)
            if worker is not None:
                worker.stop()
            if owns_database:
                db.dispose()

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="Comptoir",
        version=__version__,
        description="Retail point of sale and back office; X-Series compatible API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    install_error_handlers(app)
    install_allowed_methods(app)
    install_host_check(app, settings.trusted_hosts())
    install_security_headers(app)  # added last, so outermost: on the Host check's 400 too
    install_openapi(app)
    install_docs(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        with db.read_sessions() as session:
            session.execute(text("SELECT 1"))
        return PlainTextResponse("ok")

    app.include_router(store_api.router)
    app.include_router(registers_api.router)
    app.include_router(catalog_api.router)
    app.include_router(customers_api.router)
    app.include_router(catalog_entities_api.router)
    app.include_router(products21_api.router)
    app.include_router(sales_api.router)
    app.include_router(sale_states_api.router)
    app.include_router(returns_api.router)
    app.include_router(store_credits_api.router)
    app.include_router(legacy_sales_api.router)
    app.include_router(legacy_api.router)
    app.include_router(users_api.router)
    app.include_router(switching_api.router)
    app.include_router(discount_approvals_api.router)
    app.include_router(printing_api.router)
    app.include_router(terminal_payments_api.router)
    app.include_router(consignments_api.router)
    app.include_router(consignment_writes_api.router)
    install_web(app)
    return app
