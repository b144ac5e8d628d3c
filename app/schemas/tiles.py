"""TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0) of a layer's vector
tiles and of a raster's PNG tiles: one set of common members, each kind's own after them."""

from typing import Literal

from pydantic import BaseModel, Field


class TileJSONBase(BaseModel):
    """The members every TileJSON document here has."""

    tilejson: str = Field(description="always 3.0.0")
    name: str
    description: str | None = None
    version: str
    scheme: str = "xyz"
    attribution: str | None = None
    tiles: list[str] = Field(description="absolute URL templates with {z}/{x}/{y}")
    minzoom: int
    maxzoom: int
    bounds: list[float] = Field(description="west, south, east, north (EPSG:4326)")
    center: list[float] = Field(description="lon, lat, zoom")


class VectorLayer(BaseModel):
    """One layer inside the tiles and the attributes its features carry."""

    id: str
    description: str | None = None
    minzoom: int
    maxzoom: int
    fields: dict[str, str] = Field(description="attribute name -> what it holds")


class TileLayerInfo(BaseModel):
    """Which catalog layer version the tiles come from."""

    name: str
    region: str | None
    kind: str
    version: int
    geometry_type: str | None


class TileJSON(TileJSONBase):
    """A TileJSON 3.0.0 document: tile URL template, zoom range, bounds, vector layers."""

    vector_layers: list[VectorLayer]
    layer: TileLayerInfo


class LegendClass(BaseModel):
    """One class of a categorical raster and its colour."""

    value: int
    name_id: str
    name_en: str
    color: str = Field(description="#rrggbb")


class LegendStop(BaseModel):
    """A value of a continuous raster and the colour drawn for it."""

    value: float
    color: str = Field(description="#rrggbb")


class Legend(BaseModel):
    """The classes of a categorical raster, or colour stops of a continuous one."""

    type: Literal["classes", "colormap"]
    classes: list[LegendClass] | None = None
    colormap: str | None = None
    unit: str | None = None
    stops: list[LegendStop] | None = None


class RasterTileInfo(BaseModel):
    """Which raster version the tiles come from."""

    name: str
    region: str | None
    kind: str
    version: int
    unit: str | None = None
    native_zoom: float = Field(description="zoom where a tile pixel is about a raster pixel")


class RasterTileJSON(TileJSONBase):
    """A TileJSON 3.0.0 document of PNG tiles: URL template, zooms, bounds, legend."""

    raster: RasterTileInfo
    legend: Legend
