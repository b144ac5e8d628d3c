"""Cross-origin policy: reads are public, writes only from RTRW_API_WRITE_ORIGINS.

Two Starlette CORS policies behind one middleware, chosen per request (for a preflight, by
the method and headers it asks for):

- read (RTRW_API_CORS_ORIGINS, `*` by default): GET and HEAD, and POST to a route that needs
  no key (the public checks done with POST: /zoning/check, /zoning/check/batch,
  /reports/zoning.pdf). Which POST routes are public is read from the app's OpenAPI (no
  `security` on the operation), so a new route behind `Staff`/`Admin` is a write without
  anyone updating a list.
- write (RTRW_API_WRITE_ORIGINS, none by default): everything else, and any request that
  carries (or asks to send) an Authorization header.

A browser always preflights a write (it sends Authorization, a non-safelisted header), so a
site not on the list never gets to send one; curl, scripts and same-origin pages are not
affected by CORS at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

READ_METHODS = ("GET", "HEAD", "POST")  # POST only where public_posts() says so
WRITE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
MAX_AGE_S = 600


def public_posts(openapi: dict[str, Any]) -> list[re.Pattern[str]]:
    """Return the path patterns of POST operations that need no key (no `security`).

    Read from the app's OpenAPI, where the `Staff`/`Admin` dependencies put `bearerAuth`.
    """
    return [
        compile_path(path)[0]
        for path, ops in openapi.get("paths", {}).items()
        if "post" in ops and not ops["post"].get("security")
    ]


class SplitCORS:
    """ASGI middleware: the read policy for public requests, the write policy for the rest."""

    def __init__(
        self, app: ASGIApp, read_origins: Sequence[str], write_origins: Sequence[str]
    ) -> None:
        self.app = app
        self.read = CORSMiddleware(
            app, allow_origins=read_origins, allow_methods=READ_METHODS, max_age=MAX_AGE_S
        )
        self.write = CORSMiddleware(
            app,
            allow_origins=write_origins,
            allow_methods=WRITE_METHODS,
            allow_headers=["Authorization"],
            max_age=MAX_AGE_S,
        )
        self._public: list[re.Pattern[str]] | None = None  # read from the app on the first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through the read policy or the write policy."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.read if self.is_read(scope) else self.write
        await policy(scope, receive, send)

    def is_read(self, scope: Scope) -> bool:
        """Return True when the request (or the one a preflight announces) is a public read."""
        headers = Headers(scope=scope)
        method = scope["method"]
        if method == "OPTIONS" and "access-control-request-method" in headers:
            method = headers["access-control-request-method"].strip().upper()
            asked = headers.get("access-control-request-headers", "")
            with_key = "authorization" in {h.strip().lower() for h in asked.split(",")}
        else:
            with_key = "authorization" in headers
        if with_key:
            return False
        if method in ("GET", "HEAD"):
            return True
        return method == "POST" and self.is_public_post(scope)

    def is_public_post(self, scope: Scope) -> bool:
        """Return True when the path is that of a POST operation needing no key."""
        if self._public is None:
            self._public = public_posts(scope["app"].openapi())
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return any(pattern.match(path) for pattern in self._public)
