"""Interactive API docs served from the installed Swagger UI package: no CDN, no inline script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

_INIT = Path(__file__).parent / "docs_init.js"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Comptoir API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs-init.js"></script>
</body></html>"""


def install_docs(app: FastAPI) -> None:
    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    @app.get("/docs-init.js", include_in_schema=False)
    def docs_init() -> HTMLResponse:
        return HTMLResponse(_INIT.read_text(), media_type="text/javascript")
