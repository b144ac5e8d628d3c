"""Point a folium map at the service's own copies of Leaflet and its plugins (no CDN).

folium names its JavaScript/CSS as (name, CDN URL) pairs in `default_js`/`default_css` on
the Map and on each plugin class. `localize()` walks a map's element tree and gives every
element instance its own lists whose URLs point under `static_url` (the files that
scripts/vendor-assets.sh copies into app/static/vendor), dropping the folium.Map defaults
the service's maps do without. folium's classes are left untouched.

Callers must build maps with `folium.Map(tiles=None)` and add only tile layers served by the
service itself (relative URLs such as /tiles/...): a tile layer, WMS layer or vector grid whose
URL points to another host raises ExternalAsset, as does any asset this table does not know
(UnvendoredAsset), so a page cannot quietly load something from outside. Call `localize()`
last, after every element is added, just before rendering.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import folium

VENDOR_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor"
DEFAULT_STATIC_URL = "/static/vendor"

# folium asset name -> the vendored file, relative to VENDOR_DIR
LOCAL_ASSETS: dict[str, str] = {
    # folium.Map
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "jquery": "jquery/jquery.min.js",  # folium's Popup builds its content with $(`...`)
    # folium.plugins.Draw
    "leaflet_draw_js": "leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": "leaflet-draw/leaflet.draw.css",
    # folium.plugins.MeasureControl
    "leaflet_measure_js": "leaflet-measure/leaflet-measure.min.js",
    "leaflet_measure_css": "leaflet-measure/leaflet-measure.css",
    # folium.plugins.LocateControl
    "Control_locate_min_js": "leaflet.locatecontrol/L.Control.Locate.min.js",
    "Control_locate_min_css": "leaflet.locatecontrol/L.Control.Locate.min.css",
    # folium.plugins.VectorGridProtobuf
    "vectorGrid": "leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js",
    # folium.plugins.MarkerCluster
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    # folium.plugins.Fullscreen
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
}

# folium.Map defaults left out: Bootstrap, Glyphicons, Font Awesome and Leaflet.awesome-markers
# serve only folium.Icon markers, which the service's maps do not use (localize() refuses them).
DROPPED_ASSETS: frozenset[str] = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)

# Element attributes that hold a URL the browser fetches (tile layers, WMS, vector grids).
_URL_ATTRIBUTES = ("tiles", "url")


class UnvendoredAsset(ValueError):
    """An element needs a JavaScript/CSS asset that is not vendored."""


class ExternalAsset(ValueError):
    """An element would make the browser fetch from another host."""


def is_external(url: str) -> bool:
    """Return True if the browser would fetch `url` from a host other than the page's."""
    return url.strip().lower().startswith(("http://", "https://", "//"))


def local_url(name: str, static_url: str = DEFAULT_STATIC_URL) -> str:
    """Return the URL under `static_url` of folium asset `name`; UnvendoredAsset if unknown."""
    try:
        return f"{static_url.rstrip('/')}/{LOCAL_ASSETS[name]}"
    except KeyError:
        raise UnvendoredAsset(f"folium asset {name!r} is not vendored") from None


def _elements(root: Any) -> Iterator[Any]:
    yield root
    for child in list(getattr(root, "_children", {}).values()):
        yield from _elements(child)


def _localized(pairs: list[tuple[str, str]], static_url: str) -> list[tuple[str, str]]:
    return [(name, local_url(name, static_url)) for name, _ in pairs if name not in DROPPED_ASSETS]


def localize(m: folium.Map, static_url: str = DEFAULT_STATIC_URL) -> folium.Map:
    """Return `m` with every element's JS/CSS pointing under `static_url` (the map is changed).

    Raises UnvendoredAsset for an asset not in LOCAL_ASSETS (a plugin not vendored, a
    folium.Icon) and ExternalAsset for a tile/WMS/vector-grid URL on another host.
    """
    for element in _elements(m.get_root()):
        if isinstance(element, folium.Icon):
            raise UnvendoredAsset(
                "folium.Icon needs Leaflet.awesome-markers, which is not vendored; "
                "use Leaflet's default marker, a DivIcon or a CircleMarker"
            )
        for attribute in _URL_ATTRIBUTES:
            value = getattr(element, attribute, None)
            if isinstance(value, str) and is_external(value):
                raise ExternalAsset(
                    f"{type(element).__name__} loads {value}: serve it from the service "
                    "(and build the map with folium.Map(tiles=None))"
                )
        # instance attributes shadow the class lists, so folium's own defaults stay as they are
        if hasattr(element, "default_js"):
            element.default_js = _localized(element.default_js, static_url)
        if hasattr(element, "default_css"):
            element.default_css = _localized(element.default_css, static_url)
    return m
