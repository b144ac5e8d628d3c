"""The catalog of named things (catalog/named.py, catalog/history.py): one finder, one
ambiguity error, one history and rollback, the same for layers and rasters.

A layer and a raster both named `lahan` are loaded in regions 33.25 (twice: v1, v2) and 33.26
(once); a layer `tanpa` was loaded before any region existed (it has none). The expected
texts and numbers are written out here, not taken from the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from app.cli import app as cli
from app.errors import InvalidParameter, LayerNotFound, NotFound, RasterNotFound
from app.services.catalog import history
from app.services.catalog.ingest import LoadRequest, load_layer
from app.services.catalog.layers import LAYER
from app.services.catalog.named import NamedTable, find_named, region_is, region_or_all
from app.services.rasters.catalog import RASTER, get_raster
from app.services.rasters.ingest import load_raster
from app.settings import raster_settings
from tests.fixtures import squares_utm, write
from tests.raster_fixture import TINY, tiny_classes

KINDS = [pytest.param(LAYER, id="layer"), pytest.param(RASTER, id="raster")]
NOUN = {"layer": ("lapisan", "layer"), "raster": ("raster", "raster")}  # (id, en)
MISSING: dict[str, type[NotFound]] = {"layer": LayerNotFound, "raster": RasterNotFound}


def _load_layer(engine: Engine, path: Path, name: str, region: str | None, title: str) -> None:
    request = LoadRequest(path=path, name=name, kind="thematic", region=region, title=title)
    with engine.begin() as conn:
        load_layer(conn, request)


def _load_raster(
    engine: Engine, folder: Path, region: str, data: np.ndarray, title: str, classes: bool
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tif, csv = tiny_classes(folder, data)
    with engine.begin() as conn:
        load_raster(
            conn,
            tif,
            "lahan",
            settings=raster_settings(),
            region=region,
            classes_csv=csv if classes else None,
            title=title,
            actor="pemuat",
        )


@pytest.fixture
def twins(clean: Engine, tmp_path: Path) -> Engine:
    """`lahan` as a layer and a raster in 33.25 (v1 "Lahan satu", v2 "Lahan dua") and 33.26
    (v1 "Lahan B"); raster 33.25 v1 is categorical, v2 continuous (loaded without classes).
    A layer `tanpa` of no region."""
    _load_layer(clean, write(squares_utm(1), tmp_path / "t.gpkg"), "tanpa", None, "Tanpa")
    with clean.begin() as conn:
        for code in ("33.25", "33.26"):
            conn.execute(
                text("INSERT INTO region (code, name, metric_crs) VALUES (:c, :c, 'EPSG:32749')"),
                {"c": code},
            )
    _load_layer(clean, write(squares_utm(2), tmp_path / "a1.gpkg"), "lahan", "33.25", "Lahan satu")
    _load_layer(clean, write(squares_utm(3), tmp_path / "a2.gpkg"), "lahan", "33.25", "Lahan dua")
    _load_layer(clean, write(squares_utm(4), tmp_path / "b1.gpkg"), "lahan", "33.26", "Lahan B")
    _load_raster(clean, tmp_path / "r1", "33.25", TINY, "Lahan satu", classes=True)
    _load_raster(clean, tmp_path / "r2", "33.25", TINY + 1, "Lahan dua", classes=False)
    _load_raster(clean, tmp_path / "r3", "33.26", TINY, "Lahan B", classes=True)
    return clean


def _row(conn: Connection, table: str, region: str) -> Any:
    """Return the named row and its current version's number and title, read directly."""
    return conn.execute(
        text(
            f"SELECT o.id, o.title, o.kind, v.version, v.title AS version_title "
            f"FROM {table} o JOIN {table}_version v ON v.id = o.current_version_id "
            "WHERE o.name = 'lahan' AND o.region_code = :r"
        ),
        {"r": region},
    ).one()


# --- find_named --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_name_two_regions_use_is_ambiguous_in_both_languages(
    twins: Engine, kind: NamedTable[Any]
) -> None:
    noun_id, noun_en = NOUN[kind.table]
    with twins.connect() as conn, pytest.raises(InvalidParameter) as caught:
        find_named(conn, kind, "lahan")
    err = caught.value
    assert err.code == "invalid_parameter" and err.extra == {"regions": ["33.25", "33.26"]}
    assert err.message == (
        f"several regions have a {noun_en} named 'lahan' (33.25, 33.26); "
        "name one with ?region=CODE (CLI: --region CODE)"
    )
    assert err.message_id == (
        f"Beberapa wilayah memiliki {noun_id} bernama 'lahan' (33.25, 33.26); "
        "sebutkan salah satunya dengan ?region=KODE (CLI: --region KODE)"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_region_picks_one(twins: Engine, kind: NamedTable[Any]) -> None:
    with twins.connect() as conn:
        for code in ("33.25", "33.26"):
            found = find_named(conn, kind, "lahan", code)
            row = _row(conn, kind.table, code)
            assert (found.id, found.name, found.region_code) == (row.id, "lahan", code)
        with pytest.raises(MISSING[kind.table]):
            find_named(conn, kind, "lahan", "33.27")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_name_is_its_kinds_not_found(twins: Engine, kind: NamedTable[Any]) -> None:
    with twins.connect() as conn:
        with pytest.raises(MISSING[kind.table]) as plain:
            find_named(conn, kind, "nope")
        with pytest.raises(MISSING[kind.table]) as in_region:
            find_named(conn, kind, "nope", "33.25")
    if kind is LAYER:
        assert plain.value.code == "layer_not_found"
        assert (plain.value.message, plain.value.message_id) == (
            "no layer named 'nope'",
            "Tidak ada lapisan bernama 'nope'",
        )
        assert (in_region.value.message, in_region.value.message_id) == (
            "no layer named 'nope' in region 33.25",
            "Tidak ada lapisan bernama 'nope' di wilayah 33.25",
        )
    else:
        assert plain.value.code == "raster_not_found"
        assert (plain.value.message, plain.value.message_id) == (
            "no raster named 'nope'",
            "Raster 'nope' tidak ditemukan",
        )
        assert (in_region.value.message, in_region.value.message_id) == (
            "no raster named 'nope' in region 33.25",
            "Raster 'nope' di wilayah 33.25 tidak ditemukan",
        )


def test_the_two_region_filters_say_what_null_means(twins: Engine) -> None:
    def names(where: str, region: str | None) -> set[tuple[str, str | None]]:
        rows = conn.execute(
            text(f"SELECT l.name, l.region_code FROM layer l WHERE {where}"), {"region": region}
        )
        return {(r.name, r.region_code) for r in rows}

    with twins.connect() as conn:
        # NULL: the layers loaded without a region, or every region
        assert names(region_is(), None) == {("tanpa", None)}
        assert names(region_or_all(), None) == {
            ("tanpa", None),
            ("lahan", "33.25"),
            ("lahan", "33.26"),
        }
        for where in (region_is(), region_or_all()):
            assert names(where, "33.26") == {("lahan", "33.26")}


# --- history and rollback ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_versions_events_and_rollback(twins: Engine, kind: NamedTable[Any]) -> None:
    noun_id, noun_en = NOUN[kind.table]
    with twins.connect() as conn:
        rows = history.versions(conn, kind, "lahan", "33.25")
        events = history.events(conn, kind, "lahan", "33.25")
    assert [(r.version, r.current, r.title) for r in rows] == [
        (2, True, "Lahan dua"),
        (1, False, "Lahan satu"),
    ]
    assert [(e.action, e.from_version, e.to_version) for e in events] == [
        ("load", None, 1),
        ("load", 1, 2),
    ]

    with twins.begin() as conn:
        done = history.rollback(
            conn, kind, "lahan", 1, actor="budi", note="v2 salah", region="33.25"
        )
    assert (done.name, done.region, done.from_version, done.to_version, done.changed) == (
        "lahan",
        "33.25",
        2,
        1,
        True,
    )
    with twins.connect() as conn:
        now, other = _row(conn, kind.table, "33.25"), _row(conn, kind.table, "33.26")
        rows = history.versions(conn, kind, "lahan", "33.25")
        events = history.events(conn, kind, "lahan", "33.25")
    assert (now.version, now.title, now.version_title) == (1, "Lahan satu", "Lahan satu")
    assert (other.version, other.title) == (1, "Lahan B")  # the other region's is untouched
    assert [(r.version, r.current) for r in rows] == [(2, False), (1, True)]
    last = events[-1]
    assert (last.action, last.from_version, last.to_version, last.actor, last.note) == (
        "rollback",
        2,
        1,
        "budi",
        "v2 salah",
    )
    if kind is LAYER:  # a layer's versions carry the events that made them current
        assert [(e.action, e.from_version) for e in rows[1].events] == [
            ("load", None),
            ("rollback", 2),
        ]
    else:  # a raster's rollback brings its version's kind back too
        assert now.kind == "categorical"

    with twins.begin() as conn:
        again = history.rollback(conn, kind, "lahan", 1, region="33.25")
        with pytest.raises(MISSING[kind.table]) as caught:
            history.rollback(conn, kind, "lahan", 9, region="33.25")
        with pytest.raises(InvalidParameter):
            history.rollback(conn, kind, "lahan", 1)  # two regions: name one
    assert (again.from_version, again.changed) == (1, False)
    assert caught.value.message == (
        f"{noun_en} 'lahan' in region 33.25 has no version 9; its versions are: 1, 2"
    )
    assert caught.value.message_id == (
        f"{noun_id.capitalize()} 'lahan' di wilayah 33.25 tidak memiliki versi 9; versinya: 1, 2"
    )


def test_a_rolled_back_raster_is_what_is_read(twins: Engine) -> None:
    with twins.begin() as conn:
        history.rollback(conn, RASTER, "lahan", 1, region="33.25")
    with twins.connect() as conn:
        record = get_raster(conn, "lahan", region="33.25")
    assert (record.version, record.kind, len(record.classes)) == (1, "categorical", 3)


# --- the two route sets and the two command groups -----------------------------------------------


@pytest.mark.parametrize("path", ["/layers/lahan/versions", "/rasters/lahan/versions"])
def test_the_versions_routes(client: TestClient, twins: Engine, path: str) -> None:
    noun = "layer" if path.startswith("/layers") else "raster"
    both = client.get(path)
    assert both.status_code == 422 and both.json()["regions"] == ["33.25", "33.26"]
    assert both.json()["message"]["en"].startswith(f"several regions have a {noun} named")
    assert both.json()["message"]["id"].startswith("Beberapa wilayah memiliki")
    one = client.get(path, params={"region": "33.25"})
    assert one.status_code == 200
    assert [(v["version"], v["current"], v["region"]) for v in one.json()] == [
        (2, True, "33.25"),
        (1, False, "33.25"),
    ]
    gone = client.get(path.replace("lahan", "nope"))
    assert gone.status_code == 404 and gone.json()["error"] == f"{noun}_not_found"


def test_rtrw_rasters_history_and_rollback(cli_env: str, twins: Engine) -> None:
    runner = CliRunner()

    def rtrw(*args: str) -> Any:
        return runner.invoke(cli, list(args))

    r = rtrw("rasters", "rollback", "lahan", "--to", "1", "--region", "33.25", "--by", "sri")
    assert r.exit_code == 0 and "lahan: v2 -> v1 is now current" in r.output, r.output
    r = rtrw("rasters", "rollback", "lahan", "--to", "1", "--region", "33.25")
    assert r.exit_code == 0 and "already at v1: nothing changed" in r.output
    r = rtrw("rasters", "rollback", "lahan", "--to", "1")
    assert r.exit_code == 1 and "several regions have a raster named 'lahan'" in r.output
    r = rtrw("rasters", "history", "lahan", "--region", "33.25")
    assert r.exit_code == 0 and "rollback" in r.output and "sri" in r.output
    r = rtrw("layers", "history", "lahan", "--region", "33.26", "--json")
    assert r.exit_code == 0 and '"title": "Lahan B"' in r.output and '"events"' in r.output
