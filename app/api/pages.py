"""HTML pages: the public map (/ and /peta), the staff embed (/embed/map), and what makes the
map installable on a phone (/manifest.webmanifest, /sw.js)."""

from pathlib import Path
from typing import Annotated

import shapely.geometry
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from app.api.deps import BBox, Db, RegionCode
from app.errors import InvalidParameter
from app.services.catalog import admin
from app.services.maps.page import PageOptions, build_page, map_config

router = APIRouter(include_in_schema=False)
APP_STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "app"
Lang = Annotated[str, Query(pattern="^(id|en)$", description="id (default) or en")]


def _options(request: Request, **kw: object) -> PageOptions:
    maps = request.app.state.settings.maps
    return PageOptions(
        basemap=maps.basemap_url,
        basemap_attribution=maps.basemap_attribution,
        **kw,  # type: ignore[arg-type]
    )


def _html(text: str) -> HTMLResponse:
    return HTMLResponse(text, headers={"Cache-Control": "no-cache"})


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: Db, lang: Lang = "id", region: RegionCode = None) -> HTMLResponse:
    """The public map."""
    config = db.run(map_config, db.books, region)
    return _html(build_page(config, _options(request, lang=lang)))


@router.get("/peta", response_class=HTMLResponse)
def peta(request: Request, db: Db, lang: Lang = "id", region: RegionCode = None) -> HTMLResponse:
    """The public map; its query string (c, z, l, pt, parcel, kbli, lang) is its state."""
    return home(request, db, lang, region)


@router.get("/embed/map", response_class=HTMLResponse)
def embed_map(
    request: Request,
    db: Db,
    bbox: BBox,
    layers: Annotated[
        str | None, Query(max_length=2000, description="layer names to show, comma-separated")
    ] = None,
    desa: Annotated[
        str | None, Query(max_length=40, description="frame this desa (Kemendagri code)")
    ] = None,
    highlight: Annotated[
        str | None, Query(max_length=2000, description="admin codes to outline, comma-separated")
    ] = None,
    legend: Annotated[int, Query(ge=0, le=1)] = 1,
    themes: Annotated[
        str | None,
        Query(
            pattern=r"^(projects|budget|budget_kec|ppid)(,(projects|budget|budget_kec|ppid))*$",
            description="budget and PPID layers to show: projects, budget, budget_kec, ppid",
        ),
    ] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="budget year")] = None,
    lang: Lang = "id",
    region: RegionCode = None,
) -> HTMLResponse:
    """A map for an iframe: no page chrome, framed on `bbox` or a desa, with a legend."""
    config = db.run(map_config, db.books, region)
    names = [n.strip() for n in layers.split(",") if n.strip()] if layers else None
    known = {ly["name"] for ly in [*config["layers"], *config.get("rasters", [])]}
    unknown = sorted(set(names or ()) - known)
    if unknown:
        raise InvalidParameter(
            f"unknown layer(s): {', '.join(unknown)}; the layers are: {', '.join(sorted(known))}",
            message_id=f"lapisan tidak dikenal: {', '.join(unknown)}; "
            f"lapisan yang ada: {', '.join(sorted(known))}",
        )
    marks = [c.strip() for c in highlight.split(",") if c.strip()] if highlight else []
    frame = bbox
    if desa:
        area = db.run(admin.get_area, desa, frame is None)  # the outline only to frame it
        marks.append(area["code"])
        if frame is None:
            frame = tuple(shapely.geometry.shape(area["geometry"]).bounds)
    bounds = config["region"]["bounds"]
    if bbox is not None and bounds and not _overlaps(bbox, bounds):
        raise InvalidParameter(
            f"bbox {','.join(f'{v:g}' for v in bbox)} lies outside the region "
            f"({','.join(f'{v:.4f}' for v in bounds)})",
            message_id=f"bbox {','.join(f'{v:g}' for v in bbox)} berada di luar wilayah "
            f"({','.join(f'{v:.4f}' for v in bounds)})",
        )
    opts = _options(
        request,
        embed=True,
        layers=names,
        bbox=frame,
        highlight=marks,
        legend=bool(legend),
        lang=lang,
        themes=themes.split(",") if themes else [],
        theme_year=year,
    )
    return _html(build_page(config, opts))


def _overlaps(a: tuple[float, ...] | list[float], b: tuple[float, ...] | list[float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    """The web app manifest: the map can be installed on a phone's home screen."""
    body = {
        "name": "Peta Tata Ruang",
        "short_name": "Tata Ruang",
        "description": "Peta rencana tata ruang dan cek zonasi (KKPR) — spatial plan map",
        "lang": "id",
        "start_url": "/peta",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "icons": [
            {"src": "/static/app/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/app/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/app/icons/icon-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The service worker, served from the root so that its scope is the whole site."""
    return FileResponse(
        APP_STATIC_DIR / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/index.html")
def index_html() -> RedirectResponse:
    """Old links to /index.html open the map."""
    return RedirectResponse("/peta")
