"""Rule tables: validation errors are clear and load nothing; the demo pack's rules load."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.errors import RulesError
from app.services import rules
from app.services.rules.book import current_rulebook
from tests.zoning_fixture import RULES, write_rules

DEMO_RULES = Path(__file__).resolve().parents[2] / "layers" / "batang-demo"


def count_rule_sets(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM rule_set")).scalar_one()


def add_row(table: str, row: str) -> dict[str, str]:
    return {table: RULES[table] + row + "\n"}


@pytest.mark.parametrize(
    "override, fragment",
    [
        (
            add_row("itbx.csv", "rumah,ZZ-9,I,,,perda-baru,Pasal 1,2024-01-01,"),
            "unknown zone code 'ZZ-9'",
        ),
        (
            add_row("itbx.csv", "rumah,R-2,Y,,,perda-baru,Pasal 1,2020-01-01,2020-12-31"),
            "ITBX letter 'Y'",
        ),
        (
            add_row("itbx.csv", "rumah,R-2,T,,,perda-baru,Pasal 1,2020-01-01,2020-12-31"),
            "T needs its conditions",
        ),
        (
            add_row("itbx.csv", "rumah,R-2,X,,,perda-baru,Pasal 1,2025-01-01,"),
            "validity periods overlap",
        ),
        (
            add_row("itbx.csv", "sawah,R-2,X,,,perda-baru,Pasal 1,2020-01-01,2020-12-31"),
            "unknown activity 'sawah'",
        ),
        (
            add_row("itbx.csv", "rumah,R-2,X,,,perda-x,Pasal 1,2020-01-01,2020-12-31"),
            "unknown source 'perda-x'",
        ),
        (add_row("activities.csv", "toko,Toko,Shop,perdagangan,4711"), "KBLI '4711' is not five"),
        (
            add_row("activities.csv", "toko,Toko,Shop,perdagangan,68111"),
            "KBLI 68111 is mapped to both",
        ),
        (add_row("zone_classes.csv", "Q-1,Q,Q,campuran,Q,Q,#000000"), "class 'campuran'"),
        (
            add_row(
                "intensity.csv", "R-2,160,1,,20,,12,3,4,perda-baru,Pasal 1,2020-01-01,2020-12-31"
            ),
            "kdb_max 160 is out of range 0..100",
        ),
        (
            add_row("overlay_rules.csv", "lp2b,LP2B,ban,X,*,,x,x,perda-baru,P,2024-01-01,"),
            "effect 'ban'",
        ),
        ({"itbx.csv": "activity,zone\nrumah,R-2\n"}, "missing column(s) itbx"),
    ],
)
def test_bad_tables_fail_clearly_and_load_nothing(
    clean, tmp_path: Path, override, fragment
) -> None:
    folder = write_rules(tmp_path / "rules", **override)
    with pytest.raises(RulesError, match="nothing was loaded") as err, clean.begin() as conn:
        rules.load_rules(conn, folder)
    assert fragment in err.value.message
    assert count_rule_sets(clean) == 0


def test_missing_required_file(clean, tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules")
    (folder / "itbx.csv").unlink()
    with pytest.raises(RulesError, match="itbx.csv: file missing"):
        rules.read_rules(folder)


def test_rule_sets_are_versioned(clean, tmp_path: Path) -> None:
    folder = write_rules(tmp_path / "rules")
    with clean.begin() as conn:
        first = rules.load_rules(conn, folder)
    write_rules(folder, **add_row("activities.csv", "toko,Toko,Shop,perdagangan,47190"))
    with clean.begin() as conn:
        second = rules.load_rules(conn, folder)
    assert (first["version"], second["version"]) == (1, 2)
    assert second["counts"]["activity"] == first["counts"]["activity"] + 1
    with clean.connect() as conn:
        book = current_rulebook(conn)
    assert book is not None and book.version == 2 and "toko" in book.activities


def test_demo_pack_rules_load(clean) -> None:
    with clean.begin() as conn:
        loaded = rules.load_rules(conn, DEMO_RULES)
        book = current_rulebook(conn)
    assert book is not None
    assert loaded["counts"]["activity"] >= 40
    sectors = {a["sector"] for a in book.activities.values()}
    assert {"perumahan", "perdagangan", "industri", "pertanian", "pariwisata"} <= sectors
    assert any(r["itbx"] in ("T", "B") and r["conditions"] for rs in book.itbx.values() for r in rs)
    zones = {z for (_, z) in book.itbx}
    assert {"R-2", "K-1", "I", "P-1", "HL", "PS"} <= zones
