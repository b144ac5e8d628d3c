"""Budget, PPID and project themes on the static PNG, on the hand-made planning area.

Desa 33.25.11.2001 covers x -1000..150 m, 33.25.11.2002 x 150..1000 m (tests/zoning_fixture.py).
Expected pixel colours are worked out here: a theme fill of colour C at opacity 0.8 over the
map's background #F4F1EA is 0.8 C + 0.2 background, channel by channel.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import Engine, text

from app.services.maps.static import static_map
from app.settings import MapSettings
from tests.services.test_project_flags import insert_project
from tests.services.test_static_map import inner_bbox

BACKGROUND = (0xF4, 0xF1, 0xEA)
DESA_1, DESA_2 = "33.25.11.2001", "33.25.11.2002"


def over_background(hex_colour: str, alpha: float = 0.8) -> tuple[int, ...]:
    rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(round(alpha * c + (1 - alpha) * b) for c, b in zip(rgb, BACKGROUND, strict=True))


def pixel_at(data: bytes, fx: float, fy: float) -> tuple[int, ...]:
    """The RGB pixel at a fraction of the map's width and height (from the top left)."""
    im = Image.open(io.BytesIO(data)).convert("RGB")
    return im.getpixel((int(im.width * fx), int(im.height * fy)))


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 3) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def render(engine: Engine, layers: str, bbox: tuple, **kw) -> bytes:
    with engine.connect() as conn:
        return static_map(
            conn, MapSettings(), width=400, height=300, dpi=100, layers=layers, bbox=bbox, **kw
        ).png


def test_ppid_theme_fills_formed_and_missing_desa(planning_area: Engine) -> None:
    with planning_area.begin() as conn:
        conn.execute(
            text("INSERT INTO ppid (desa_code, formed) VALUES (:a, true), (:b, false)"),
            {"a": DESA_1, "b": DESA_2},
        )
    # a frame inside each desa, far from the border at x 150
    inside_1 = inner_bbox(-900, -300, -500, 500, margin=0)
    inside_2 = inner_bbox(400, 900, -500, 500, margin=0)
    assert close(pixel_at(render(planning_area, "ppid", inside_1), 0.3, 0.4),
                 over_background("#4daf4a"))  # fmt: skip
    assert close(pixel_at(render(planning_area, "ppid", inside_2), 0.3, 0.4),
                 over_background("#e41a1c"))  # fmt: skip


def test_budget_theme_classes_by_pagu(planning_area: Engine) -> None:
    with planning_area.begin() as conn:
        for key, x in (("a", -500), ("b", -400), ("c", -300), ("d", 600)):
            insert_project(conn, key, (x, 0), pagu=100_000_000)
    # Totals: desa 1 300 M, desa 2 100 M. Quartile breaks of [100 M, 300 M] (4 classes):
    # v[floor(i*2/4)] for i = 1..3 = [100 M, 300 M, 300 M]. 300 M exceeds one break: class 2
    # (#74c476); 100 M exceeds none: class 1 (#c7e9c0); no project: class 0 (#f7fcf5).
    inside_1 = inner_bbox(-900, -700, 200, 600, margin=0)
    inside_2 = inner_bbox(700, 900, 200, 600, margin=0)
    assert close(pixel_at(render(planning_area, "anggaran", inside_1, year=2025), 0.3, 0.4),
                 over_background("#74c476"))  # fmt: skip
    assert close(pixel_at(render(planning_area, "anggaran", inside_2, year=2025), 0.3, 0.4),
                 over_background("#c7e9c0"))  # fmt: skip
    # another year has no project: both desa pale
    assert close(pixel_at(render(planning_area, "anggaran", inside_1, year=2024), 0.3, 0.4),
                 over_background("#f7fcf5"))  # fmt: skip


def test_project_markers_coloured_by_progress(planning_area: Engine) -> None:
    with planning_area.begin() as conn:
        insert_project(conn, "done", (-500, 0), progress=100)
    frame = inner_bbox(-700, -300, -200, 200, margin=0)  # the point sits at the centre
    with planning_area.connect() as conn:
        m = static_map(conn, MapSettings(), width=400, height=300, dpi=100, layers="proyek",
                       bbox=frame, year=2025)  # fmt: skip
    im = Image.open(io.BytesIO(m.png)).convert("RGB")
    green = (0x1A, 0x96, 0x41)
    hits = [
        (x, y)
        for x in range(im.width // 2 - 12, im.width // 2 + 12)
        for y in range(im.height // 2 - 12, im.height // 2 + 12)
        if close(im.getpixel((x, y)), green, 6)
    ]
    assert hits, "no progress-100 marker near the centre"
    assert "proyek" in m.layers


def test_unknown_theme_or_layer_names_the_themes(planning_area: Engine) -> None:
    from app.errors import LayerNotFound

    with pytest.raises(LayerNotFound, match="anggaran, ppid, proyek"):
        render(planning_area, "anggaran,nope", inner_bbox(0, 100))
