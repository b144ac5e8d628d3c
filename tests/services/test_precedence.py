"""RDTR over RTRW, the newer RDTR over the older, the permit route, parcels partly outside.

Layout in EPSG:32749 (x, y from X0, Y0, metres; every square 100 m high, y 0..100):
    rtrw       P-1 (Tanaman pangan)   x   0..300             plan rtrw
    rdtr       K-1 (Perdagangan)      x 100..200             plan rdtr
    rdtr_baru  R-2 (Perumahan)        x 150..250             plan rdtr, loaded after rdtr
    desa       33.25.11.2001          x -1000..1000, y -1000..100: north of y 100 is the sea
Rules: tests/zoning_fixture.py (minimarket: K-1 I, R-2 T, P-1 X; KDB K-1 80 %, R-2 60 %,
P-1 10 %; KLB 4, 1.2, 0.1).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, mapping
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from app.cli import app as cli
from app.errors import RulesError
from app.services import rules, zoning
from app.services.catalog.layers import get_layer, list_layers
from app.services.rules.tables import read_rules
from app.services.zoning.batch import flat_row
from tests.fixtures import X0, Y0, write
from tests.zoning_fixture import ROUTE_RULES, utm_box, write_rules

NOW = date(2026, 1, 1)
MINIMARKET = "47111"


def _zoning(path: Path, code: str, x0: float, x1: float) -> Path:
    gdf = gpd.GeoDataFrame(
        {"KODSZN": [code], "NAMSZN": [code]}, geometry=[utm_box(x0, x1)], crs="EPSG:32749"
    )
    return write(gdf, path)


def _desa(path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"KDEPUM": ["33.25.11.2001"], "NAMOBJ": ["Kauman"]},
        geometry=[utm_box(-1000, 1000, -1000, 100)],
        crs="EPSG:32749",
    )
    return write(gdf, path)


@pytest.fixture
def plans(load, clean: Engine, tmp_path: Path):
    """Return a function loading the RTRW, the RDTR(s) and the desa, with or without routes."""

    def _setup(
        *, oss: bool = False, second_rdtr: bool = False, routes: bool = False
    ) -> Engine:
        data = tmp_path / "data"
        load(_zoning(data / "rtrw.gpkg", "P-1", 0, 300), "rtrw", "zoning", plan="rtrw")
        load(
            _zoning(data / "rdtr.gpkg", "K-1", 100, 200),
            "rdtr",
            "zoning",
            plan="rdtr",
            oss_integrated=oss,
        )
        if second_rdtr:
            load(_zoning(data / "baru.gpkg", "R-2", 150, 250), "rdtr_baru", "zoning", plan="rdtr")
        load(_desa(data / "desa.gpkg"), "desa", "admin")
        with clean.begin() as conn:
            extra = ROUTE_RULES if routes else {}
            rules.load_rules(conn, write_rules(tmp_path / "rules", **extra))
        return clean

    return _setup


def answer_of(engine: Engine, geom, kbli: str | None = MINIMARKET):
    with engine.connect() as conn:
        return zoning.check(conn, mapping(geom), "EPSG:32749", kbli=kbli, as_of=NOW)


def run(engine: Engine, geom, kbli: str | None = MINIMARKET):
    return answer_of(engine, geom, kbli).to_json()


def by_code(answer) -> dict[str, dict]:
    return {z["code"]: z for z in answer["zones"]}


def test_rdtr_answers_where_it_lies_and_rtrw_elsewhere(plans) -> None:
    engine = plans()
    # x 50..250 = 20,000 m2: RTRW x 50..100 and 200..250 (10,000), RDTR x 100..200 (10,000).
    a = run(engine, utm_box(50, 250))
    zones = by_code(a)
    assert set(zones) == {"K-1", "P-1"}
    assert zones["K-1"]["share"] == 0.5 and zones["K-1"]["area_m2"] == 10_000
    assert zones["P-1"]["share"] == 0.5 and zones["P-1"]["area_m2"] == 10_000
    assert (zones["K-1"]["plan"], zones["K-1"]["layer"]) == ("rdtr", "rdtr")
    assert (zones["P-1"]["plan"], zones["P-1"]["layer"]) == ("rtrw", "rtrw")
    assert sum(z["share"] for z in a["zones"]) + a["no_plan_share"] == 1
    assert a["verdict"] == "mixed" and a["verdict_shares"] == {"I": 0.5, "X": 0.5}
    # Footprint KDB 80 % x 10,000 + 10 % x 10,000; floor area KLB 4 x 10,000 + 0.1 x 10,000.
    assert a["envelope"]["max_footprint_m2"] == 8_000 + 1_000
    assert a["envelope"]["max_floor_area_m2"] == 40_000 + 1_000
    plans_used = {s["layer"]: s["plan"] for s in a["sources"]["layers"] if "plan" in s}
    assert plans_used == {"rtrw": "rtrw", "rdtr": "rdtr"}
    # Wholly inside the RDTR: the RDTR alone answers (the RTRW would say X).
    inside = run(engine, utm_box(120, 180))
    assert [(z["code"], z["share"]) for z in inside["zones"]] == [("K-1", 1.0)]
    assert inside["verdict"] == "I"
    assert inside["envelope"]["max_footprint_m2"] == 0.8 * 6_000


def test_a_point_takes_the_most_detailed_plan(plans) -> None:
    engine = plans()
    on_rdtr = run(engine, Point(X0 + 150, Y0 + 50))
    assert [(z["code"], z["plan"]) for z in on_rdtr["zones"]] == [("K-1", "rdtr")]
    assert on_rdtr["verdict"] == "I" and on_rdtr["verdict_shares"] == {"I": 1.0}
    on_rtrw = run(engine, Point(X0 + 50, Y0 + 50))
    assert [(z["code"], z["plan"]) for z in on_rtrw["zones"]] == [("P-1", "rtrw")]


def test_between_two_rdtrs_the_newer_wins(plans) -> None:
    engine = plans(second_rdtr=True)
    # x 100..300 = 20,000 m2: old RDTR x 100..150, new RDTR x 150..250, RTRW x 250..300.
    a = run(engine, utm_box(100, 300))
    assert {c: z["share"] for c, z in by_code(a).items()} == {"K-1": 0.25, "R-2": 0.5, "P-1": 0.25}
    assert by_code(a)["R-2"]["layer"] == "rdtr_baru"
    assert a["no_plan_share"] == 0 and a["verdict_shares"] == {"T": 0.5, "I": 0.25, "X": 0.25}
    # KDB: 80 % x 5,000 + 60 % x 10,000 + 10 % x 5,000.
    assert a["envelope"]["max_footprint_m2"] == 4_000 + 6_000 + 500
    point = run(engine, Point(X0 + 175, Y0 + 50))
    assert [(z["code"], z["layer"]) for z in point["zones"]] == [("R-2", "rdtr_baru")]


def test_route_is_kkkpr_only_when_every_part_is_in_an_oss_rdtr(plans) -> None:
    engine = plans(oss=True, routes=True)
    inside = run(engine, utm_box(120, 180))
    route = inside["route"]
    assert route["route"] == "KKKPR" and route["when"] == "all_rdtr_oss"
    assert route["reason"] == "Di RDTR terintegrasi OSS"
    assert route["reason_en"] == "In an OSS-integrated RDTR"
    assert route["legal"]["citation"] == "PP No. 21 Tahun 2021"
    assert "PP No. 21 Tahun 2021" in {c["citation"] for c in inside["sources"]["legal"]}
    assert "Permit route: KKKPR" in inside["summary"]["en"]
    assert "Jalur perizinan: KKKPR" in inside["summary"]["id"]
    across = run(engine, utm_box(50, 150))  # half in the RTRW
    assert across["route"]["route"] == "PKKPR" and across["route"]["when"] == "otherwise"
    assert across["route"]["legal"]["citation"] == "Permen ATR/BPN No. 13 Tahun 2021"
    assert run(engine, utm_box(0, 50))["route"]["route"] == "PKKPR"
    assert run(engine, Point(X0 + 150, Y0 + 50))["route"]["route"] == "KKKPR"
    row = flat_row(answer_of(engine, utm_box(120, 180)))
    assert row["route"] == "KKKPR" and row["plans"] == "K-1:rdtr"


def test_route_is_pkkpr_when_the_rdtr_is_not_in_oss(plans) -> None:
    engine = plans(oss=False, routes=True)
    assert run(engine, utm_box(120, 180))["route"]["route"] == "PKKPR"


def test_route_is_null_without_a_routes_table(plans) -> None:
    engine = plans(oss=True)
    assert run(engine, utm_box(120, 180))["route"] is None


def test_a_parcel_half_in_the_sea_gets_the_inside_answer_and_a_warning(plans) -> None:
    engine = plans()
    # x 0..100, y 50..150 = 10,000 m2: y 50..100 in the RTRW (P-1) and the desa, y 100..150
    # beyond the desa (the sea), zoned by nothing.
    a = run(engine, utm_box(0, 100, 50, 150))
    assert [(z["code"], z["share"], z["area_m2"]) for z in a["zones"]] == [("P-1", 0.5, 5000)]
    assert a["outside_share"] == 0.5 and a["outside_m2"] == 5000
    assert a["no_plan_share"] == 0 and a["no_plan_m2"] == 0  # the sea is not "no plan"
    # the verdict is on the part inside: all of it X, so X (never `mixed`)
    assert a["verdict"] == "X" and a["verdict_shares"] == {"X": 1.0}
    assert a["outside_warning"]["en"].startswith("50 % of the parcel lies outside")
    assert a["outside_warning"]["id"].startswith("50 % persil berada di luar wilayah")
    assert {"code": "outside_part", **a["outside_warning"]} in a["warnings"]
    assert a["summary"]["en"].startswith("Warning: 50 % of the parcel lies outside")
    assert a["summary"]["id"].startswith("Peringatan: 50 % persil berada di luar")
    assert a["envelope"]["max_footprint_m2"] == 0.1 * 5_000
    row = flat_row(answer_of(engine, utm_box(0, 100, 50, 150)))
    assert row["outside_share"] == 0.5 and row["verdict"] == "X"
    # Unzoned but inside the desa is no_plan, not outside: x 250..350, y 0..100.
    b = run(engine, utm_box(250, 350))
    assert b["outside_share"] == 0 and b["outside_warning"] is None
    assert b["verdict"] == "mixed" and b["verdict_shares"] == {"X": 0.5, "no_plan": 0.5}
    # Nothing zoned: half unzoned in the desa, half in the sea.
    c = run(engine, utm_box(400, 500, 50, 150))
    assert c["verdict"] == "no_plan" and c["verdict_shares"] == {"no_plan": 1.0}
    assert c["outside_share"] == 0.5 and c["no_plan_share"] == 0.5
    # Wholly in the sea: outside, never a letter.
    d = run(engine, utm_box(0, 100, 200, 300))
    assert d["verdict"] == "outside" and d["verdict_shares"] == {"outside": 1.0}
    assert d["zones"] == [] and d["outside_share"] == 1.0


runner = CliRunner()


def test_plan_via_cli_and_taken_as_rtrw_when_missing(cli_env, clean, tmp_path: Path) -> None:
    path = _zoning(tmp_path / "rdtr.gpkg", "K-1", 100, 200)
    args = ["layers", "load", str(path), "--name", "rdtr", "--kind", "zoning"]
    r = runner.invoke(cli, [*args, "--plan", "rdtr", "--oss-integrated"])
    assert r.exit_code == 0, r.output
    assert "plan: rdtr, integrated in OSS" in r.output and "taken as rtrw" not in r.output
    r = runner.invoke(cli, ["layers", "load", str(path), "--name", "umum", "--kind", "zoning"])
    assert r.exit_code == 0, r.output
    assert "taken as rtrw" in r.output
    bad = runner.invoke(cli, [*args, "--plan", "rdtrx"])
    assert bad.exit_code != 0 and "unknown plan" in bad.output
    with clean.connect() as conn:
        layers = {lyr.name: lyr for lyr in list_layers(conn)}
        assert (layers["rdtr"].plan, layers["rdtr"].oss_integrated) == ("rdtr", True)
        assert (layers["umum"].plan, layers["umum"].oss_integrated) == ("rtrw", False)
        assert "taken as rtrw" in get_layer(conn, "umum").report["notes"][0]


def test_plan_via_api_listing(client, load, tmp_path: Path) -> None:
    load(_zoning(tmp_path / "r.gpkg", "K-1", 100, 200), "rdtr", "zoning", plan="rdtr")
    listing = {lyr["name"]: lyr for lyr in client.get("/layers").json()}
    assert listing["rdtr"]["plan"] == "rdtr" and listing["rdtr"]["oss_integrated"] is False


def _pack(tmp_path: Path, extra: str, data: bool = True) -> Path:
    pack = tmp_path / "contoh"
    if data:
        _zoning(pack / "data" / "rtrw.gpkg", "P-1", 0, 300)
        _zoning(pack / "data" / "rdtr.gpkg", "K-1", 100, 200)
    (pack / "region.toml").write_text(
        f"""
[region]
name = "Kabupaten Contoh"
code = "33.99"
metric_crs = "EPSG:32749"

[[layers]]
name = "rtrw"
kind = "zoning"
file = "data/rtrw.gpkg"

[[layers]]
name = "rdtr"
kind = "zoning"
file = "data/rdtr.gpkg"
{extra}
""",
        encoding="utf-8",
    )
    return pack


def test_plan_via_region_toml_and_a_changed_plan_reloads(
    cli_env, clean, tmp_path: Path
) -> None:
    pack = _pack(tmp_path, 'plan = "rdtr"\noss_integrated = true')
    r = runner.invoke(cli, ["region", "load", str(pack)])
    assert r.exit_code == 0, r.output
    with clean.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.name, v.plan, v.oss_integrated, v.report FROM layer l "
                "JOIN layer_version v ON v.id = l.current_version_id"
            )
        ).all()
    got = {n: (p, o) for n, p, o, _ in rows}
    assert got == {"rtrw": ("rtrw", False), "rdtr": ("rdtr", True)}
    notes = {n: rep.get("notes") for n, _, _, rep in rows}
    assert "taken as rtrw" in notes["rtrw"][0] and notes["rdtr"] == []
    again = runner.invoke(cli, ["region", "load", str(pack)])
    assert "0 layers loaded" in again.output
    _pack(tmp_path, 'plan = "rdtr"', data=False)  # no longer OSS-integrated: a new version
    changed = runner.invoke(cli, ["region", "load", str(pack)])
    assert "1 layers loaded" in changed.output and "rdtr v2" in changed.output


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ('plan = "rdtrx"', "plan"),
        ("oss_integrated = true", "oss_integrated applies to an RDTR only"),
    ],
)
def test_region_check_refuses_bad_plans(tmp_path: Path, extra: str, fragment: str) -> None:
    pack = _pack(tmp_path, extra)
    r = runner.invoke(cli, ["region", "check", str(pack)])
    assert r.exit_code != 0 and fragment in r.output


def test_routes_table_is_validated(tmp_path: Path) -> None:
    bad = write_rules(
        tmp_path / "rules",
        **{
            **ROUTE_RULES,
            "routes.csv": "route,when,reason\nKKPR,all_rdtr_oss,x\nPKKPR,kadang,\n",
        },
    )
    with pytest.raises(RulesError) as err:
        read_rules(bad)
    message = str(err.value)
    assert "route 'KKPR' must be one of KKKPR, PKKPR" in message
    assert "when 'kadang' must be one of all_rdtr_oss, otherwise" in message
    assert "reason is empty" in message and "when = otherwise" in message
