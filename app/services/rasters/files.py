"""The stored COG files: one GDAL environment and the datasets each worker thread keeps open.

Every read of a stored raster (the sampler behind the point, zonal and zoning-check reads, the
PNG tiles) runs inside `rasterio.Env(**GDAL_ENV)`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import rasterio
from rasterio.errors import RasterioIOError

from app.errors import RasterNotFound
from app.services.rasters.records import RasterRecord

# The GDAL configuration that matters for COGs (set per read by rasterio.Env): no directory
# listing on open (a sidecar search per request), a block cache and a /vsi read cache that
# keep hot tiles' blocks in memory, merged range requests and HTTP/2 for COGs behind a URL,
# and decompression on every core.
GDAL_ENV: dict[str, str | int | bool] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # bytes of decoded blocks, shared by the process's threads: rasterio takes an int in
    # bytes (256 would be 256 bytes, no cache at all: every read decodes its blocks again)
    "GDAL_CACHEMAX": 256 * 1024 * 1024,
    "VSI_CACHE": True,
    "VSI_CACHE_SIZE": 16_000_000,
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
    "GDAL_HTTP_MULTIPLEX": "YES",
    "GDAL_HTTP_VERSION": 2,
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.tiff",
    "GDAL_BAND_BLOCK_CACHE": "HASHSET",
    "NUM_THREADS": "ALL_CPUS",
}
DATASETS_PER_THREAD = 16


class _Datasets(threading.local):
    """This thread's open raster files by (path, checksum): opening a COG costs ~1 ms."""

    def __init__(self) -> None:
        self.open: OrderedDict[tuple[Path, str], Any] = OrderedDict()


_datasets = _Datasets()


def open_dataset(record: RasterRecord) -> Any:
    """Return this thread's open dataset of the version's file (a new version is a new file).

    RasterNotFound when the stored file cannot be read.
    """
    key = (record.path, record.checksum)
    ds = _datasets.open.get(key)
    if ds is not None:
        _datasets.open.move_to_end(key)
        return ds
    try:
        with rasterio.Env(**GDAL_ENV):
            ds = rasterio.open(record.path)
    except RasterioIOError as exc:
        raise RasterNotFound(
            f"the stored file of raster {record.name!r} v{record.version} cannot be read",
            message_id=f"Berkas tersimpan raster {record.name!r} v{record.version} tidak "
            "dapat dibaca",
        ) from exc
    _datasets.open[key] = ds
    while len(_datasets.open) > DATASETS_PER_THREAD:
        _, old = _datasets.open.popitem(last=False)
        old.close()
    return ds
