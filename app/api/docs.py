"""GET /docs (Swagger UI) and /redoc (ReDoc) from the service's own copies, and the /static mount.

The pages' scripts, styles and favicon come from app/static/vendor (scripts/vendor-assets.sh),
so the API documentation works without reaching any CDN.
"""

import os
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_VENDOR_PREFIX = str(STATIC_DIR / "vendor") + os.sep
STATIC_URL = "/static"
VENDOR_URL = f"{STATIC_URL}/vendor"

# Vendored files keep their name across versions, so a day's caching (then revalidation by
# ETag / Last-Modified) is the longest that still lets an update reach browsers soon.
VENDOR_CACHE_CONTROL = "public, max-age=86400"
OTHER_CACHE_CONTROL = "no-cache"

router = APIRouter(include_in_schema=False)


class CachedStaticFiles(StaticFiles):
    """StaticFiles that adds Cache-Control: a day for vendor/, revalidate for the rest."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Return the file (or 304) response with its Cache-Control header."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        vendored = os.fspath(full_path).startswith(_VENDOR_PREFIX)
        response.headers["Cache-Control"] = (
            VENDOR_CACHE_CONTROL if vendored else OTHER_CACHE_CONTROL
        )
        return response


def static_files() -> CachedStaticFiles:
    """Return the ASGI app that serves app/static at STATIC_URL."""
    return CachedStaticFiles(directory=STATIC_DIR)


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Return the Swagger UI page, loading only the service's own files."""
    app = request.app
    root = _root(request)
    redirect = app.swagger_ui_oauth2_redirect_url
    return get_swagger_ui_html(
        openapi_url=root + app.openapi_url,
        title=f"{app.title} - Swagger UI",
        swagger_js_url=f"{root}{VENDOR_URL}/swagger-ui-dist/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{VENDOR_URL}/swagger-ui-dist/swagger-ui.css",
        swagger_favicon_url=f"{root}{VENDOR_URL}/swagger-ui-dist/favicon-32x32.png",
        oauth2_redirect_url=root + redirect if redirect else None,
        init_oauth=app.swagger_ui_init_oauth,
        # no validator badge: Swagger UI would otherwise ask validator.swagger.io about the spec
        swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
    )


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    """Return the page Swagger UI's OAuth2 flow comes back to."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """Return the ReDoc page, loading only the service's own files (no Google Fonts)."""
    app = request.app
    root = _root(request)
    return get_redoc_html(
        openapi_url=root + app.openapi_url,
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{root}{VENDOR_URL}/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{root}{VENDOR_URL}/swagger-ui-dist/favicon-32x32.png",
        with_google_fonts=False,
    )
