"""Batch input as staff keep it (semicolon CSV, decimal commas, odd GeoJSON) and the flat rows.

Expected values are hand arithmetic on tests/zoning_fixture.py: 100 m squares R-2 (x 0..100),
K-1 (100..200), PTP = P-1 (200..300); desa 2001 west of x 150; LP2B over x 200..250.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import mapping
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.errors import InvalidParameter
from app.services import zoning
from app.services.zoning import BatchItem, batch_io, flat_row
from tests.fixtures import X0, Y0
from tests.zoning_fixture import utm_box

NOW = date(2026, 1, 1)
TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
PERDA = "Perda Uji No. 2 Tahun 2024"


def comma(value: float, digits: int = 8) -> str:
    """Return a number written with a decimal comma, as Excel in the Indonesian locale does."""
    return f"{value:.{digits}f}".replace(".", ",")


def points(items: list[BatchItem]) -> list[list[float] | None]:
    return [list(i.geometry["coordinates"]) if i.geometry else None for i in items]


# --- CSV input -------------------------------------------------------------------------------


def test_semicolon_csv_with_decimal_commas() -> None:
    body = "ID;Bujur;Lintang;KBLI\r\nA-1;109,75;-6,93;47111\r\nA-2;109,5;-7;68111\r\n"
    items = batch_io.items_from_csv(body, None)
    assert [i.ref for i in items] == ["A-1", "A-2"]
    assert points(items) == [[109.75, -6.93], [109.5, -7.0]]
    assert [i.kbli for i in items] == ["47111", "68111"]
    assert all(i.error is None for i in items)


@pytest.mark.parametrize(
    "header",
    ["lon,lat", "LONGITUDE,Latitude", "x,y", "Bujur,LINTANG", "id,lon,lat,wkt"],
)
def test_coordinate_column_names(header: str) -> None:
    cols = header.split(",")
    cells = {"lon": "109.75", "lat": "-6.93", "id": "7", "wkt": ""}
    names = {"longitude": "lon", "latitude": "lat", "x": "lon", "y": "lat"}
    names |= {"bujur": "lon", "lintang": "lat"}
    row = ",".join(cells[names.get(c.lower(), c.lower())] for c in cols)
    items = batch_io.items_from_csv(f"{header}\n{row}\n", None)
    assert points(items) == [[109.75, -6.93]] and items[0].error is None


def test_delimiter_is_sniffed_from_the_header_only() -> None:
    # Commas inside the quoted WKT of the rows must not make the comma win over `;`.
    wkt = "POLYGON ((0 0, 1 0, 1 1, 0 0))"
    items = batch_io.items_from_csv(f'id;wkt\n1;"{wkt}"\n2;{wkt}\n', "EPSG:32749")
    assert [i.geometry["type"] for i in items] == ["Polygon", "Polygon"]
    tabbed = batch_io.items_from_csv("id\tlon\tlat\n1\t109,75\t-6,93\n", None)
    assert points(tabbed) == [[109.75, -6.93]]
    comma_csv = batch_io.items_from_csv('wkt,id\n"POINT (109.75 -6.93)",1\n', None)
    assert points(comma_csv) == [[109.75, -6.93]]


def test_thousand_dots_with_a_decimal_comma() -> None:
    items = batch_io.items_from_csv("x;y\n368.020,5;9.231.050\n368020.5;9231050,25\n", None)
    assert points(items) == [[368020.5, 9231050.0], [368020.5, 9231050.25]]


def test_empty_and_unreadable_rows_say_which_row_and_why() -> None:
    body = (
        "id;wkt;lon;lat;kbli\n"  # line 1
        "a;POINT (109.75 -6.93);;;47111\n"  # line 2: row 1
        "b;;;;47111\n"  # line 3: row 2, nothing to place it
        ";;;;\n"  # line 4: an empty Excel row, skipped
        "c;;109,75;;47111\n"  # line 5: row 3, no lat
        "d;;abc;-6,9;47111\n"  # line 6: row 4, lon not a number
        "e;POLYGON ((;;;47111\n"  # line 7: row 5, bad WKT
    )
    items = batch_io.items_from_csv(body, None)
    assert [i.ref for i in items] == ["a", "b", "c", "d", "e"]
    assert items[0].error is None
    # Rows as a spreadsheet numbers them (the header is row 1, the empty row counts).
    assert [i.where for i in items] == [
        "row 2 (id a)",
        "row 3 (id b)",
        "row 5 (id c)",
        "row 6 (id d)",
        "row 7 (id e)",
    ]
    assert [i.where_id for i in items][1] == "baris 3 (id b)"
    assert items[1].error == "no geometry: the wkt cell is empty and lon and lat are empty"
    assert items[1].error_id == "tidak ada geometri: sel wkt kosong dan lon dan lat kosong"
    assert items[2].error == "no geometry: the wkt cell is empty and lat is empty"
    assert items[3].error == "lon 'abc' is not a number"
    assert items[4].error is not None and items[4].error.startswith("cannot read the WKT")
    assert "NoneType" not in "".join(i.error or "" for i in items)
    # No id column: the row number alone; a quoted cell's line break is still one row.
    quoted = batch_io.items_from_csv('lon;lat;note\n1;;"two\nlines"\n;;\n2;;x\n', None)
    assert [i.where for i in quoted] == ["row 2", "row 4"] and quoted[1].ref == 2


def test_rows_without_geometry_columns_or_header_are_refused() -> None:
    with pytest.raises(InvalidParameter, match="bujur/lintang.*its header has: a, b"):
        batch_io.items_from_csv("a;b\n1;2\n", None)
    with pytest.raises(InvalidParameter, match="empty"):
        batch_io.items_from_csv("", None)


def test_excel_ansi_csv_and_its_media_type() -> None:
    raw = "id;nama;bujur;lintang\n1;Kelurahan Proyonanggan – Utara;109,75;-6,93\n".encode("cp1252")
    items = batch_io.items_from_bytes(raw, None, "application/vnd.ms-excel")
    assert points(items) == [[109.75, -6.93]]
    assert batch_io.input_kind(b'{"type": "FeatureCollection"}') == "geojson"
    assert batch_io.input_kind(b"id,wkt\n") == "csv"
    assert batch_io.input_kind(b"{}", "text/plain", "parcels.CSV") == "csv"
    with pytest.raises(InvalidParameter, match="save a spreadsheet as CSV"):
        batch_io.input_kind(b"PK", None, "parcels.xlsx")


# --- GeoJSON input ---------------------------------------------------------------------------


def feature(props, **kw):
    geom = {"type": "Point", "coordinates": [109.75, -6.93]}
    return {"type": "Feature", "properties": props, "geometry": geom, **kw}


def test_geojson_properties_that_are_not_an_object_are_row_errors() -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            feature({"id": "ok", "kbli": 47111}),
            feature(["kbli", "47111"]),
            feature("47111", id="f-3"),
            "not a feature",
            feature(None),
        ],
    }
    items = batch_io.items_from_geojson(fc, None)
    assert [i.ref for i in items] == ["ok", 2, "f-3", 4, 5]
    assert items[0].kbli == "47111" and items[0].error is None
    assert items[0].where == "feature 1 (features[0], id ok)"
    assert items[1].where == "feature 2 (features[1])"
    assert items[1].error == "properties must be an object or null, not an array"
    assert items[1].error_code == "invalid_feature"
    assert items[2].where == "feature 3 (features[2], id f-3)"
    assert items[2].where_id == "fitur 3 (features[2], id f-3)"
    assert items[2].error == "properties must be an object or null, not a string"
    assert items[3].where == "feature 4 (features[3])"
    assert items[3].error == "it is a string, not a GeoJSON Feature object"
    assert items[4].error is None


def test_geojson_id_zero_is_kept() -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            feature({"id": 0}),
            feature({}, id=0),
            feature({"id": None}),
            feature({"id": ""}),
        ],
    }
    assert [i.ref for i in batch_io.items_from_geojson(fc, None)] == [0, 0, 3, ""]


# --- flat rows -------------------------------------------------------------------------------


@pytest.fixture
def area(planning_area: Engine) -> Engine:
    return planning_area


def run_batch(engine: Engine, items: list[BatchItem]) -> list[dict]:
    with engine.connect() as conn:
        return zoning.check_batch(conn, items, NOW)


def test_row_carries_conditions_sources_envelope_and_the_kbli_sent(area: Engine) -> None:
    items = [
        BatchItem(ref="a", geometry=mapping(utm_box(50, 150)), crs="EPSG:32749", kbli="68111"),
        BatchItem(ref="b", geometry=mapping(utm_box(0, 50)), crs="EPSG:32749", activity="rumah"),
        BatchItem(ref="c", geometry={"type": "Polygon"}, crs="EPSG:32749", kbli="47111"),
    ]
    a, b, c = (flat_row(r) for r in run_batch(area, items))
    assert list(a) == batch_io.COLUMNS == list(c)
    # x 50..150: 5,000 m2 of R-2 (rumah I) and 5,000 m2 of K-1 (rumah T, with a condition).
    assert a["kbli"] == "68111" and a["activity"] == "rumah"
    assert a["verdict"] == "mixed" and a["verdict_shares"] == "I:0.5;T:0.5"
    assert a["zones"] == "K-1:0.5;R-2:0.5" and a["itbx"] == "K-1:T;R-2:I"  # ties by code
    assert a["conditions"] == "K-1: maksimum 50% luas persil"
    assert a["conditions_en"] == "K-1: at most 50% of the plot"
    # ITBX of rumah in R-2 and K-1 (Pasal 10, 11) and their intensity rows (Pasal 20, 21).
    assert a["legal"] == " | ".join(f"{PERDA} Pasal {n}" for n in (10, 11, 20, 21))
    # KDB 60 % and 80 %, KLB 1.2 and 4, KDH 20 % and 10 % of 5,000 m2 each; heights 12 and 32.
    assert a["max_footprint_m2"] == 0.6 * 5000 + 0.8 * 5000
    assert a["max_floor_area_m2"] == 1.2 * 5000 + 4 * 5000
    assert a["min_green_area_m2"] == 0.2 * 5000 + 0.1 * 5000
    assert a["max_height_m"] == 12
    assert a["area_m2"] == 10_000 and a["no_plan_share"] == 0
    assert (a["desa_code"], a["error"]) == ("33.25.11.2001", None)
    # Sent by activity: no KBLI column of its own (not every code of the activity).
    assert (b["kbli"], b["activity"], b["verdict"], b["conditions"]) == (None, "rumah", "I", None)
    assert (c["kbli"], c["error"], c["verdict"]) == ("47111", "invalid_geometry", None)


def test_csv_json_and_geojson_carry_the_same_rows(area: Engine) -> None:
    items = [
        BatchItem(ref=0, geometry=mapping(utm_box(250, 350)), crs="EPSG:32749", kbli="10631"),
        BatchItem(ref="bad", geometry=None, error="row 2 (line 3): no geometry", kbli="1"),
    ]
    results = run_batch(area, items)
    as_json = json.loads(batch_io.render(results, "json")[0])["rows"]
    geojson = json.loads(batch_io.render(results, "geojson")[0])
    as_geojson = [f["properties"] for f in geojson["features"]]
    as_csv = list(csv.DictReader(io.StringIO(batch_io.render(results, "csv")[0])))
    assert as_json == as_geojson
    assert [list(r) for r in as_csv] == [batch_io.COLUMNS] * 2
    for j, c in zip(as_json, as_csv, strict=True):
        assert {k: "" if v is None else str(v) for k, v in j.items()} == c
    assert as_json[0]["id"] == 0 and as_json[0]["verdict_shares"] == "B:0.5;no_plan:0.5"
    assert as_json[1]["detail"] == "row 2 (line 3): no geometry" and as_json[1]["kbli"] == "1"


def test_every_row_error_names_its_row_in_both_languages(area: Engine) -> None:
    square = utm_box(0, 50).wkt
    body = (
        "id;wkt;kbli;activity\n"
        f"a;{square};;rice mill\n"  # row 2: words, not an activity id
        f";{square};47300;\n"  # row 3: no id; not a KBLI 2020 code
        f"c;{utm_box(0, 3200, 0, 3200).wkt};10631;\n"  # row 4: 1,024 ha, over 1,000 ha
        f"d;{square};10631;rumah\n"  # row 5: a code and an id that disagree
        "e;;10631;\n"  # row 6: no geometry
        f"f;{square};10631;\n"  # row 7: checked
    )
    results = run_batch(area, batch_io.items_from_csv(body, "EPSG:32749"))
    rows = json.loads(batch_io.render(results, "json")[0])["rows"]
    where = ["row 2 (id a)", "row 3", "row 4 (id c)", "row 5 (id d)", "row 6 (id e)"]
    errors = ["unknown_activity", "unknown_activity", "too_large", "unknown_activity"]
    assert [r["error"] for r in rows] == [*errors, "invalid_geometry", None]
    for row, en in zip(rows, where, strict=False):
        assert row["detail"].startswith(en + ": "), row["detail"]
        assert row["detail_id"].startswith(en.replace("row", "baris") + ": "), row["detail_id"]
        assert "baris" not in row["detail"] and "maksud" not in row["detail"]
        assert "row " not in row["detail_id"] and "did you mean" not in row["detail_id"]
    # `rice mill` is the English name of penggilingan_padi (tests/zoning_fixture.py): suggested,
    # not taken, each language with its own name.
    assert rows[0]["detail"] == (
        "row 2 (id a): unknown activity id 'rice mill'; did you mean penggilingan_padi (Rice mill)?"
    )
    assert rows[0]["detail_id"] == (
        "baris 2 (id a): Kode kegiatan 'rice mill' tidak dikenal; "
        "maksud Anda penggilingan_padi (Penggilingan padi)?"
    )
    assert rows[0]["suggestions"] == [
        {
            "activity": "penggilingan_padi",
            "name": "Penggilingan padi",
            "name_en": "Rice mill",
            "kbli": ["10631"],
        }
    ]
    assert [s["kbli"] for s in rows[1]["suggestions"]][:3] == ["47301", "47302", "47303"]
    assert "suggestions" not in rows[2]
    as_csv = batch_io.render(results, "csv")[0]
    assert as_csv.splitlines()[0].split(",") == batch_io.COLUMNS  # no suggestions column
    assert "did you mean penggilingan_padi (Rice mill)?" in as_csv


def test_vector_file_rows_are_named_by_feature(tmp_path: Path) -> None:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(
        {"id": ["v-1", "v-2", None]},
        geometry=[shapely.Point(X0, Y0), None, None],
        crs="EPSG:32749",
    )
    gdf.to_file(tmp_path / "persil.gpkg", engine="pyogrio")
    items = batch_io.items_from_file(tmp_path / "persil.gpkg", None)
    assert [i.where for i in items] == ["feature 1 (id v-1)", "feature 2 (id v-2)", "feature 3"]
    assert [i.error for i in items] == [None, *["the feature has no geometry"] * 2]
    assert items[1].where_id == "fitur 2 (id v-2)"
    assert items[1].error_id == "fitur tidak memiliki geometri"


# --- the CLI reads the same way -------------------------------------------------------------


def test_check_file_reads_semicolon_csv(cli_env, area: Engine, tmp_path: Path) -> None:
    from app.cli import app

    lon, lat = TO_WGS.transform(X0 + 20, Y0 + 50)
    src = tmp_path / "persil.csv"
    src.write_bytes(
        f"id;bujur;lintang;kbli\nP-1;{comma(lon)};{comma(lat)};47111\nP-2;;;47111\n".encode(
            "utf-8-sig"
        )
    )
    dst = tmp_path / "hasil.csv"
    args = ["zoning", "check-file", str(src), str(dst), "--as-of", "2026-01-01"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0 and "2 parcels checked, 1 with errors" in r.output, r.output
    rows = list(csv.DictReader(dst.open(encoding="utf-8")))
    assert (rows[0]["id"], rows[0]["verdict"], rows[0]["kbli"]) == ("P-1", "T", "47111")
    assert rows[0]["conditions"] == "R-2: hanya di jalan kolektor"
    assert rows[1]["detail"] == "row 3 (id P-2): no geometry: bujur and lintang are empty"


def test_a_detailed_parcel_fits_in_one_cell() -> None:
    ring = [
        (X0 + 50 + 40 * math.cos(t / 1000), Y0 + 50 + 40 * math.sin(t / 1000)) for t in range(6283)
    ]
    wkt = shapely.Polygon(ring).wkt
    assert len(wkt) > 131_072  # the csv module's default cell limit
    items = batch_io.items_from_csv(f'id;wkt\n1;"{wkt}"\n', "EPSG:32749")
    assert items[0].error is None and items[0].geometry["type"] == "Polygon"
    with pytest.raises(InvalidParameter, match="line 2: field larger than field limit"):
        batch_io.items_from_csv("id,wkt\n1," + "9" * (batch_io.MAX_CELL_CHARS + 1), None)
