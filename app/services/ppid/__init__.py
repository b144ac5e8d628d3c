"""Village PPID (information and documentation officers): import, coverage per area, the gaps."""

from app.services.ppid.coverage import LEVELS, Level, coverage, desa_list
from app.services.ppid.importer import PpidReport, import_ppid
from app.services.ppid.read import HEADERS, TARGETS

__all__ = [
    "HEADERS",
    "LEVELS",
    "Level",
    "TARGETS",
    "PpidReport",
    "coverage",
    "desa_list",
    "import_ppid",
]
