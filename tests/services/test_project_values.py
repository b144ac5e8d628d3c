"""Cell values of budget files: rupiah, progress, dates, coordinates, WKT, desa codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.services.projects import values as V


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Rp 1.250.000.000", 1_250_000_000),
        ("1.250.000.000,00", 1_250_000_000),
        ("Rp1.250.000.000,-", 1_250_000_000),
        ("1,250,000,000", 1_250_000_000),
        ("1,250,000,000.00", 1_250_000_000),
        ("1250000000", 1_250_000_000),
        (1_250_000_000.0, 1_250_000_000),
        (1_250_000_000, 1_250_000_000),
        ("1.000,50", 1001),  # sen rounded half up
        ("1.000,49", 1000),
        ("Rp. 12.500,-", 12_500),
        ("1,5 M", 1_500_000_000),
        ("250 jt", 250_000_000),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_money(raw: object, expected: int | None) -> None:
    assert V.money(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "Rp satu juta", "-5000", "(1.000)"])
def test_money_refused(raw: str) -> None:
    with pytest.raises(V.BadValue) as exc:
        V.money(raw)
    assert "money" in exc.value.en and "uang" in exc.value.id


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
    "raw",
    ["01/07/2025", "1-7-2025", "2025-07-01", 45839, datetime(2025, 7, 1), "1 Juli 2025", "45839"],
)
def test_dates(raw: object) -> None:
    assert V.parse_date(raw) == date(2025, 7, 1)


@pytest.mark.parametrize("raw", ["31/02/2025", "juli", "2025/13/01"])
def test_dates_refused(raw: str) -> None:
    with pytest.raises(V.BadValue):
        V.parse_date(raw)


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
