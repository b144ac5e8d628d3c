"""/docs and /redoc load only the service's own files, and /static serves them with caching."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

CONTENT_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".png": {"image/png"},
    ".svg": {"image/svg+xml"},
}
# an absolute or protocol-relative URL inside inline script text
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s'"<>]*""", re.IGNORECASE)
QUOTED_PATH = re.compile(r"""['"](/[^'"\s]*)['"]""")


class _Page(HTMLParser):
    """Collect every src/href attribute and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append(data)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The app without its lifespan: these pages never touch the database."""
    yield TestClient(create_app())


def _page(client: TestClient, path: str) -> _Page:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(response.text)
    return page


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_page_references_only_same_origin_urls(client: TestClient, path: str) -> None:
    page = _page(client, path)
    assert page.urls, "the page names its script and stylesheet"
    for url in page.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), f"{path} references {url}"
        assert url.startswith("/"), url
    for script in page.scripts:
        assert ABSOLUTE_URL.findall(script) == [], f"{path} inline script names another host"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_every_referenced_asset_is_served(client: TestClient, path: str) -> None:
    page = _page(client, path)
    static = [u for u in page.urls if u.startswith("/static/")]
    assert any(u.endswith(".js") for u in static)
    for url in static:
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = url[url.rfind(".") :]
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type in CONTENT_TYPES[suffix], f"{url}: {media_type}"
        assert response.headers["cache-control"] == "public, max-age=86400"
        assert len(response.content) > 0
    for script in page.scripts:  # '/openapi.json', '/docs/oauth2-redirect'
        for quoted in QUOTED_PATH.findall(script):
            assert client.get(quoted).status_code == 200, quoted


def test_docs_use_the_vendored_bundle_and_no_validator(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui-dist/swagger-ui.css" in html
    assert '"validatorUrl": null' in html
    assert "url: '/openapi.json'" in html


def test_redoc_uses_the_vendored_bundle_without_google_fonts(client: TestClient) -> None:
    html = client.get("/redoc").text
    assert '<script src="/static/vendor/redoc/redoc.standalone.js">' in html
    assert "fonts.googleapis" not in html
    assert 'spec-url="/openapi.json"' in html


def test_oauth2_redirect_page(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "swaggerUIRedirectOauth2" in response.text


def test_root_path_prefixes_every_url() -> None:
    """Behind a proxy at /rtrw, the pages name /rtrw/static/... and /rtrw/openapi.json."""
    prefixed = TestClient(create_app(), root_path="/rtrw")
    for path in ("/docs", "/redoc"):
        page = _page(prefixed, path)
        assert all(u.startswith("/rtrw/") for u in page.urls), page.urls
    assert "'/rtrw/openapi.json'" in prefixed.get("/docs").text


def test_html_routes_stay_out_of_the_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc", "/static"))]


def test_static_missing_files_and_escapes(client: TestClient) -> None:
    assert client.get("/static/vendor/leaflet/nope.js").status_code == 404
    assert client.get("/static/vendor/../../main.py").status_code == 404
    versions = client.get("/static/vendor/VERSIONS.txt")
    assert versions.status_code == 200
    assert versions.headers["content-type"].startswith("text/plain")


def test_not_modified_keeps_cache_control(client: TestClient) -> None:
    url = "/static/vendor/leaflet/leaflet.css"
    etag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=86400"


ORIGIN = "http://rtrw.test"


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1:has-text('RTRW')")],
)
def test_page_renders_in_a_browser_without_leaving_the_service(
    client: TestClient, path: str, rendered: str, chromium
) -> None:
    """Chromium renders the page from the app alone; a request to any other host is recorded."""
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def serve(route: "sync_api.Route") -> None:
        url = route.request.url
        if not url.startswith(ORIGIN + "/"):
            outside.append(url)
            route.abort()
            return
        response = client.get(url[len(ORIGIN) :])
        if response.status_code != 200:
            failed.append(url)
        route.fulfill(
            status=response.status_code, body=response.content, headers=dict(response.headers)
        )

    page = chromium.new_page()  # one browser per module (tests/conftest.py)
    try:
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/*", serve)
        page.goto(ORIGIN + path, wait_until="load")
        page.wait_for_selector(rendered, timeout=30_000)
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    assert outside == []
    assert failed == []
    assert errors == []


def test_redoc_bundle_is_patched_not_to_load_its_logo(client: TestClient) -> None:
    """ReDoc 2 fetches its side-menu logo from cdn.redoc.ly; the vendored copy does not."""
    bundle = client.get("/static/vendor/redoc/redoc.standalone.js").text
    assert "cdn.redoc.ly" not in bundle
    assert "API docs by Redocly" in bundle
