"""GeoJSON in request bodies: the JSON Schema of a geometry type and the check of its nesting.

The zoning check takes a Point, Polygon or MultiPolygon, raster zonal statistics a Polygon or
MultiPolygon: each says which types by their depth (how deeply its coordinates nest).
"""

from typing import Any

# A polygon the OpenAPI shows as the example of a request body (a 100 m square in Batang).
EXAMPLE_POLYGON: dict[str, Any] = {
    "type": "Polygon",
    "coordinates": [
        [
            [109.74, -6.93],
            [109.741, -6.93],
            [109.741, -6.931],
            [109.74, -6.931],
            [109.74, -6.93],
        ]
    ],
}


def _position_schema() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}


def coordinates_schema(depth: int) -> dict[str, Any]:
    """Return the JSON Schema of coordinates nested `depth` levels (rings hold >= 4 positions)."""
    schema = _position_schema()
    for level in range(depth):
        schema = {"type": "array", "items": schema, "minItems": 4 if level == 0 else 1}
    return schema


def geometry_schemas(depths: dict[str, int]) -> list[dict[str, Any]]:
    """Return the JSON Schema of each geometry type named in `depths` ({type: depth})."""
    return [
        {
            "type": "object",
            "title": name,
            "required": ["type", "coordinates"],
            "properties": {"type": {"const": name}, "coordinates": coordinates_schema(depth)},
        }
        for name, depth in depths.items()
    ]


def _is_position(value: object) -> bool:
    return (
        isinstance(value, list)
        and 2 <= len(value) <= 3
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )


def nested(value: object, depth: int) -> bool:
    """Return True if `value` is `depth` levels of non-empty lists (rings >= 4) of positions."""
    if depth == 0:
        return _is_position(value)
    fewest = 4 if depth == 1 else 1
    return (
        isinstance(value, list)
        and len(value) >= fewest
        and all(nested(v, depth - 1) for v in value)
    )
