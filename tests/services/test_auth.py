"""Staff keys and the audit trail, on the test database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from app.errors import InvalidParameter, NotFound
from app.services import auth
from app.services.auth import Principal, audit


@pytest.fixture
def keys(engine: Engine) -> Iterator[Engine]:
    """No keys and no audit events before and after the test."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))
        conn.execute(text("DELETE FROM audit_event"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))
        conn.execute(text("DELETE FROM audit_event"))


def test_create_key_stores_only_the_hash_and_a_prefix(keys: Engine) -> None:
    with keys.begin() as conn:
        plain, row = auth.create_key(conn, "  bappeda-ana ", "staff")
    assert plain.startswith("rtrw_") and len(plain) == len("rtrw_") + 43
    assert row["name"] == "bappeda-ana" and row["role"] == "staff"
    assert row["prefix"] == plain[:12] and "key_hash" not in row
    with keys.connect() as conn:
        stored = conn.execute(text("SELECT row_to_json(k)::text, key_hash FROM api_key k")).one()
    assert plain not in stored[0] and plain[12:] not in stored[0]
    assert stored[1] == hashlib.sha256(plain.encode()).hexdigest()


def test_two_keys_differ(keys: Engine) -> None:
    with keys.begin() as conn:
        a, _ = auth.create_key(conn, "a", "staff")
        b, _ = auth.create_key(conn, "a", "staff")
    assert a != b


@pytest.mark.parametrize(
    ("name", "role"), [("ana", "root"), ("", "staff"), ("a;DROP TABLE x", "admin")]
)
def test_create_key_refuses_bad_roles_and_names(keys: Engine, name: str, role: str) -> None:
    with keys.begin() as conn, pytest.raises(InvalidParameter):
        auth.create_key(conn, name, role)


def test_verify_knows_active_keys_only(keys: Engine) -> None:
    with keys.begin() as conn:
        plain, row = auth.create_key(conn, "ana", "admin")
    with keys.begin() as conn:
        assert auth.verify(conn, plain) == Principal("ana", "admin", row["id"])
        assert auth.verify(conn, plain + "x") is None
        assert auth.verify(conn, "not-a-key") is None
        assert auth.verify(conn, "") is None
        auth.revoke(conn, "ana")
        assert auth.verify(conn, plain) is None


def test_verify_marks_last_used_at_most_once_a_minute(keys: Engine) -> None:
    with keys.begin() as conn:
        plain, row = auth.create_key(conn, "ana", "staff")
    assert row["last_used_at"] is None

    def last_used() -> object:
        with keys.connect() as conn:
            return conn.execute(text("SELECT last_used_at FROM api_key")).scalar_one()

    with keys.begin() as conn:
        auth.verify(conn, plain)
    first = last_used()
    assert first is not None
    with keys.begin() as conn:
        auth.verify(conn, plain)
    assert last_used() == first  # within the minute: no write
    with keys.begin() as conn:
        conn.execute(text("UPDATE api_key SET last_used_at = now() - interval '2 minutes'"))
    with keys.begin() as conn:
        auth.verify(conn, plain)
    assert last_used() > first  # type: ignore[operator]


def test_roles_admin_can_do_what_staff_can() -> None:
    admin, staff = Principal("a", "admin", 1), Principal("s", "staff", 2)
    assert admin.can("admin") and admin.can("staff")
    assert staff.can("staff") and not staff.can("admin")
    assert not Principal("x", "unknown", 3).can("staff")


def test_revoke_by_name_prefix_or_id(keys: Engine) -> None:
    with keys.begin() as conn:
        _, a = auth.create_key(conn, "ana", "staff")
        _, b = auth.create_key(conn, "budi", "staff")
        _, c = auth.create_key(conn, "citra", "admin")
        assert auth.revoke(conn, "ana")["id"] == a["id"]
        assert auth.revoke(conn, b["prefix"])["id"] == b["id"]
        revoked = auth.revoke(conn, str(c["id"]))
    assert revoked["id"] == c["id"] and revoked["revoked_at"] is not None
    with keys.begin() as conn:
        listed = auth.list_keys(conn)
    assert [r["name"] for r in listed] == ["ana", "budi", "citra"]
    assert all(r["revoked_at"] is not None for r in listed)
    assert all("key_hash" not in r for r in listed)


def test_revoke_none_or_several(keys: Engine) -> None:
    with keys.begin() as conn:
        _, first = auth.create_key(conn, "ana", "staff")
        auth.create_key(conn, "ana", "admin")
    with keys.begin() as conn, pytest.raises(InvalidParameter, match="2 active keys match"):
        auth.revoke(conn, "ana")
    with keys.begin() as conn, pytest.raises(NotFound, match="no active key"):
        auth.revoke(conn, "nobody")
    with keys.begin() as conn:
        auth.revoke(conn, first["prefix"])
        auth.revoke(conn, "ana")  # the one left active
    with keys.begin() as conn, pytest.raises(NotFound):
        auth.revoke(conn, "ana")  # already revoked


def test_audit_record_and_list_newest_first(keys: Engine) -> None:
    with keys.begin() as conn:
        first = audit.record(conn, "ana", "staff", "api", "projects.import", "apbd.xlsx",
                             {"read": 10, "written": 9}, {"year": 2026})  # fmt: skip
        audit.record(conn, "ops", None, "cli", "key.create", "budi")
        audit.record(conn, "ana", "staff", "api", "note", None, detail={"note": "checked"})
    assert first["counts"] == {"read": 10, "written": 9} and first["detail"] == {"year": 2026}
    assert first["happened_at"] is not None and first["via"] == "api"
    with keys.connect() as conn:
        events = audit.list_events(conn, 10)
        assert [e["action"] for e in events] == ["note", "key.create", "projects.import"]
        assert events[1]["counts"] == {} and events[1]["role"] is None
        assert [e["action"] for e in audit.list_events(conn, 1, 1)] == ["key.create"]
        only = audit.list_events(conn, 10, 0, "projects.import")
        assert [e["id"] for e in only] == [first["id"]]
        assert audit.list_events(conn, 10, 0, "nothing") == []


def test_audit_rolls_back_with_its_write(keys: Engine) -> None:
    with pytest.raises(RuntimeError), keys.begin() as conn:
        audit.record(conn, "ana", "staff", "api", "projects.import")
        raise RuntimeError("the import failed")
    with keys.connect() as conn:
        assert audit.list_events(conn, 10) == []
