"""PNG tiles of rasters: colours at known pixels, nodata transparent, 204, 422, ETag and 304.

The fixtures are tiny COGs laid exactly on one Web Mercator tile (z12), so each tile pixel is
one raster pixel: the expected colours come from the class table and rio-tiler's colour map
tables at hand-computed places, never from the renderer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from fastapi.testclient import TestClient
from PIL import Image
from rasterio.transform import from_origin
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles
from rio_tiler.colormap import cmap
from sqlalchemy import Engine, text

from app.errors import InvalidParameter
from app.main import create_app
from app.services.rasters import tiles as rt
from app.services.rasters.records import RasterClass, RasterRecord
from app.settings import RasterSettings, TileSettings, load_settings

Z, X, Y = 12, 3297, 2127  # a tile over Batang
ORIGIN = 20_037_508.342789244
SIZE = 2 * ORIGIN / 2**Z  # the tile's side in EPSG:3857 metres
WEST, NORTH = -ORIGIN + X * SIZE, ORIGIN - Y * SIZE
CLASSES = (
    RasterClass(1, "Rendah", "Low", "#ff0000"),
    RasterClass(2, "Sedang", "Moderate", "#00ff00"),
    RasterClass(3, "Tinggi", "High", "#0000ff"),
)
NODATA_F = -9999.0


def _lonlat(x: float, y: float) -> tuple[float, float]:
    """Web Mercator metres to degrees (spherical formulas)."""
    lon = x / ORIGIN * 180.0
    lat = np.degrees(2 * np.arctan(np.exp(y / ORIGIN * np.pi)) - np.pi / 2)
    return lon, float(lat)


def _cog(data: np.ndarray, nodata: float, path: Path) -> Path:
    """Write `data` (256 x 256) over the tile Z/X/Y as a COG; return its path."""
    plain = path.with_suffix(".plain.tif")
    with rasterio.open(
        plain, "w", driver="GTiff", width=256, height=256, count=1, dtype=data.dtype.name,
        crs="EPSG:3857", transform=from_origin(WEST, NORTH, SIZE / 256, SIZE / 256),
        nodata=nodata,
    ) as dst:  # fmt: skip
        dst.write(data, 1)
    profile = cog_profiles.get("deflate")
    profile.update(blockxsize=128, blockysize=128)
    cog_translate(plain, path, profile, quiet=True, overview_resampling="nearest")
    assert cog_validate(path)[0]
    return path


def _record(path: Path, kind: str, **kw: object) -> RasterRecord:
    west, north = _lonlat(WEST, NORTH)
    east, south = _lonlat(WEST + SIZE, NORTH - SIZE)
    fields: dict = dict(
        id=1, version_id=1, name=path.stem, region_code=None, title=path.stem, version=1,
        kind=kind, path=path, crs="EPSG:3857", width=256, height=256,
        res=(SIZE / 256, SIZE / 256), bands=1, dtype="uint8", nodata=0,
        bounds_wgs84=(west, south, east, north), stats={"min": 1, "max": 3},
        checksum="c" * 64,
    )  # fmt: skip
    fields.update(kw)
    return RasterRecord(**fields)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A categorical COG (quadrants 1 | 2 / 3 | nodata) and a continuous one (value = column)."""
    folder = tmp_path_factory.mktemp("raster-tiles")
    klas = np.zeros((256, 256), dtype=np.uint8)
    klas[:128, :128], klas[:128, 128:], klas[128:, :128] = 1, 2, 3
    ramp = np.tile(np.arange(256, dtype=np.float32), (256, 1))
    ramp[240:, :] = NODATA_F  # the bottom 16 rows: nodata
    return {
        "klas": _cog(klas, 0, folder / "klas.tif"),
        "ramp": _cog(ramp, NODATA_F, folder / "ramp.tif"),
    }


def _rgba(png: bytes) -> np.ndarray:
    img = Image.open(io.BytesIO(png))
    assert img.size == (256, 256) and img.format == "PNG"
    return np.asarray(img.convert("RGBA"))


def test_categorical_tile_takes_the_class_colours(files: dict[str, Path]) -> None:
    rec = _record(files["klas"], "categorical", classes=CLASSES)
    px = _rgba(rt.render_tile(rec, Z, X, Y, rt.TileStyle()))
    assert tuple(px[64, 64]) == (255, 0, 0, 255)  # class 1, top left
    assert tuple(px[64, 192]) == (0, 255, 0, 255)  # class 2, top right
    assert tuple(px[192, 64]) == (0, 0, 255, 255)  # class 3, bottom left
    assert px[192, 192, 3] == 0  # nodata: transparent
    # every opaque pixel is one of the three classes
    opaque = px[px[..., 3] > 0][:, :3]
    assert {tuple(c) for c in opaque} <= {(255, 0, 0), (0, 255, 0), (0, 0, 255)}
    assert abs(int((px[..., 3] == 0).sum()) - 128 * 128) <= 256  # a quarter, up to an edge


def test_continuous_tile_follows_the_colour_map(files: dict[str, Path]) -> None:
    rec = _record(files["ramp"], "continuous", dtype="float32", nodata=NODATA_F,
                  stats={"min": 0.0, "max": 255.0}, colormap="viridis")  # fmt: skip
    px = _rgba(rt.render_tile(rec, Z, X, Y, rt.TileStyle()))
    viridis = cmap.get("viridis")
    for col in (3, 100, 200, 250):  # value = column, rescaled 0..255 onto the map's 0..255
        assert tuple(px[50, col]) in {tuple(viridis[col + d]) for d in (-1, 0, 1)}, col
    assert tuple(px[50, 0]) == tuple(viridis[0]) and tuple(px[50, 255]) == tuple(viridis[255])
    assert (px[245:, :, 3] == 0).all()  # nodata rows transparent
    assert (px[:235, :, 3] == 255).all()
    # a named map and a range of the request: 0..510 puts column c at index c / 2
    style = rt.parse_style("Terrain", "0,510")
    px = _rgba(rt.render_tile(rec, Z, X, Y, style))
    terrain = cmap.get("terrain")
    for col in (10, 101, 254):
        assert tuple(px[50, col]) in {tuple(terrain[col // 2 + d]) for d in (-1, 0, 1)}, col


def test_empty_tiles(files: dict[str, Path]) -> None:
    rec = _record(files["klas"], "categorical", classes=CLASSES)
    assert rt.render_tile(rec, Z, X + 3, Y, rt.TileStyle()) == b""  # beside the raster
    assert rt.render_tile(rec, Z + 1, 2 * X + 1, 2 * Y + 1, rt.TileStyle()) == b""  # all nodata
    ramp = _record(files["ramp"], "continuous", dtype="float32", nodata=NODATA_F,
                   stats={"min": 0.0, "max": 255.0})  # fmt: skip
    # z16: rows 240-255 of the z12 tile, the ramp's nodata rows
    assert rt.render_tile(ramp, Z + 4, 16 * X, 16 * Y + 15, rt.TileStyle()) == b""
    assert rt.render_tile(ramp, Z + 4, 16 * X, 16 * Y + 14, rt.TileStyle()) != b""
    child = _rgba(rt.render_tile(rec, Z + 1, 2 * X, 2 * Y, rt.TileStyle()))  # all class 1
    assert (child[..., :3] == (255, 0, 0)).all() and (child[..., 3] == 255).all()


def test_style_parsing() -> None:
    assert rt.parse_style(None, None) == rt.TileStyle()
    assert rt.parse_style(" YlOrRd ", "-5,40.5") == rt.TileStyle("ylorrd", (-5.0, 40.5))
    for colormap, rescale in (("no_such_map", None), (None, "1"), (None, "5,1"),
                              (None, "a,b"), (None, "0,inf"), (None, "1,2,3")):  # fmt: skip
        with pytest.raises(InvalidParameter):
            rt.parse_style(colormap, rescale)


def test_cache_key_names_version_and_style(files: dict[str, Path]) -> None:
    rec = _record(files["klas"], "categorical", classes=CLASSES)
    key = rt.tile_key(rec, Z, X, Y, rt.TileStyle())
    other = _record(files["klas"], "categorical", classes=CLASSES, version_id=2)
    recolored = _record(files["klas"], "categorical",
                        classes=(RasterClass(1, "a", "a", "#000000"), *CLASSES[1:]))  # fmt: skip
    assert key == rt.tile_key(rec, Z, X, Y, rt.TileStyle())
    assert len({key, rt.tile_key(other, Z, X, Y, rt.TileStyle()),
                rt.tile_key(recolored, Z, X, Y, rt.TileStyle()),
                rt.tile_key(rec, Z, X, Y, rt.TileStyle("viridis")),
                rt.tile_key(rec, Z, X, Y, rt.TileStyle(None, (0.0, 9.0))),
                rt.tile_key(rec, Z, X + 1, Y, rt.TileStyle())}) == 6  # fmt: skip


def test_legend() -> None:
    rec = _record(Path("x.tif"), "categorical", classes=CLASSES)
    legend = rt.legend(rec, rt.TileStyle())
    assert legend["type"] == "classes"
    assert [c["color"] for c in legend["classes"]] == ["#ff0000", "#00ff00", "#0000ff"]
    dem = _record(Path("d.tif"), "continuous", stats={"min": 0.0, "max": 2000.0},
                  colormap="terrain", unit="m")  # fmt: skip
    legend = rt.legend(dem, rt.TileStyle())
    first, last = (bytes(cmap.get("terrain")[i][:3]).hex() for i in (0, 255))
    assert legend["stops"][0] == {"value": 0.0, "color": f"#{first}"}
    assert legend["stops"][-1] == {"value": 2000.0, "color": f"#{last}"}
    assert legend["unit"] == "m" and legend["colormap"] == "terrain"


# --------------------------------------------------------------------------------------------
# through the API, on catalog rows written here (the loader is tested on its own)

NAMES = ("tt_klas", "tt_ramp")


def _insert(conn, name: str, path: Path, store: Path, kind: str, **extra: object) -> None:
    rec = _record(path, kind)
    west, south, east, north = rec.bounds_wgs84
    raster_id = conn.execute(
        text("INSERT INTO raster (name, title, kind) VALUES (:n, :n, :k) RETURNING id"),
        {"n": name, "k": kind},
    ).scalar_one()
    vid = conn.execute(
        text(
            """
            INSERT INTO raster_version (raster_id, version, title, kind, path, checksum,
                source_file, source_checksum, fingerprint, crs, width, height, res_x, res_y,
                bands, dtype, nodata, footprint, stats, classes, unit, colormap, source)
            VALUES (:r, 1, :n, :k, :p, :c, :p, :c, :c, 'EPSG:3857', 256, 256, :res, :res, 1,
                :dtype, :nodata, ST_MakeEnvelope(:w, :s, :e, :no, 4326), CAST(:stats AS jsonb),
                CAST(:classes AS jsonb), :unit, :cm, 'uji')
            RETURNING id
            """
        ),
        {
            "r": raster_id, "n": name, "k": kind, "p": str(path.relative_to(store)),
            "c": name * 8, "res": SIZE / 256, "w": west, "s": south, "e": east, "no": north,
            "dtype": extra.get("dtype", "uint8"), "nodata": extra.get("nodata", 0),
            "stats": json.dumps(extra.get("stats", {"min": 1, "max": 3})),
            "classes": json.dumps(extra.get("classes", [])), "unit": extra.get("unit"),
            "cm": extra.get("colormap"),
        },
    ).scalar_one()  # fmt: skip
    conn.execute(
        text("UPDATE raster SET current_version_id = :v WHERE id = :r"), {"v": vid, "r": raster_id}
    )


@pytest.fixture
def api(engine: Engine, files: dict[str, Path], tmp_path: Path) -> Iterator[TestClient]:
    """A client whose raster store is the fixtures' folder, with a fresh tile cache."""
    store = files["klas"].parent
    classes = [{"value": c.value, "name_id": c.name_id, "name_en": c.name_en, "color": c.color}
               for c in CLASSES]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM raster WHERE name = ANY(:n)"), {"n": list(NAMES)})
        _insert(conn, "tt_klas", files["klas"], store, "categorical", classes=classes)
        _insert(conn, "tt_ramp", files["ramp"], store, "continuous", dtype="float32",
                nodata=NODATA_F, stats={"min": 0.0, "max": 255.0}, colormap="viridis",
                unit="m")  # fmt: skip
    settings = load_settings(
        tiles=TileSettings(cache_dir=tmp_path / "tiles", max_age_s=60),
        rasters=RasterSettings(dir=store),
    )
    try:
        with TestClient(create_app(settings=settings, engine=engine)) as client:
            yield client
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM raster WHERE name = ANY(:n)"), {"n": list(NAMES)})


def test_api_tile_etag_and_304(api: TestClient) -> None:
    url = f"/rasters/tt_klas/tiles/{Z}/{X}/{Y}.png"
    r = api.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "public, max-age=60"
    px = _rgba(r.content)
    assert tuple(px[64, 192]) == (0, 255, 0, 255) and px[192, 192, 3] == 0
    etag = r.headers["etag"]
    again = api.get(url)
    assert again.content == r.content and again.headers["etag"] == etag
    for header in (etag, f"W/{etag}", "*"):
        nm = api.get(url, headers={"If-None-Match": header})
        assert nm.status_code == 304 and nm.headers["etag"] == etag and not nm.content
    assert api.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    styled = api.get(url, params={"colormap": "viridis"})
    assert styled.status_code == 200 and styled.headers["etag"] != etag
    pinned = api.get(url, params={"version": 1})
    assert pinned.headers["cache-control"] == "public, max-age=86400"


def test_api_empty_and_bad_tiles(api: TestClient) -> None:
    assert api.get(f"/rasters/tt_klas/tiles/{Z}/{X + 3}/{Y}.png").status_code == 204
    r = api.get(f"/rasters/tt_klas/tiles/{Z + 1}/{2 * X + 1}/{2 * Y + 1}.png")
    assert r.status_code == 204 and not r.content
    for path in ("23/0/0", "3/8/0", "3/0/8"):
        r = api.get(f"/rasters/tt_klas/tiles/{path}.png")
        assert r.status_code == 422 and r.json()["error"] == "invalid_parameter", path
    r = api.get(f"/rasters/tt_klas/tiles/{Z}/{X}/{Y}.png", params={"colormap": "nope"})
    assert r.status_code == 422
    r = api.get(f"/rasters/tt_ramp/tiles/{Z}/{X}/{Y}.png", params={"rescale": "9,1"})
    assert r.status_code == 422
    assert api.get(f"/rasters/tt_none/tiles/{Z}/{X}/{Y}.png").status_code == 404
    assert api.get(f"/rasters/tt_klas/tiles/{Z}/{X}/{Y}.png?version=7").status_code == 404


def test_api_tilejson(api: TestClient) -> None:
    doc = api.get("/rasters/tt_ramp.json", params={"rescale": "0,100"}).json()
    assert doc["tilejson"] == "3.0.0" and doc["name"] == "tt_ramp"
    assert doc["tiles"] == ["http://testserver/rasters/tt_ramp/tiles/{z}/{x}/{y}.png?rescale=0,100"]
    west, north = _lonlat(WEST, NORTH)
    east, south = _lonlat(WEST + SIZE, NORTH - SIZE)
    assert doc["bounds"] == pytest.approx([west, south, east, north], abs=1e-9)
    assert doc["legend"]["type"] == "colormap" and doc["legend"]["unit"] == "m"
    assert doc["legend"]["stops"][-1]["value"] == 100.0
    assert doc["raster"]["kind"] == "continuous" and doc["raster"]["version"] == 1
    assert doc["raster"]["native_zoom"] == pytest.approx(Z, abs=0.05)  # 256 px over a z12 tile
    klas = api.get("/rasters/tt_klas.json").json()
    assert [c["value"] for c in klas["legend"]["classes"]] == [1, 2, 3]
    assert api.get("/rasters/tt_none.json").status_code == 404
