"""The permit-zoning (KKPR pre-)check.

parse -> context -> parts (one SQL statement, cut in the region's metric CRS) -> evaluate
(ITBX letters, overlays, shares) -> envelope -> summary; batch runs many parcels at once.
"""

from app.services.zoning.batch import BatchItem, check_batch, flat_row
from app.services.zoning.check import check, check_parcel, check_point, search_activities

__all__ = [
    "BatchItem",
    "check",
    "check_batch",
    "check_parcel",
    "check_point",
    "flat_row",
    "search_activities",
]
