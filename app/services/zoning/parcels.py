"""Stored parcels (layers of kind `parcel`): find one by its feature id or its code.

The feature id is the `id` /layers/{name}/features lists (the feature's `fid` in the current
version); the code is its `code` field. Without `by` a number is looked up as both: when
both name the same parcel, or only one matches, that parcel answers; when they name
different parcels (or several parcels share the code, or several parcel layers the id) the
caller gets InvalidParameter listing each candidate and how to pick one (`by`, `layer`,
`region`), never a guess.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Row, text

from app.errors import InvalidParameter, NotFound
from app.services.catalog.named import region_or_all

ParcelBy = Literal["id", "code"]
MAX_SHOWN = 10  # candidates an ambiguity error lists

# The current parcel layers' features whose fid or code is the one asked (NULL: not asked),
# with which of the two matched; one row more than an error lists.
PARCEL_SQL = f"""
    SELECT f.fid, f.code, ST_AsGeoJSON(f.geom) AS g, l.name, l.region_code, v.version,
           coalesce(f.fid = CAST(:fid AS bigint), false) AS by_id,
           coalesce(f.code = CAST(:code AS text), false) AS by_code
    FROM feature f JOIN layer l ON l.current_version_id = f.version_id
    JOIN layer_version v ON v.id = f.version_id
    WHERE l.kind = 'parcel'
      AND (f.code = CAST(:code AS text) OR f.fid = CAST(:fid AS bigint))
      AND (CAST(:layer AS text) IS NULL OR l.name = CAST(:layer AS text))
      AND {region_or_all()}
    ORDER BY l.region_code, l.name, f.fid
    LIMIT {MAX_SHOWN + 1}
"""


@dataclass(frozen=True)
class StoredParcel:
    """A parcel found in a parcel layer: its geometry (GeoJSON, EPSG:4326) and where it is."""

    fid: int
    code: str | None
    layer: str
    region: str | None
    version: int
    matched_by: list[str]
    geometry: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """Return the `parcel` block of a check answer."""
        return {
            "id": self.fid,
            "code": self.code,
            "layer": self.layer,
            "region": self.region,
            "version": self.version,
            "matched_by": self.matched_by,
        }


def find_parcel(
    conn: Connection,
    parcel_id: str,
    *,
    by: ParcelBy | None = None,
    layer: str | None = None,
    region: str | None = None,
) -> StoredParcel:
    """Return the one current parcel `parcel_id` names (by feature id, code or, unset, both).

    NotFound when none does; InvalidParameter when it names several (listing them).
    """
    # a feature id is a whole number (bigint); anything else can only be a code
    numeric = parcel_id.isascii() and parcel_id.isdigit() and len(parcel_id) <= 18
    if by == "id" and not numeric:
        raise InvalidParameter(
            f"with ?by=id the parcel is named by its feature id, a whole number; got {parcel_id!r}",
            message_id="Dengan ?by=id persil disebut dengan id fiturnya, sebuah bilangan bulat; "
            f"diterima {parcel_id!r}",
        )
    fid = int(parcel_id) if numeric and by != "code" else None
    code = parcel_id if by != "id" else None
    rows = conn.execute(
        text(PARCEL_SQL), {"fid": fid, "code": code, "layer": layer, "region": region}
    ).all()
    regions = sorted({str(r.region_code) for r in rows})
    if len(regions) > 1:
        raise InvalidParameter(
            f"parcel {parcel_id!r} is in the parcel layers of several regions "
            f"({', '.join(regions)}); name one with ?region=CODE",
            message_id=f"Persil {parcel_id!r} ada di lapisan persil beberapa wilayah "
            f"({', '.join(regions)}); sebutkan salah satunya dengan ?region=KODE",
            regions=regions,
        )
    if not rows:
        if fid is not None and code is not None:
            what, what_id = "feature id or code", "id fitur atau kode"
        else:
            what, what_id = ("feature id", "id fitur") if fid is not None else ("code", "kode")
        raise NotFound(
            f"no parcel with {what} {parcel_id!r} in the current parcel layers",
            message_id=f"Persil dengan {what_id} {parcel_id!r} tidak ditemukan "
            "di lapisan persil yang berlaku",
        )
    if len(rows) > 1:
        raise _ambiguous(parcel_id, rows)
    row = rows[0]
    return StoredParcel(
        fid=int(row.fid),
        code=row.code,
        layer=row.name,
        region=row.region_code,
        version=int(row.version),
        matched_by=_matched(row),
        geometry=json.loads(row.g),
    )


def _matched(row: Row[Any]) -> list[str]:
    """Return how a row matched: ["id"], ["code"] or both."""
    return [kind for kind, hit in (("id", row.by_id), ("code", row.by_code)) if hit]


def _ambiguous(parcel_id: str, rows: Sequence[Row[Any]]) -> InvalidParameter:
    """Return the error naming each parcel `parcel_id` matched and how to ask for one."""
    shown = rows[:MAX_SHOWN]
    en, id_ = [], []
    for r in shown:
        if r.by_id:
            en.append(f"feature id {r.fid} of layer {r.name} (code {r.code!r})")
            id_.append(f"id fitur {r.fid} pada lapisan {r.name} (kode {r.code!r})")
        else:
            en.append(f"code {r.code!r} (feature id {r.fid} of layer {r.name})")
            id_.append(f"kode {r.code!r} (id fitur {r.fid} pada lapisan {r.name})")
    if len(rows) > len(shown):
        en.append("and more")
        id_.append("dan lainnya")
    kinds = {"id" if r.by_id else "code" for r in rows}
    layers = {r.name for r in rows}
    if len(kinds) > 1:  # the feature id of one parcel is the code of another
        how, how_id = "say which with ?by=id or ?by=code", "pilih dengan ?by=id atau ?by=code"
        if len(layers) > 1:
            how += " (and ?layer=NAME)"
            how_id += " (dan ?layer=NAMA)"
    elif len(layers) > 1:  # the same id or code in several parcel layers
        how, how_id = "name the layer with ?layer=NAME", "sebutkan lapisannya dengan ?layer=NAMA"
    else:  # several parcels of one layer share the code
        how = "several parcels of the layer share this code: ask by feature id (?by=id)"
        how_id = "beberapa persil di lapisan ini berkode sama: minta dengan id fiturnya (?by=id)"
    return InvalidParameter(
        f"{parcel_id!r} names more than one parcel: {'; '.join(en)}; {how}",
        message_id=f"{parcel_id!r} menunjuk lebih dari satu persil: {'; '.join(id_)}; {how_id}",
        candidates=[
            {
                "id": r.fid,
                "code": r.code,
                "layer": r.name,
                "region": r.region_code,
                "matched_by": _matched(r),
            }
            for r in shown
        ],
    )
