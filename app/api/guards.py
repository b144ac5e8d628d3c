r"""Control characters are refused before any route sees them (one ASGI middleware).

PostgreSQL text cannot hold NUL, and no code, name or search holds a control character, so:

- a path or query parameter holding any C0 control character (NUL, tab, newline, ...) or DEL
  is refused, percent-encoded or not;
- a JSON body (any content type but multipart and form posts) holding NUL anywhere, raw or
  as the escape \u0000, is refused; tab and newline stay allowed inside JSON strings, where a
  field may hold text.

The answer is the usual 422 error body (`invalid_request` for a parameter, `invalid_parameter`
for a body), naming the parameter or the body field in `errors[].loc`. Every route, present
and future, is covered because the middleware sits in front of routing; the OpenAPI says the
same (`document_plain_text`: a pattern on each string parameter and body string that has
none), so clients and the contract test know.

Cost: a plain tile from the memory cache is answered by WarmTiles before this middleware; any
other request pays one regex over its path and query string (and a scan of a JSON body).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import status_for
from app.errors import VALIDATION_ID, InvalidParameter, InvalidRequest
from app.schemas.fields import CONTROL_ERROR, PLAIN_PATTERN

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A raw query string: a control byte as it is, or percent-encoded (%00-%1F, %7F)
CONTROL_QUERY = re.compile(rb"[\x00-\x1f\x7f]|%(?:[01][0-9A-Fa-f]|7[Ff])")
# A JSON body: a raw NUL, or a \u0000 escape whose backslash is not itself escaped
JSON_NUL = re.compile(rb"\x00|(?<!\\)(?:\\\\)*\\u0000")
NO_NUL_PATTERN = r"^[^\x00]*$"  # a JSON body string: anything but NUL
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOCATE_MAX_BYTES = 1_000_000  # a body up to this size is parsed to name the field with a NUL

_CONTROL_EN = CONTROL_ERROR[1]
_CONTROL_ID = VALIDATION_ID[CONTROL_ERROR[0]]
_NUL_EN = "must not contain the NUL character (\\u0000)"
_NUL_ID = "tidak boleh memuat karakter NUL (\\u0000)"


def _shown(part: str | int) -> str | int:
    r"""Return a loc part as the answer may show it: control characters as \uXXXX escapes."""
    if isinstance(part, int):
        return part
    return CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", part)


def _refusal(found: list[str | int], en: str, id_: str) -> JSONResponse:
    """Return the 422 answer for one offending parameter or body field.

    A path or query parameter is `invalid_request`, as the OpenAPI's patterns say; a JSON
    body is `invalid_parameter`, since a free-form object (a GeoJSON geometry, an audit
    target) cannot say in its schema that no key or string in it may hold NUL.
    """
    loc = [_shown(part) for part in found]  # a key may hold the very character refused
    where = ".".join(str(p) for p in loc[1:]) or str(loc[0])
    kind = InvalidParameter if loc[0] == "body" else InvalidRequest
    exc = kind(
        f"{where}: {en}",
        message_id=f"Permintaan tidak valid: {where}: {id_}",
        errors=[{"loc": loc, "msg": en, "type": CONTROL_ERROR[0]}],
    )
    body = {
        "error": exc.code,
        "detail": exc.message,
        "message": {"id": exc.message_id, "en": exc.message},
        **exc.extra,
    }
    return JSONResponse(body, status_for(exc))


def _path_loc(scope: Scope) -> list[str | int]:
    """Return the loc of the path parameter holding a control character, found by matching
    the path against the OpenAPI's path templates (["path"] when none matches)."""
    path = scope["path"]
    for template in scope["app"].openapi().get("paths", {}):
        parts = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, ...
        rx = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        match = re.fullmatch(rx, path)
        if match is not None:
            for name, value in match.groupdict().items():
                if CONTROL.search(value):
                    return ["path", name]
    return ["path"]


def _query_loc(query: bytes) -> list[str | int]:
    """Return the loc of the first query parameter whose name or value holds a control char."""
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if CONTROL.search(name) or CONTROL.search(value):
            return ["query", name]
    return ["query"]


def _nul_path(value: Any, path: list[str | int]) -> list[str | int] | None:
    """Return the path inside parsed JSON to the first key or string holding NUL, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items: Iterator[tuple[str | int, Any]]
    if isinstance(value, dict):
        for key in value:
            if "\x00" in key:
                return [*path, key]
        items = iter(value.items())
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _nul_path(item, [*path, key])
        if found is not None:
            return found
    return None


def _carry(data: bytes) -> bytes:
    r"""Return the end of `data` that may begin a \u0000 escape the next chunk completes: the
    last backslash run within the final six bytes (cut to its parity) and what follows it."""
    last = data.rfind(b"\\", max(0, len(data) - 6))
    if last < 0:
        return b""
    run = last + 1 - len(data[: last + 1].rstrip(b"\\"))
    return (b"\\" if run % 2 else b"\\\\") + data[last + 1 :]


def _is_json(scope: Scope) -> bool:
    """Return whether the body would be read as JSON (any type but forms; none counts)."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media not in (b"multipart/form-data", b"application/x-www-form-urlencoded")
    return True


class RefuseControlCharacters:
    """ASGI middleware: 422 for control characters in the path or query, NUL in a JSON body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 422 for a control character in the path or query; else pass the request on,
        its JSON body watched for NUL."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if CONTROL.search(scope["path"]):
            loc = _path_loc(scope)
            await _refusal(loc, _CONTROL_EN, _CONTROL_ID)(scope, receive, send)
            return
        if scope["query_string"] and CONTROL_QUERY.search(scope["query_string"]):
            loc = _query_loc(scope["query_string"])
            await _refusal(loc, _CONTROL_EN, _CONTROL_ID)(scope, receive, send)
            return
        if scope["method"] not in BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        await self._guard_body(scope, receive, send)

    # Long by design (C901): one receive/send exchange: the scan and its 422 share state.
    async def _guard_body(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: C901
        """Pass the body through while scanning it; on a NUL, end it for the route (a
        disconnect), drop whatever the route answers and answer the 422 instead."""
        scan = _BodyScan()

        async def scanned() -> Message:
            if scan.found:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk: bytes = message.get("body", b"")
            scan.size += len(chunk)
            if scan.size <= LOCATE_MAX_BYTES:
                scan.seen.append(chunk)
            if JSON_NUL.search(scan.carry + chunk):
                scan.found = True
                if message.get("more_body") and scan.size <= LOCATE_MAX_BYTES:
                    scan.seen.extend(await _rest(receive, LOCATE_MAX_BYTES - scan.size))
                return {"type": "http.disconnect"}
            scan.carry = _carry(chunk)
            return message

        async def sent(message: Message) -> None:
            if scan.found and not scan.started:
                return  # the route's answer to a body it never saw whole: ours replaces it
            if message["type"] == "http.response.start":
                scan.started = True
            await send(message)

        try:
            await self.app(scope, scanned, sent)
        except Exception:
            if not scan.found or scan.started:
                raise
        if scan.found and not scan.started:
            loc = _body_loc(b"".join(scan.seen))
            await _refusal(loc, _NUL_EN, _NUL_ID)(scope, receive, send)


@dataclass
class _BodyScan:
    """How far a body's scan got: the bytes kept, the possible escape start, what was found."""

    seen: list[bytes] = field(default_factory=list)  # kept while small enough to locate in
    carry: bytes = b""
    size: int = 0
    found: bool = False  # a NUL: the route gets a disconnect, the client our 422
    started: bool = False  # the route's answer went out (before any NUL was found)


async def _rest(receive: Receive, budget: int) -> list[bytes]:
    """Return the rest of the body (to locate the NUL in), at most `budget` bytes of it."""
    chunks: list[bytes] = []
    while budget >= 0:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        budget -= len(chunk)
        if not message.get("more_body"):
            return chunks
    return []  # too large (or cut off): the error names the body, not the field


def _body_loc(data: bytes) -> list[str | int]:
    """Return ["body", ...the path to the first string holding NUL] (["body"] if unknown)."""
    try:
        found = _nul_path(json.loads(data), ["body"])
    except ValueError:
        return ["body"]
    return found or ["body"]


def _add_pattern(schema: Any, pattern: str) -> None:
    """Give every string schema below `schema` that says nothing of its content `pattern`."""
    if isinstance(schema, list):
        for item in schema:
            _add_pattern(item, pattern)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not (
        {"pattern", "enum", "const", "format"} & schema.keys()
    ):
        schema["pattern"] = pattern
    for key, value in schema.items():
        if key not in ("examples", "example", "default", "enum", "const"):
            _add_pattern(value, pattern)


def document_plain_text(app: FastAPI) -> None:
    """Make the app's OpenAPI say what RefuseControlCharacters refuses: string parameters
    get PLAIN_PATTERN (no control characters), body strings NO_NUL_PATTERN (no NUL)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for ops in schema.get("paths", {}).values():
                for op in ops.values():
                    for param in op.get("parameters", []):
                        if param.get("in") in ("path", "query"):
                            _add_pattern(param.get("schema"), PLAIN_PATTERN)
                    _add_pattern(op.get("requestBody"), NO_NUL_PATTERN)
            _add_pattern(schema.get("components", {}).get("schemas", {}), NO_NUL_PATTERN)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
