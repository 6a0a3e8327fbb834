"""Server-rendered pages and the sell screen."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    from comptoir.web.routes import install_routes

    install_routes(app)
