"""Absolute URLs the API writes: from RTRW_MAPS_PUBLIC_BASE_URL when set, else the request's.

Every absolute link (TileJSON tile URLs, paging links, report permalinks) goes through
`public_base` or `public_url`, so a client that reached the service at 127.0.0.1:8123 gets
links on 127.0.0.1:8123, and a service behind a proxy with a public address set gets that.
"""

from fastapi import Request
from starlette.datastructures import URL

from app.settings import Settings


def configured_base(request: Request) -> str | None:
    """Return RTRW_MAPS_PUBLIC_BASE_URL (no trailing slash), or None when it is unset."""
    settings: Settings = request.app.state.settings
    return settings.maps.public_base_url


def public_base(request: Request) -> str:
    """Return the base URL absolute links start with, ending in '/'.

    The configured public base URL when set, else the request's own scheme, host and
    root path.
    """
    configured = configured_base(request)
    return configured + "/" if configured else str(request.base_url)


def public_url(request: Request, url: URL | None = None) -> str:
    """Return `url` (default the request's own) as an absolute URL on the public base."""
    url = request.url if url is None else url
    configured = configured_base(request)
    own_base = str(request.base_url)
    text = str(url)
    if not configured or not text.startswith(own_base):
        return text
    return configured + "/" + text[len(own_base) :]


def page_links(
    request: Request, offset: int, limit: int, has_next: bool, media_type: str
) -> list[dict[str, str]]:
    """Return the `self` link of a listing and, when another page follows, the `next` one."""
    links = [{"rel": "self", "href": public_url(request), "type": media_type}]
    if has_next:
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"rel": "next", "href": public_url(request, nxt), "type": media_type})
    return links
