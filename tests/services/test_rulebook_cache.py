"""The rule-book cache: keyed by rule set and checksum, a small LRU, never stale after a reload."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine, text

from app.services import rules
from app.services.rules.book import RuleBooks
from tests.fixtures import X0, Y0
from tests.zoning_fixture import RULES, write_rules

TO_WGS = Transformer.from_crs(32749, 4326, always_xy=True)
LON, LAT = TO_WGS.transform(X0 + 20, Y0 + 50)  # zone R-2
AT = {"lon": LON, "lat": LAT, "kbli": "47111", "as_of": "2026-01-01"}
MINIMARKET_R2 = "minimarket,R-2,T,hanya di jalan kolektor,only on collector roads"


def rules_with(folder: Path, letter: str) -> Path:
    """Write the fixture rules with minimarket in R-2 given `letter` (T in the fixture)."""
    cond = "" if letter in "IX" else f"syarat {letter},condition {letter}"
    itbx = RULES["itbx.csv"].replace(MINIMARKET_R2, f"minimarket,R-2,{letter},{cond or ','}")
    return write_rules(folder, **{"itbx.csv": itbx})


def verdict(client: TestClient) -> tuple[str, int]:
    """Return the verdict of a minimarket in R-2 and the version of the rules that gave it."""
    a = client.get("/zoning/at", params=AT).json()
    return a["verdict"], a["sources"]["rules"]["version"]


def test_two_rule_sets_in_turn_are_both_answered(
    client: TestClient, planning_area: Engine, tmp_path: Path
) -> None:
    assert verdict(client) == ("T", 1)
    with planning_area.begin() as conn:
        rules.load_rules(conn, rules_with(tmp_path / "v2", "X"))
    assert verdict(client) == ("X", 2)
    with planning_area.begin() as conn:  # withdraw v2: v1 is current again, from the cache
        conn.execute(text("DELETE FROM rule_set WHERE version = 2"))
    assert verdict(client) == ("T", 1)
    books: RuleBooks = client.app.state.db.books  # type: ignore[attr-defined]
    assert [k[1] for k in books.cached()] == [2, 1]


def test_reloaded_rule_set_with_the_same_id_is_not_served_stale(
    client: TestClient, planning_area: Engine, tmp_path: Path
) -> None:
    assert verdict(client) == ("T", 1)
    with planning_area.begin() as conn:
        rid = conn.execute(text("SELECT id FROM rule_set")).scalar_one()
        conn.execute(text("DELETE FROM rule_set"))
        conn.execute(  # the next rule set gets the same id (a restored or recreated database)
            text("SELECT setval(pg_get_serial_sequence('rule_set', 'id'), :r, false)"), {"r": rid}
        )
        again = rules.load_rules(conn, rules_with(tmp_path / "again", "X"))
    assert (again["id"], again["version"]) == (rid, 1)
    assert verdict(client) == ("X", 1)


def test_lru_keeps_the_most_recent_rule_sets(planning_area: Engine, tmp_path: Path) -> None:
    with planning_area.begin() as conn:
        for i, letter in enumerate("XIB"):
            rules.load_rules(conn, rules_with(tmp_path / f"r{i}", letter))
    books = RuleBooks(size=2)
    with planning_area.connect() as conn:
        keys = [
            tuple(r)
            for r in conn.execute(text("SELECT id, version, checksum FROM rule_set ORDER BY id"))
        ]
        assert len(keys) == 4 and len({k[2] for k in keys}) == 4
        first = books.get(conn, keys[0])
        assert books.get(conn, keys[0]) is first  # a hit is the same object
        for key in keys[1:]:
            books.get(conn, key)
        assert books.cached() == keys[2:]
        assert books.get(conn, keys[2]).version == keys[2][1]
        assert books.cached() == [keys[3], keys[2]]  # a hit moves to the end
        current = books.current(conn)
    assert current is not None and current.version == 4
    assert current.itbx_for("minimarket", "R-2", current.sources["perda-baru"]["valid_from"])
