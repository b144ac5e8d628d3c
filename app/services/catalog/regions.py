"""Which region a load belongs to: the one named, else the only region loaded."""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.errors import InvalidParameter
from app.services.catalog.current import METRIC_CRS_SQL


def region_codes(conn: Connection) -> list[str]:
    """Return the codes of the loaded regions, sorted."""
    return list(conn.execute(text("SELECT code FROM region ORDER BY code")).scalars())


def resolve_region(conn: Connection, code: str | None) -> str | None:
    """Return the region a load goes into: `code` (which must be loaded), else the only one.

    No region loaded: None (the load has no region). Several and none named: InvalidParameter
    listing them.
    """
    codes = region_codes(conn)
    if code is not None:
        if code not in codes:
            raise InvalidParameter(
                f"no region {code!r} is loaded; loaded: {', '.join(codes) or 'none'}",
                message_id=f"Wilayah {code!r} belum dimuat; yang sudah dimuat: "
                f"{', '.join(codes) or 'tidak ada'}",
            )
        return code
    if len(codes) > 1:
        raise InvalidParameter(
            f"several regions are loaded ({', '.join(codes)}); name one with --region CODE",
            message_id=f"Beberapa wilayah sudah dimuat ({', '.join(codes)}); "
            "sebutkan salah satunya dengan --region KODE",
        )
    return codes[0] if codes else None


def region_metric_crs(conn: Connection, code: str | None = None) -> str | None:
    """Return the metric CRS of region `code`, else of the most recently loaded one, if any."""
    if code is not None:
        return conn.execute(
            text("SELECT metric_crs FROM region WHERE code = :c"), {"c": code}
        ).scalar()
    return conn.execute(text(METRIC_CRS_SQL)).scalar()
