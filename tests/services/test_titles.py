"""English titles of layers and rasters (`title_en`): from a pack or the CLI to the catalog, the
/layers and /rasters API, the map config, the static map and a check's sources.

Every expected title is the literal written into the pack or passed on the command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.errors import RegionPackError
from app.services.catalog import layers as catalog
from app.services.catalog.manifest import read_manifest
from app.services.maps import static
from app.services.maps.page import map_config
from app.services.maps.static import static_map
from app.services.rasters.catalog import get_raster, list_rasters
from app.services.rasters.ingest import load_raster
from app.services.regions.packs import load_region
from app.services.rules.book import RuleBooks
from app.settings import MapSettings, raster_settings
from tests.fixtures import squares_utm, write
from tests.raster_fixture import tiny_classes
from tests.services.test_static_map import inner_bbox
from tests.zoning_fixture import utm_box, write_layers

ZONA_ID, ZONA_EN = "Pola ruang uji", "Test zoning plan"
LAHAN_ID, LAHAN_EN = "Tutupan lahan", "Land cover"


def _pack(root: Path, zona_en: str | None = ZONA_EN, lahan_en: str | None = LAHAN_EN) -> Path:
    """A pack with a zoning layer (English title `zona_en`), a base layer without an English
    title and a categorical raster (English title `lahan_en`); None leaves the key out."""
    if not (root / "data" / "zona.gpkg").exists():
        write(squares_utm(2), root / "data" / "zona.gpkg")
        write(squares_utm(1), root / "data" / "jalan.geojson")
        tiny_classes(root / "data")
    zona_line = f'title_en = "{zona_en}"' if zona_en is not None else ""
    lahan_line = f'title_en = "{lahan_en}"' if lahan_en is not None else ""
    (root / "region.toml").write_text(
        f"""
[region]
name = "Kabupaten Contoh"
code = "33.99"
metric_crs = "EPSG:32749"

[[layers]]
name = "zona"
kind = "zoning"
file = "data/zona.gpkg"
title = "{ZONA_ID}"
{zona_line}

[[layers]]
name = "jalan"
kind = "base"
file = "data/jalan.geojson"
title = "Jalan uji"

[[rasters]]
name = "lahan"
file = "data/tiny.tif"
classes = "data/classes.csv"
title = "{LAHAN_ID}"
{lahan_line}
""",
        encoding="utf-8",
    )
    return root


def _load(engine: Engine, pack: Path) -> tuple[list[str], list[str]]:
    """Load the pack; return the layers written and the rasters loaded (not unchanged)."""
    with engine.begin() as conn:
        result = load_region(conn, pack)
    return (
        [r.name for r in result.reports],
        [r.name for r in result.rasters if r.status == "loaded"],
    )


def test_pack_title_en_reaches_the_catalog_api_and_map_config(
    clean: Engine, client: TestClient, tmp_path: Path
) -> None:
    pack = _pack(tmp_path)
    assert _load(clean, pack) == (["zona", "jalan"], ["lahan"])

    layers = {x["name"]: x for x in client.get("/layers").json()}
    assert (layers["zona"]["title"], layers["zona"]["title_en"]) == (ZONA_ID, ZONA_EN)
    assert (layers["jalan"]["title"], layers["jalan"]["title_en"]) == ("Jalan uji", None)
    assert client.get("/layers/zona").json()["title_en"] == ZONA_EN
    assert [v["title_en"] for v in client.get("/layers/zona/versions").json()] == [ZONA_EN]
    rasters = client.get("/rasters").json()
    assert [(r["name"], r["title"], r["title_en"]) for r in rasters] == [
        ("lahan", LAHAN_ID, LAHAN_EN)
    ]
    assert client.get("/rasters/lahan").json()["title_en"] == LAHAN_EN

    with clean.connect() as conn:
        assert get_raster(conn, "lahan").title_en == LAHAN_EN
        config = map_config(conn, RuleBooks(), "33.99")
    titles = {x["name"]: (x["title"], x["title_en"]) for x in config["layers"]}
    assert titles == {"zona": (ZONA_ID, ZONA_EN), "jalan": ("Jalan uji", None)}
    assert [(r["name"], r["title"], r["title_en"]) for r in config["rasters"]] == [
        ("lahan", LAHAN_ID, LAHAN_EN)
    ]


def test_changing_only_title_en_makes_a_new_version(clean: Engine, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    assert _load(clean, pack) == (["zona", "jalan"], ["lahan"])
    assert _load(clean, pack) == ([], [])  # nothing changed: nothing loaded
    _pack(tmp_path, zona_en="Zoning (test)", lahan_en="Land use")  # files byte for byte the same
    assert _load(clean, pack) == (["zona"], ["lahan"])
    assert _load(clean, pack) == ([], [])
    with clean.connect() as conn:
        zona = catalog.get_layer(conn, "zona")
        lahan = get_raster(conn, "lahan")
    assert (zona.version, zona.title, zona.title_en) == (2, ZONA_ID, "Zoning (test)")
    assert (lahan.version, lahan.title, lahan.title_en) == (2, LAHAN_ID, "Land use")
    _pack(tmp_path, zona_en=None, lahan_en=None)  # taken out: a version without one
    assert _load(clean, pack) == (["zona"], ["lahan"])
    assert _load(clean, pack) == ([], [])
    with clean.connect() as conn:
        zona = catalog.get_layer(conn, "zona")
        rasters = list_rasters(conn)
    assert (zona.version, zona.title, zona.title_en) == (3, ZONA_ID, None)
    assert [(r.version, r.title_en) for r in rasters] == [(3, None)]


def test_title_en_is_a_known_manifest_key_and_a_typo_is_refused(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    manifest = read_manifest(pack)
    assert [e.title_en for e in manifest.layers] == [ZONA_EN, None]
    assert [e.title_en for e in manifest.rasters] == [LAHAN_EN]
    text = (pack / "region.toml").read_text(encoding="utf-8")
    (pack / "region.toml").write_text(text.replace("title_en", "title_eng", 1), encoding="utf-8")
    with pytest.raises(RegionPackError, match="title_eng"):
        read_manifest(pack)


runner = CliRunner()


def rtrw(*args: object) -> Any:
    return runner.invoke(cli_app, [str(a) for a in args])


def _listed(*args: object) -> dict[str, dict[str, Any]]:
    r = rtrw(*args, "list", "--json")
    assert r.exit_code == 0, r.output
    return {x["name"]: x for x in json.loads(r.output)}


def test_cli_title_en(cli_env, clean: Engine, tmp_path: Path) -> None:
    v1 = write(squares_utm(2), tmp_path / "v1.gpkg")
    v2 = write(squares_utm(3), tmp_path / "v2.gpkg")
    load = ("layers", "load", "--name", "zona", "--kind", "zoning")
    r = rtrw(*load, v1, "--title", ZONA_ID, "--title-en", ZONA_EN)
    assert r.exit_code == 0, r.output
    zona = _listed("layers")["zona"]
    assert (zona["version"], zona["title"], zona["title_en"]) == (1, ZONA_ID, ZONA_EN)
    # a new file with neither title keeps both, as the Indonesian title always was kept
    assert rtrw(*load, v2).exit_code == 0
    zona = _listed("layers")["zona"]
    assert (zona["version"], zona["title"], zona["title_en"]) == (2, ZONA_ID, ZONA_EN)
    # a new Indonesian title alone drops the English one, which named the old title
    assert rtrw(*load, v2, "--title", "Pola ruang baru").exit_code == 0
    zona = _listed("layers")["zona"]
    assert (zona["version"], zona["title"], zona["title_en"]) == (3, "Pola ruang baru", None)

    tif, csv = tiny_classes(tmp_path)
    load = ("rasters", "load", tif, "--name", "lahan", "--classes", csv, "--title", LAHAN_ID)
    r = rtrw(*load, "--title-en", LAHAN_EN)
    assert r.exit_code == 0, r.output
    lahan = _listed("rasters")["lahan"]
    assert (lahan["version"], lahan["title"], lahan["title_en"]) == (1, LAHAN_ID, LAHAN_EN)
    r = rtrw(*load, "--title-en", LAHAN_EN)
    assert r.exit_code == 0 and "unchanged" in r.output
    r = rtrw(*load, "--title-en", "Land use")
    assert r.exit_code == 0 and "lahan v2" in r.output, r.output
    assert _listed("rasters")["lahan"]["title_en"] == "Land use"


@pytest.fixture
def titled(planning_area_with, loader, tmp_path: Path) -> Engine:
    """The planning area with `zona` reloaded under both titles (desa and lp2b have none) and
    the fixture's categorical raster `lahan` with both (built once for the tests)."""
    from tests.services.test_static_raster import classes_tif

    def add(engine: Engine) -> None:
        files = write_layers(tmp_path / "titled")
        loader(files["zona"], "zona", "zoning", title=ZONA_ID, title_en=ZONA_EN)
        tif, classes = classes_tif(tmp_path)
        with engine.begin() as conn:
            load_raster(
                conn, tif, "lahan", settings=raster_settings(), classes_csv=classes,
                title=LAHAN_ID, title_en=LAHAN_EN,
            )  # fmt: skip

    return planning_area_with("titled", add)


def _drawn(engine: Engine, lang: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    """Draw the static map in `lang`; return the layer titles and the attribution it drew."""
    seen: dict[str, Any] = {}
    draw_map = static.draw.draw_map

    def keep(canvas: Any, layers: list[Any]) -> Any:
        seen["titles"] = [layer.title for layer in layers]
        seen["attribution"] = canvas.attribution
        return draw_map(canvas, layers)

    monkeypatch.setattr(static.draw, "draw_map", keep)
    with engine.connect() as conn:
        static_map(
            conn, MapSettings(), width=400, height=300, dpi=100, layers="lahan,zona,desa",
            bbox=inner_bbox(0, 300), lang=lang,
        )  # fmt: skip
    return seen["titles"], seen["attribution"]


def test_static_map_titles_in_the_page_language(
    titled: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles, attribution = _drawn(titled, "en", monkeypatch)
    assert sorted(titles) == sorted([LAHAN_EN, ZONA_EN, "desa"])  # desa: no title, its name
    assert f"{LAHAN_EN} v1" in attribution and f"{ZONA_EN} v2" in attribution
    assert ZONA_ID not in attribution and LAHAN_ID not in attribution
    titles, attribution = _drawn(titled, "id", monkeypatch)
    assert sorted(titles) == sorted([LAHAN_ID, ZONA_ID, "desa"])
    assert f"{LAHAN_ID} v1" in attribution and f"{ZONA_ID} v2" in attribution
    assert ZONA_EN not in attribution and LAHAN_EN not in attribution


def test_check_sources_carry_title_en(titled: Engine, client: TestClient) -> None:
    body = {
        "geometry": mapping(utm_box(50, 150)),
        "crs": "EPSG:32749",
        "as_of": "2026-01-01",
    }
    r = client.post("/zoning/check", json=body)
    assert r.status_code == 200, r.text
    layers = {s["layer"]: s for s in r.json()["sources"]["layers"]}
    assert (layers["zona"]["title"], layers["zona"]["title_en"]) == (ZONA_ID, ZONA_EN)
    assert layers["lp2b"]["title_en"] is None
