"""Cell values only budget files have: progress, coordinates, WKT, desa codes.

Money and dates are read by app/services/sheets: tests/services/test_sheets.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.services.projects import values as V


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("75", "75.00"), ("75,5", "75.50"), ("75%", "75.00"), (100, "100.00"), ("0", "0.00")],
)
def test_progress(raw: object, expected: str) -> None:
    assert V.progress(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["101", "-1", "lima"])
def test_progress_refused(raw: str) -> None:
    with pytest.raises(V.BadValue):
        V.progress(raw)


@pytest.mark.parametrize(
    ("raw", "swapped"),
    [
        ("-6.91, 109.72", False),
        ("109.72, -6.91", True),
        ("-6,91; 109,72", False),
        ("109,72; -6,91", True),
        ("-6.91 109.72", False),
        ("109,72 -6,91", True),
        ("6°54'36\"S 109°43'12\"E", False),
        ("6°54'36\" LS, 109°43'12\" BT", False),
    ],
)
def test_coordinates_order_from_indonesias_ranges(raw: str, swapped: bool) -> None:
    p = V.coordinates(raw)
    assert p is not None
    assert p.lon == pytest.approx(109.72) and p.lat == pytest.approx(-6.91, abs=1e-9)
    assert p.swapped is swapped


@pytest.mark.parametrize("raw", ["-6.9", "abc, def", "52.5, 13.4", "1, 2, 3"])
def test_coordinates_refused(raw: str) -> None:
    with pytest.raises(V.BadValue):
        V.coordinates(raw)


def test_wkt_point_line_and_crs() -> None:
    geom, swapped = V.geometry_wkt("POINT (109.72 -6.91)", None)  # type: ignore[misc]
    assert (geom.x, geom.y, swapped) == (109.72, -6.91, False)
    line, swapped = V.geometry_wkt("LINESTRING (-6.91 109.72, -6.92 109.73)", None)  # type: ignore[misc]
    assert swapped and line.coords[0] == (109.72, -6.91)
    utm, _ = V.geometry_wkt("POINT (400000 9236000)", "EPSG:32749")  # type: ignore[misc]
    assert 109 < utm.x < 111 and -7.5 < utm.y < -6.5
    for bad in ("POLYGON ((0 0, 1 0, 1 1, 0 0))", "POINT (nonsense", "POINT (13.4 52.5)"):
        with pytest.raises(V.BadValue):
            V.geometry_wkt(bad, None)


def test_desa_code() -> None:
    assert V.desa_code("3325012001") == "33.25.01.2001"
    assert V.desa_code("33.25.01.2001") == "33.25.01.2001"
    assert V.desa_code(3325012001.0) == "33.25.01.2001"
    with pytest.raises(V.BadValue):
        V.desa_code("33.25.01")
