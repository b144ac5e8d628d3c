"""Path parameters every router of a named thing declares alike: the layer's or raster's name."""

from typing import Annotated

from fastapi import Path

# What the catalog's names can be (lower case in the catalog; the lookup is case-insensitive).
NAME_PATTERN = r"^[A-Za-z0-9_]{1,63}$"
LayerName = Annotated[str, Path(description="layer name, e.g. pola_ruang", pattern=NAME_PATTERN)]
RasterName = Annotated[str, Path(description="raster name, e.g. dem", pattern=NAME_PATTERN)]
