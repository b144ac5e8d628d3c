"""Raster rules in the zoning check, on the hand-made planning area (tests/zoning_fixture.py).

A slope raster over the fixture, 10 m pixels from x -100 to 400 m and y -100 to 200 m (metres
from X0, Y0 in EPSG:32749): 10 % where a pixel's centre lies west of x = 150, 50 % east of it.
Rules: slope > 40 prohibits (X) housing, trade and industry; > 25 restricts (B) them.

Expected answers, by hand:
- square B (K-1, x 100..200) for a minimarket (K-1: I): pixel centres 105..195; those at
  155..195 (5 of 10 columns) are 50 % -> share 0.5 over 40, X on x 150..200 (5,000 of
  10,000 m2) and I on the rest: verdict mixed, {I: 0.5, X: 0.5}; stats min 10, max 50, mean 30.
- a point at x 50 (R-2, house: I) reads 10: no rule; at x 275 (P-1, rice mill: B) reads 50:
  both rules met, the verdict X.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from sqlalchemy import Engine

from app.services import rules
from app.services.rasters.ingest import load_raster
from app.services.zoning.check import check
from app.settings import raster_settings
from tests.fixtures import X0, Y0
from tests.zoning_fixture import RULES, write_rules

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
RASTER_RULES = """raster,op,value,min_share,effect,itbx,activities,sectors,finding,finding_en,source,article,valid_from,valid_to
lereng,>,40,0,prohibit,X,,perumahan;perdagangan;industri,Lereng curam,Steep slope,perda-baru,Pasal 40,2024-01-01,
lereng,>,25,0,restrict,B,,perumahan;perdagangan;industri,Lereng agak curam,Moderate slope,perda-baru,Pasal 41,2024-01-01,
"""


def slope_tif(path: Path) -> Path:
    """Write the slope raster: striped, uncompressed float32, nodata -9999 on the top row."""
    width, height = 50, 30
    centres_x = -100 + 5 + 10 * np.arange(width)
    data = np.where(centres_x < 150, 10.0, 50.0)[None, :].repeat(height, axis=0)
    data = data.astype("float32")
    data[0, :] = -9999.0  # y 190..200: no data (outside every parcel below)
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
        crs="EPSG:32749", transform=from_origin(X0 - 100, Y0 + 200, 10, 10), nodata=-9999.0,
    ) as ds:  # fmt: skip
        ds.write(data, 1)
    return path


def lonlat(x: float, y: float) -> list[float]:
    return list(TO_WGS.transform(X0 + x, Y0 + y))


def ring(x0: float, x1: float, y0: float, y1: float) -> dict:
    pts = [lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1), lonlat(x0, y0)]
    return {"type": "Polygon", "coordinates": [pts]}


@pytest.fixture
def sloped(planning_area_with, tmp_path: Path) -> Engine:
    """The planning area with the slope raster `lereng` and rules on it (built once for the
    tests that do not change it)."""

    def add(engine: Engine) -> None:
        folder = write_rules(tmp_path / "rules_raster", **{"raster_rules.csv": RASTER_RULES})
        with engine.begin() as conn:
            load_raster(conn, slope_tif(tmp_path / "lereng.tif"), "lereng",
                        settings=raster_settings(), unit="%", title="Kemiringan lereng")  # fmt: skip
            rules.load_rules(conn, folder)

    return planning_area_with("lereng", add)


def test_parcel_half_on_a_steep_slope_is_mixed(sloped: Engine) -> None:
    with sloped.connect() as conn:
        a = check(conn, ring(100, 200, 0, 100), kbli="47111").to_json()
    assert a["verdict"] == "mixed"
    assert a["verdict_shares"] == {"I": pytest.approx(0.5), "X": pytest.approx(0.5)}
    (finding,) = a["rasters"]
    assert finding["raster"] == "lereng" and finding["unit"] == "%"
    assert finding["stats"] == {"count": 100, "min": 10, "max": 50, "mean": 30}
    met = {r["condition"]: r for r in finding["rules"]}
    assert set(met) == {"> 40", "> 25"}
    assert met["> 40"]["share"] == pytest.approx(0.5) and met["> 40"]["itbx"] == "X"
    assert met["> 40"]["legal"]["citation"] == "Perda Uji No. 2 Tahun 2024"
    assert "Lereng curam" in a["summary"]["id"] and "Steep slope" in a["summary"]["en"]
    assert {"raster": "lereng", "version": 1, "title": "Kemiringan lereng", "title_en": None} in (
        a["sources"]["rasters"]
    )


def test_points_read_the_pixel_and_meet_the_rules_there(sloped: Engine) -> None:
    with sloped.connect() as conn:
        flat = check(conn, {"type": "Point", "coordinates": lonlat(50, 50)}, kbli="68111").to_json()
        steep = check(conn, {"type": "Point", "coordinates": lonlat(275, 50)}, kbli="10631").to_json()
    assert flat["verdict"] == "I"
    assert flat["rasters"][0]["value"] == 10 and flat["rasters"][0]["rules"] == []
    assert steep["zones"][0]["itbx"] == "B"  # P-1's own letter for the rice mill
    assert steep["verdict"] == "X"
    assert steep["rasters"][0]["value"] == 50
    assert {r["itbx"] for r in steep["rasters"][0]["rules"]} == {"X", "B"}


def test_without_activity_findings_are_reported_and_no_letter_changes(sloped: Engine) -> None:
    with sloped.connect() as conn:
        a = check(conn, ring(160, 190, 10, 90)).to_json()
    assert a["verdict"] is None
    assert [r["condition"] for r in a["rasters"][0]["rules"]] == ["> 40", "> 25"]
    assert a["rasters"][0]["stats"]["min"] == 50


def test_a_rule_for_a_raster_not_loaded_is_a_warning(planning_area: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "rules_missing"
    folder.mkdir()
    for name, body in RULES.items():
        (folder / name).write_text(body, encoding="utf-8")
    (folder / "raster_rules.csv").write_text(RASTER_RULES, encoding="utf-8")
    with planning_area.begin() as conn:
        rules.load_rules(conn, folder)
    with planning_area.connect() as conn:
        a = check(conn, ring(100, 200, 0, 100), kbli="47111").to_json()
    assert a["rasters"] == []
    assert any("lereng" in w and "not loaded" in w for w in (x["en"] for x in a["warnings"]))
    assert a["verdict"] == "I"


def test_batch_rows_carry_the_findings(sloped: Engine) -> None:
    from app.services.zoning.batch import BatchItem, check_batch, flat_row

    items = [
        BatchItem(ref="half", geometry=ring(100, 200, 0, 100), kbli="47111"),
        BatchItem(ref="flat", geometry=ring(10, 90, 10, 90), kbli="68111"),
        BatchItem(ref="pt", geometry={"type": "Point", "coordinates": lonlat(275, 50)},
                  kbli="10631"),  # fmt: skip
    ]
    with sloped.connect() as conn:
        rows = {r.ref: flat_row(r) for r in check_batch(conn, items)}
    assert rows["half"]["rasters"] == "lereng>40:X:0.5;lereng>25:B:0.5"
    assert rows["half"]["verdict"] == "mixed"
    assert "Perda Uji No. 2 Tahun 2024 Pasal 40" in rows["half"]["legal"]
    assert rows["flat"]["rasters"] is None and rows["flat"]["verdict"] == "I"
    assert rows["pt"]["rasters"] == "lereng>40:X:1.0;lereng>25:B:1.0"
    assert rows["pt"]["verdict"] == "X"


def test_window_reads_answer_as_the_band_in_memory(
    sloped: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raster too large to keep in memory is read by windows: the same answers."""
    from app.services.rasters import sample
    from app.services.zoning.batch import BatchItem, check_batch, flat_row

    items = [
        BatchItem(ref=f"{k}", geometry=ring(100, 200, 0, 100) if k % 2 else
                  {"type": "Point", "coordinates": lonlat(50, 50)}, kbli="47111")
        for k in range(20)
    ]  # fmt: skip
    with sloped.connect() as conn:
        in_memory = [flat_row(r) for r in check_batch(conn, items)]
        monkeypatch.setattr(sample, "BAND_CACHE_BYTES", 0)
        by_windows = [flat_row(r) for r in check_batch(conn, items)]
    assert by_windows == in_memory
    assert {r["rasters"] for r in in_memory[1::2]} == {"lereng>40:X:0.5;lereng>25:B:0.5"}
    assert {r["rasters"] for r in in_memory[0::2]} == {None}
    assert {r["verdict"] for r in in_memory[0::2]} == {"T"}  # minimarket in R-2, on 10 %


def test_rule_share_is_the_area_in_pixels_meeting_it(sloped: Engine) -> None:
    """A parcel x 143..171 (y 0..100) over 10 m pixels: the steep pixels (x >= 150) hold
    150..171 = 21 of its 28 m width, so the share over 40 % is 21/28 = 0.75 of its area; the
    statistics take the pixels whose centre is inside (x 145, 155, 165: 10, 50, 50 %)."""
    with sloped.connect() as conn:
        a = check(conn, ring(143, 171, 0, 100), kbli="47111").to_json()
    (finding,) = a["rasters"]
    met = {r["condition"]: r["share"] for r in finding["rules"]}
    assert met["> 40"] == pytest.approx(0.75, abs=1e-4)
    assert finding["stats"]["count"] == 30
    assert finding["stats"]["mean"] == pytest.approx((10 * 10 + 20 * 50) / 30, abs=1e-4)
    assert a["verdict_shares"] == {"X": pytest.approx(0.75, abs=1e-4),
                                   "I": pytest.approx(0.25, abs=1e-4)}  # fmt: skip


def test_the_pdf_report_carries_the_finding_and_its_source(sloped: Engine) -> None:
    import io

    from pypdf import PdfReader
    from shapely.geometry import mapping

    from app.services.reports.zoning import ReportItem, zoning_report
    from app.settings import process_settings
    from tests.zoning_fixture import utm_box

    item = ReportItem(geometry=mapping(utm_box(100, 200)), crs="EPSG:32749", kbli="47111")
    with sloped.connect() as conn:
        data = zoning_report(conn, process_settings(), [item], "id")
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "Kondisi fisik (raster)" in text
    assert "Kemiringan lereng" in text and "Lereng curam" in text
    assert "X (> 40, 50 %)" in text and "Perda Uji No. 2 Tahun 2024 Pasal 40" in text
    assert "Raster: Kemiringan lereng (lereng v1)" in text
