"""The zoning report service: permalinks, QR codes and the PDF on the fixture planning area."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from shapely.geometry import Point, Polygon, mapping
from sqlalchemy import Engine

from app.services.reports.pdf import qr_drawing
from app.services.reports.zoning import ReportItem, permalink, zoning_report
from app.settings import process_settings
from tests.zoning_fixture import utm_box


def test_permalinks() -> None:
    assert permalink("https://rtrw.example/", Point(109.7, -6.9), "10631", "en") == (
        "https://rtrw.example/peta?pt=-6.900000,109.700000&z=17&kbli=10631&lang=en"
    )
    square = Polygon([(109.7, -6.9), (109.71, -6.9), (109.71, -6.91), (109.7, -6.9)])
    url = permalink("https://rtrw.example", square, None, "id")
    assert url == (
        "https://rtrw.example/peta?parcel=109.700000%20-6.900000,109.710000%20-6.900000,"
        "109.710000%20-6.910000,109.700000%20-6.900000&z=17&lang=id"
    )
    assert len(qr_drawing(url).contents) > 50


def test_report_pages_and_text(planning_area: Engine) -> None:
    items = [
        ReportItem(
            geometry=mapping(utm_box(210, 240)),
            crs="EPSG:32749",
            kbli="10631",
            as_of=date(2026, 1, 1),
        ),  # fmt: skip
        ReportItem(
            geometry=mapping(utm_box(20, 80)),
            crs="EPSG:32749",
            kbli="68111",
            as_of=date(2026, 1, 1),
        ),  # fmt: skip
    ]
    with planning_area.connect() as conn:
        data = zoning_report(conn, process_settings(), items, "id", today=date(2026, 2, 3))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    first, second = (p.extract_text() for p in reader.pages)
    # x 210..240 is square C (PTP, alias of P-1) under the LP2B strip: the overlay forbids it
    assert "PTP" in first and "P-1" in first and "X — Tidak diizinkan" in first
    assert "LP2B" in first and "Proyonanggan" in first
    assert "R-2" in second and "I — Diizinkan" in second and "Kauman" in second
    assert "2026-02-03" in second
