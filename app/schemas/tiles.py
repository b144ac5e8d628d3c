"""TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0) of a layer."""

from pydantic import BaseModel, Field


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


class TileJSON(BaseModel):
    """A TileJSON 3.0.0 document: tile URL template, zoom range, bounds, vector layers."""

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
    vector_layers: list[VectorLayer]
    layer: TileLayerInfo
