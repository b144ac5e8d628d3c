"""Drawing a static map with matplotlib (Agg): layer styles, legend, scale bar, north arrow.

Everything here works in the drawing CRS (metres of the region's metric CRS) and in points
(1/72 inch): line widths and font sizes are physical, so the figure's dpi sets how many pixels
they take and a map printed at that dpi reads the same whatever its pixel size.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot-free figure creation in some setups

import numpy as np  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection, PatchCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, PathPatch, Polygon, Rectangle  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from shapely.geometry import Point  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

from app.l10n import table  # noqa: E402

NO_COLOUR = "#CCCCCC"  # a zone code the rule tables give no colour
HIGHLIGHT = "#E6007E"  # the outline of a highlighted desa or parcel
OVERLAY_COLOURS = ("#7B2CBF", "#D00000", "#0077B6", "#E85D04", "#2B9348", "#6C757D")
RIVER = "#3A86FF"
ROAD = "#5C5C5C"
ADMIN_WIDTH_PT = {2: 1.6, 3: 1.0, 4: 0.5}  # kabupaten, kecamatan, desa outlines
ADMIN_DASH: dict[int, Any] = {2: "solid", 3: (0, (6, 2)), 4: (0, (3, 2))}
MARKER_PT = 8.0  # the ring around a highlighted point: its diameter (points, times the scale)
MARKER_EDGE_PT = 2.2  # and its line width

def words(lang: str) -> dict[str, Any]:
    """Return the static map's words in `lang` (app/l10n: `static.*`)."""
    out: dict[str, Any] = table("static", lang)
    out["level"] = {level: out[f"level.{level}"] for level in (2, 3, 4)}
    return out


@dataclass
class Feature:
    """One feature as drawn: its geometry in the drawing CRS and what labels and styles need."""

    geom: BaseGeometry
    code: str | None = None
    name: str | None = None
    level: int | None = None
    label_at: BaseGeometry | None = None  # a point inside the whole (unclipped) polygon


@dataclass
class DrawnLayer:
    """A layer's features to draw, with its kind, title and (zoning) the colour of each code."""

    name: str
    kind: str
    title: str
    features: list[Feature]
    colours: dict[str, str] = field(default_factory=dict)  # zoning: code -> #RRGGBB
    code_names: dict[str, str] = field(default_factory=dict)  # zoning: code -> class name
    index: int = 0  # overlays: which of OVERLAY_COLOURS
    legend: list[tuple[str, str]] = field(default_factory=list)  # themes: (colour, label)
    image: Any = None  # rasters: an RGBA array covering the canvas frame


@dataclass
class Canvas:
    """What the figure is: pixels, dpi, the frame in drawing-CRS metres and the texts around it."""

    width: int
    height: int
    dpi: int
    frame: tuple[float, float, float, float]  # minx, miny, maxx, maxy (metres)
    title: str | None
    attribution: str
    lang: str
    scale_factor: float = 1.0  # grid distance per ground metre at the centre (UTM: ~0.9996)
    convergence_deg: float = 0.0  # grid north minus true north at the centre
    highlight: list[BaseGeometry] = field(default_factory=list)
    highlight_label: str | None = None


@dataclass(frozen=True)
class PlacedLabel:
    """A name written on the map: its text, admin level and box in drawing-CRS metres."""

    text: str
    level: int
    box: tuple[float, float, float, float]


@dataclass
class Drawing:
    """A rendered map: the PNG, the names placed on it and the marker boxes they kept off."""

    png: bytes
    labels: list[PlacedLabel]
    markers: list[tuple[float, float, float, float]]


@dataclass
class _Names:
    """The label boxes placed so far (shared by every admin layer) and the boxes to keep off."""

    keep_out: list[tuple[float, float, float, float]]
    placed: list[PlacedLabel] = field(default_factory=list)

    def free(self, box: tuple[float, float, float, float]) -> bool:
        """Return whether `box` overlaps no placed label and no kept-off box."""
        return not any(
            b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3]
            for b in [*(p.box for p in self.placed), *self.keep_out]
        )


def text_scale(width: int, height: int, dpi: int) -> float:
    """Return how much to shrink texts and symbols on a physically small map (1 from 7 cm up)."""
    short_pt = min(width, height) / dpi * 72
    return min(1.0, max(0.45, short_pt / 200))


def bands(canvas: Canvas) -> tuple[float, float, list[str], float]:
    """Return the title and attribution band heights (figure fractions), the attribution lines
    and the attribution font size."""
    s = text_scale(canvas.width, canvas.height, canvas.dpi)
    w_pt = canvas.width / canvas.dpi * 72
    h_pt = canvas.height / canvas.dpi * 72
    title_pt = (11.0 * s * 2.0) if canvas.title else 0.0
    attr_size = 5.5 * s
    per_line = max(20, int(w_pt * 0.97 / (attr_size * 0.6)))
    lines = textwrap.wrap(canvas.attribution, per_line) or [""]
    lines = lines[:4]
    attr_pt = len(lines) * attr_size * 1.25 + 3 * s
    return title_pt / h_pt, attr_pt / h_pt, lines, attr_size


def map_axes_px(canvas: Canvas) -> tuple[float, float]:
    """Return the map area's width and height in pixels (the figure less title/attribution)."""
    top, bottom, _, _ = bands(canvas)
    return float(canvas.width), canvas.height * max(0.05, 1.0 - top - bottom)


def render(canvas: Canvas, layers: Sequence[DrawnLayer]) -> bytes:
    """Return the PNG of the map: exactly canvas.width x canvas.height px, dpi in its metadata."""
    return draw_map(canvas, layers).png


def marker_boxes(canvas: Canvas) -> list[tuple[float, float, float, float]]:
    """Return the box (drawing-CRS metres) each highlighted point's marker covers."""
    s = text_scale(canvas.width, canvas.height, canvas.dpi)
    minx, _, maxx, _ = canvas.frame
    m_per_pt = (maxx - minx) / (canvas.width / canvas.dpi * 72)
    half = (MARKER_PT / 2 + MARKER_EDGE_PT / 2) * s * m_per_pt
    points = [p for g in canvas.highlight for p in _points(g)]
    return [(x - half, y - half, x + half, y + half) for x, y in points]


def draw_map(canvas: Canvas, layers: Sequence[DrawnLayer]) -> Drawing:
    """Return the map drawn: its PNG and the names placed on it (none over a marker)."""
    s = text_scale(canvas.width, canvas.height, canvas.dpi)
    # Agg truncates width/dpi*dpi to int: half a pixel more gives exactly the pixels asked.
    fig = Figure(
        figsize=((canvas.width + 0.5) / canvas.dpi, (canvas.height + 0.5) / canvas.dpi),
        dpi=canvas.dpi,
        facecolor="white",
    )
    FigureCanvasAgg(fig)
    top, bottom, attr_lines, attr_size = bands(canvas)
    ax = fig.add_axes((0.0, bottom, 1.0, max(0.05, 1.0 - top - bottom)))
    minx, miny, maxx, maxy = canvas.frame
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_axis_off()
    ax.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, facecolor="#F4F1EA", zorder=0))
    m_per_pt = (maxx - minx) / (canvas.width / canvas.dpi * 72)
    names = _Names(keep_out=marker_boxes(canvas))
    legend: list[Any] = []
    order = {"raster": -1, "zoning": 0, "choropleth": 0.5, "base": 1, "thematic": 2, "overlay": 3,
             "parcel": 4, "markers": 4.5, "admin": 5}  # fmt: skip
    for layer in sorted(layers, key=lambda lyr: order.get(lyr.kind, 2)):
        legend += _draw_layer(ax, layer, s, m_per_pt, canvas.lang, names)
    if canvas.highlight:
        _outline(ax, canvas.highlight, s)
        label = canvas.highlight_label or words(canvas.lang)["highlight"]
        legend.append(Line2D([], [], color=HIGHLIGHT, linewidth=2.2 * s, label=label))
    _legend(ax, legend, s, canvas.lang)
    _scale_bar(ax, canvas, s)
    _north_arrow(ax, canvas, s)
    if canvas.title:
        fig.text(
            0.5, 1.0 - top / 2, canvas.title, ha="center", va="center",
            fontsize=11 * s, fontweight="bold",
        )  # fmt: skip
    fig.text(
        0.01, bottom / 2, "\n".join(attr_lines), ha="left", va="center",
        fontsize=attr_size, color="#333333", linespacing=1.15,
    )  # fmt: skip
    buf = io.BytesIO()
    fig.savefig(
        buf, format="png", dpi=canvas.dpi, facecolor="white",
        metadata={"Title": canvas.title or "", "Software": "rtrw (matplotlib)"},
    )  # fmt: skip
    return Drawing(buf.getvalue(), names.placed, names.keep_out)


def _polygon_path(geom: BaseGeometry) -> Path | None:
    """Return a matplotlib Path of a (multi)polygon, holes included; None if it has none."""
    polys = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty
    ]
    if not polys:
        return None
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            c = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            c[0] = Path.MOVETO
            c[-1] = Path.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return Path(np.concatenate(verts), np.concatenate(codes))


def _polygons(geom: BaseGeometry) -> Iterable[BaseGeometry]:
    for g in getattr(geom, "geoms", [geom]):
        if g.geom_type in ("Polygon", "MultiPolygon"):
            yield g
        elif g.geom_type == "GeometryCollection":
            yield from _polygons(g)


def _lines(geom: BaseGeometry) -> list[np.ndarray]:
    """Return the coordinate arrays of every line (and polygon ring) in a geometry."""
    out: list[np.ndarray] = []
    for g in getattr(geom, "geoms", [geom]):
        if g.geom_type in ("LineString", "LinearRing"):
            out.append(np.asarray(g.coords)[:, :2])
        elif g.geom_type == "Polygon":
            out += [np.asarray(r.coords)[:, :2] for r in (g.exterior, *g.interiors)]
        elif g.geom_type.startswith("Multi") or g.geom_type == "GeometryCollection":
            out += _lines(g)
    return out


def _points(geom: BaseGeometry) -> list[tuple[float, float]]:
    return [
        (g.x, g.y)
        for g in getattr(geom, "geoms", [geom])
        if g.geom_type == "Point" and not g.is_empty
    ]


def _fill(ax: Axes, geoms: Iterable[BaseGeometry], zorder: float, **style: Any) -> bool:
    patches = []
    for geom in geoms:
        for poly in _polygons(geom):
            path = _polygon_path(poly)
            if path is not None:
                patches.append(PathPatch(path))
    if not patches:
        return False
    ax.add_collection(PatchCollection(patches, zorder=zorder, **style))
    return True


def _draw_layer(
    ax: Axes, layer: DrawnLayer, s: float, m_per_pt: float, lang: str, names: _Names
) -> list[Any]:
    """Draw one layer; return its legend handles."""
    said = words(lang)
    if layer.kind == "zoning":
        return _draw_zoning(ax, layer, s)
    if layer.kind == "admin":
        return _draw_admin(ax, layer, s, m_per_pt, said, names)
    if layer.kind == "choropleth":
        return _draw_choropleth(ax, layer, s)
    if layer.kind == "raster":
        return _draw_raster(ax, layer, s)
    if layer.kind == "markers":
        return _draw_markers(ax, layer, s)
    if layer.kind in ("overlay", "thematic", "parcel"):
        colour = OVERLAY_COLOURS[layer.index % len(OVERLAY_COLOURS)]
        if layer.kind == "parcel":
            colour = "#444444"
        hatch = "////" if layer.kind == "overlay" else None
        drawn = _fill(
            ax, (f.geom for f in layer.features), 3,
            facecolor=to_rgba(colour, 0.18), edgecolor=colour,
            linewidth=0.6 * s, hatch=hatch,
        )  # fmt: skip
        drawn |= _draw_lines(ax, layer, colour, 0.8 * s, 3.5)
        if not drawn:
            return []
        handle = Patch(
            facecolor=to_rgba(colour, 0.18), edgecolor=colour,
            hatch=hatch, linewidth=0.6 * s, label=layer.title,
        )  # fmt: skip
        return [handle]
    # base (and anything else): roads and rivers as lines, polygons in light grey
    river = _is_water(layer)
    colour = RIVER if river else ROAD
    width = (1.1 if river else 0.9) * s
    drawn = _fill(
        ax, (f.geom for f in layer.features), 1,
        facecolor=to_rgba(RIVER if river else "#BBBBBB", 0.35),
        edgecolor="none",
    )  # fmt: skip
    if not river:  # a white casing under the road line
        _draw_lines(ax, layer, "white", width * 2.0, 3.9, polygons=False)
    drawn |= _draw_lines(ax, layer, colour, width, 4, polygons=False)
    points = [p for f in layer.features for p in _points(f.geom)]
    if points:
        xy = np.asarray(points)
        ax.plot(xy[:, 0], xy[:, 1], "o", color=colour, markersize=3 * s, zorder=4)
        drawn = True
    return [Line2D([], [], color=colour, linewidth=width * 1.5, label=layer.title)] if drawn else []


def _is_water(layer: DrawnLayer) -> bool:
    words = f"{layer.name} {layer.title}".lower()
    return any(w in words for w in ("sungai", "river", "kali", "air", "drain", "saluran"))


def _draw_lines(
    ax: Axes, layer: DrawnLayer, colour: str, width: float, zorder: float, polygons: bool = False
) -> bool:
    segs: list[np.ndarray] = []
    for f in layer.features:
        for g in getattr(f.geom, "geoms", [f.geom]):
            if g.geom_type in ("LineString", "MultiLineString") or (
                polygons and g.geom_type == "Polygon"
            ):
                segs += _lines(g)
    if not segs:
        return False
    ax.add_collection(
        LineCollection(segs, colors=colour, linewidths=width, zorder=zorder, capstyle="round")
    )
    return True


def _draw_zoning(ax: Axes, layer: DrawnLayer, s: float) -> list[Any]:
    by_code: dict[str, list[BaseGeometry]] = {}
    for f in layer.features:
        by_code.setdefault(f.code or "", []).append(f.geom)
    handles = []
    for code in sorted(by_code):
        colour = layer.colours.get(code, NO_COLOUR)
        # Opaque fills, no outline antialiasing into the interior: a zone's pixels are its colour.
        drawn = _fill(
            ax, by_code[code], 0.5, facecolor=colour, edgecolor=colour, linewidth=0.0,
            antialiased=False,
        )  # fmt: skip
        if drawn:
            name = layer.code_names.get(code)
            label = f"{code} {name}" if name else (code or "?")
            handles.append(Patch(facecolor=colour, edgecolor="#555555", linewidth=0.3 * s,
                                 label=label))  # fmt: skip
    # thin boundaries between zones, in a grey that keeps the fills readable
    _fill(
        ax, (f.geom for f in layer.features), 0.6, facecolor="none",
        edgecolor=(0.3, 0.3, 0.3, 0.5), linewidth=0.25 * s,
    )  # fmt: skip
    return handles


def _theme_legend(layer: DrawnLayer, s: float, alpha: float) -> list[Any]:
    """Return the legend entries of a theme: its title as a heading, then a swatch per class."""
    head = Patch(facecolor="none", edgecolor="none", label=layer.title)
    return [head] + [
        Patch(facecolor=to_rgba(c, alpha), edgecolor="#555555", linewidth=0.3 * s, label=label)
        for c, label in layer.legend
    ]


def _draw_raster(ax: Axes, layer: DrawnLayer, s: float) -> list[Any]:
    """Lay the raster's RGBA image over the whole frame, under the vector layers."""
    if layer.image is None or not layer.image[..., 3].any():
        return []
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ax.imshow(layer.image, extent=(x0, x1, y0, y1), origin="upper", zorder=0.3, alpha=0.8,
              interpolation="nearest", aspect="auto")  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return _theme_legend(layer, s, 0.8)


def _draw_choropleth(ax: Axes, layer: DrawnLayer, s: float) -> list[Any]:
    """Fill each area with the colour of its code (budget class, PPID state)."""
    by_colour: dict[str, list[BaseGeometry]] = {}
    for f in layer.features:
        by_colour.setdefault(layer.colours.get(f.code or "", NO_COLOUR), []).append(f.geom)
    drawn = False
    for colour, geoms in by_colour.items():
        drawn |= _fill(
            ax, geoms, 0.7, facecolor=to_rgba(colour, 0.8), edgecolor=(0.3, 0.3, 0.3, 0.6),
            linewidth=0.25 * s,
        )  # fmt: skip
    return _theme_legend(layer, s, 0.8) if drawn else []


def _draw_markers(ax: Axes, layer: DrawnLayer, s: float) -> list[Any]:
    """Points as dots and lines as strokes, in the colour of their code (progress class)."""
    drawn = False
    by_colour: dict[str, list[BaseGeometry]] = {}
    for f in layer.features:
        by_colour.setdefault(layer.colours.get(f.code or "", NO_COLOUR), []).append(f.geom)
    for colour, geoms in by_colour.items():
        segs = [seg for g in geoms for seg in _lines(g) if g.geom_type != "Point"]
        if segs:
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=1.8 * s, zorder=6))
            drawn = True
        pts = [p for g in geoms for p in _points(g)]
        if pts:
            xy = np.asarray(pts)
            ax.plot(
                xy[:, 0], xy[:, 1], "o", markersize=4.2 * s, markerfacecolor=colour,
                markeredgecolor="white", markeredgewidth=0.6 * s, zorder=6.1, linestyle="none",
            )  # fmt: skip
            drawn = True
    return _theme_legend(layer, s, 1.0) if drawn else []


def _draw_admin(
    ax: Axes, layer: DrawnLayer, s: float, m_per_pt: float, words: dict[str, Any], names: _Names
) -> list[Any]:
    handles = []
    levels = sorted({f.level or 4 for f in layer.features}, reverse=True)
    for level in levels:
        feats = [f for f in layer.features if (f.level or 4) == level]
        segs = [seg for f in feats for seg in _lines(f.geom)]
        width = ADMIN_WIDTH_PT.get(level, 0.5) * s
        dash = ADMIN_DASH.get(level, "solid")
        if not segs:
            continue
        ax.add_collection(
            LineCollection(segs, colors="white", linewidths=width + 1.2 * s, zorder=5, alpha=0.7)
        )
        ax.add_collection(
            LineCollection(segs, colors="#222222", linewidths=width, linestyles=dash, zorder=5.1)
        )
        handles.append(
            Line2D([], [], color="#222222", linewidth=width, linestyle=dash,
                   label=words["level"].get(level, layer.title))
        )  # fmt: skip
    _labels(ax, layer.features, s, m_per_pt, names)
    return handles


def _labels(ax: Axes, feats: list[Feature], s: float, m_per_pt: float, names: _Names) -> None:
    """Name the kecamatan and desa big enough on the map at a point inside each, kecamatan
    first; a name that would overlap one already placed or a highlighted point's marker moves
    just below or above the marker (still inside its area), else is left out.

    The kabupaten is not named inside the frame: at its centre the name reads as the
    kecamatan of the same name (Batang) and lands on whatever is shown there; the caption
    names the regency's layers.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for f in sorted(feats, key=lambda f: (f.level or 4, -f.geom.area)):
        level = f.level or 4
        size = (7.0 if level <= 3 else 5.5) * s
        min_area = (size * 8 * m_per_pt) ** 2  # an area some 8 letters wide and tall
        if level <= 2 or not f.name or f.geom.area < min_area or len(names.placed) >= 80:
            continue
        at = f.label_at
        if at is None or not (x0 <= at.x <= x1 and y0 <= at.y <= y1) or not f.geom.contains(at):
            at = f.geom.representative_point()
        label = f.name.upper() if level <= 3 else f.name
        half_w = len(label) * size * 0.33 * m_per_pt
        half_h = size * 0.7 * m_per_pt
        gap = 1.5 * s * m_per_pt
        spots = [(at.x, at.y)]
        for k in names.keep_out:  # past a marker: just below it, or just above
            spots += [(at.x, k[1] - half_h - gap), (at.x, k[3] + half_h + gap)]
        for x, y in spots:
            box = (x - half_w, y - half_h, x + half_w, y + half_h)
            inside = x0 <= x <= x1 and y0 <= y <= y1 and f.geom.contains(Point(x, y))
            if (x, y) != (at.x, at.y) and not inside:
                continue
            if names.free(box):
                names.placed.append(PlacedLabel(label, level, box))
                ax.text(
                    x, y, label, ha="center", va="center", fontsize=size, zorder=7,
                    fontweight="bold" if level <= 3 else "normal", color="#111111",
                    clip_on=True,
                    path_effects=[patheffects.withStroke(linewidth=1.6 * s, foreground="white")],
                )  # fmt: skip
                break


def _outline(ax: Axes, geoms: list[BaseGeometry], s: float) -> None:
    segs = [seg for g in geoms for seg in _lines(g)]
    if segs:
        ax.add_collection(
            LineCollection(segs, colors="white", linewidths=4.0 * s, zorder=8, alpha=0.9)
        )
        ax.add_collection(LineCollection(segs, colors=HIGHLIGHT, linewidths=2.2 * s, zorder=8.1))
    points = [p for g in geoms for p in _points(g)]
    if points:
        xy = np.asarray(points)
        ax.plot(
            xy[:, 0], xy[:, 1], marker="o", linestyle="none", markersize=MARKER_PT * s,
            markerfacecolor="none", markeredgecolor=HIGHLIGHT,
            markeredgewidth=MARKER_EDGE_PT * s, zorder=8.2,
        )  # fmt: skip
        ax.plot(xy[:, 0], xy[:, 1], marker="+", linestyle="none", markersize=MARKER_PT * s,
                color=HIGHLIGHT, markeredgewidth=1.2 * s, zorder=8.2)  # fmt: skip


def _legend(ax: Axes, handles: list[Any], s: float, lang: str) -> None:
    if not handles:
        return
    fig = ax.figure
    assert isinstance(fig, Figure)
    # How many rows fit in the lower 60 % of the map: more entries go to a second column, and
    # what still does not fit is counted in one last line.
    ax_h_pt = ax.get_position().height * fig.get_figheight() * 72
    size = 6.0 * s
    rows = max(2, int(ax_h_pt * 0.6 / (size * 1.55)))
    ncol = 1 if len(handles) <= rows else 2
    room = rows * ncol
    if len(handles) > room:
        rest = len(handles) - room + 1
        handles = [*handles[: room - 1],
                   Patch(facecolor="none", edgecolor="none",
                         label=f"+{rest} {words(lang)['more']}")]  # fmt: skip
    leg = ax.legend(
        handles=handles, loc="lower right", fontsize=size, title=words(lang)["legend"],
        title_fontsize=size * 1.1, ncol=ncol, framealpha=0.95, borderpad=0.5,
        handlelength=1.6, handleheight=0.9, labelspacing=0.35, columnspacing=0.9,
        fancybox=False, edgecolor="#666666",
    )  # fmt: skip
    leg.set_zorder(20)
    leg.get_frame().set_linewidth(0.5 * s)
    for text in leg.get_texts():
        label = text.get_text()
        if len(label) > 38:
            text.set_text(label[:36] + "…")


def nice_length(target_m: float) -> float:
    """Return the round length (1, 2 or 5 x 10^k metres) at most `target_m`."""
    if target_m <= 0:
        return 1.0
    k = math.floor(math.log10(target_m))
    for m in (5, 2, 1):
        if m * 10**k <= target_m:
            return float(m * 10**k)
    return float(10**k)


def _scale_bar(ax: Axes, canvas: Canvas, s: float) -> None:
    """Draw a scale bar of a round ground length, lower left (ground metres x the scale factor
    of the projection at the centre = metres on the map)."""
    minx, maxx = ax.get_xlim()
    miny = ax.get_ylim()[0]
    width = maxx - minx
    ground = nice_length(width / 4 / canvas.scale_factor)
    grid = ground * canvas.scale_factor
    fig = ax.figure
    assert isinstance(fig, Figure)
    m_per_pt = width / (ax.get_position().width * fig.get_figwidth() * 72)
    pad = 10 * s * m_per_pt
    bar_h = 3.5 * s * m_per_pt
    x = minx + pad
    y = miny + pad + 8 * s * m_per_pt
    ax.add_patch(Rectangle((x - pad * 0.5, miny + pad * 0.4), grid + pad * 1.7,
                           bar_h + 20 * s * m_per_pt, facecolor="white", alpha=0.8,
                           edgecolor="none", zorder=19))  # fmt: skip
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (x + i * grid / 4, y), grid / 4, bar_h,
                facecolor="#111111" if i % 2 == 0 else "white",
                edgecolor="#111111", linewidth=0.5 * s, zorder=20,
            )
        )  # fmt: skip
    unit, div = ("km", 1000.0) if ground >= 1000 else ("m", 1.0)
    for frac in (0.0, 0.5, 1.0):
        value = ground * frac / div
        label = f"{value:g}" + (f" {unit}" if frac == 1.0 else "")
        ax.text(x + grid * frac, y + bar_h + 1.5 * s * m_per_pt, label, ha="center",
                va="bottom", fontsize=5.5 * s, zorder=21)  # fmt: skip


def _north_arrow(ax: Axes, canvas: Canvas, s: float) -> None:
    """Draw a north arrow upper right, turned by the grid convergence (true north)."""
    minx, maxx = ax.get_xlim()
    miny, maxy = ax.get_ylim()
    fig = ax.figure
    assert isinstance(fig, Figure)
    m_per_pt = (maxx - minx) / (ax.get_position().width * fig.get_figwidth() * 72)
    size = 16 * s * m_per_pt
    cx = maxx - 14 * s * m_per_pt
    cy = maxy - 22 * s * m_per_pt
    a = math.radians(canvas.convergence_deg)  # grid north -> true north: turn by -convergence

    def rot(dx: float, dy: float) -> tuple[float, float]:
        return (cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a))

    left = [rot(0, size * 0.5), rot(-size * 0.28, -size * 0.5), rot(0, -size * 0.25)]
    right = [rot(0, size * 0.5), rot(size * 0.28, -size * 0.5), rot(0, -size * 0.25)]
    ax.add_patch(Polygon(left, closed=True, facecolor="#111111", edgecolor="#111111",
                         linewidth=0.5 * s, zorder=20))  # fmt: skip
    ax.add_patch(Polygon(right, closed=True, facecolor="white", edgecolor="#111111",
                         linewidth=0.5 * s, zorder=20))  # fmt: skip
    tx, ty = rot(0, size * 0.5 + 5 * s * m_per_pt)
    ax.text(
        tx, ty, words(canvas.lang)["north"], ha="center", va="center", fontsize=8 * s,
        fontweight="bold", zorder=21,
        path_effects=[patheffects.withStroke(linewidth=1.5 * s, foreground="white")],
    )  # fmt: skip
