"""`rtrw users`: keys printed once, stored hashed, revocable; every change audited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from app.cli import app
from app.cli import users as users_cli
from app.services import auth

runner = CliRunner()


def rtrw(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def empty(cli_env: str, engine: Engine) -> Iterator[Engine]:
    """The CLI on the test database, with no keys and no audit events."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))
        conn.execute(text("DELETE FROM audit_event"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_key"))
        conn.execute(text("DELETE FROM audit_event"))


def events(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, role, via, action, target, detail FROM audit_event ORDER BY id")
        )
        return [tuple(r) for r in rows]


def test_create_key_prints_it_once_and_stores_only_the_hash(empty: Engine) -> None:
    r = rtrw("users", "create-key", "--name", "ana", "--role", "staff", "--by", "pak-budi")
    assert r.exit_code == 0, r.output
    plain = r.stdout.strip()
    assert plain.startswith("rtrw_") and "\n" not in plain  # the key alone on stdout
    assert "only time the key is shown" in r.stderr and plain not in r.stderr
    with empty.connect() as conn:
        dump = conn.execute(text("SELECT json_agg(k)::text FROM api_key k")).scalar_one()
        stored = conn.execute(text("SELECT key_hash, prefix FROM api_key")).one()
        assert auth.verify(conn, plain) is not None
    assert plain not in dump and plain[12:] not in dump
    assert stored == (hashlib.sha256(plain.encode()).hexdigest(), plain[:12])
    assert events(empty) == [
        ("pak-budi", None, "cli", "key.create", "ana",
         {"role": "staff", "prefix": plain[:12], "key_id": json.loads(dump)[0]["id"]}),
    ]  # fmt: skip
    listing = rtrw("users", "list")
    assert listing.exit_code == 0 and plain not in listing.output
    assert "ana" in listing.output and plain[:12] in listing.output


def test_actor_defaults_to_the_os_login(empty: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_cli.getpass, "getuser", lambda: "operator")
    assert rtrw("users", "create-key", "--name", "ana", "--role", "admin").exit_code == 0
    assert rtrw("users", "revoke", "ana").exit_code == 0
    assert [(e[0], e[3]) for e in events(empty)] == [
        ("operator", "key.create"),
        ("operator", "key.revoke"),
    ]


def test_list_json_and_revoke(empty: Engine) -> None:
    rtrw("users", "create-key", "--name", "ana", "--role", "staff")
    plain = rtrw("users", "create-key", "--name", "budi", "--role", "admin").stdout.strip()
    r = rtrw("users", "revoke", plain[:12], "--by", "ops")
    assert r.exit_code == 0 and "revoked the admin key" in r.output and "budi" in r.output
    rows = json.loads(rtrw("users", "list", "--json").stdout)
    assert [(k["name"], k["role"], k["revoked_at"] is not None) for k in rows] == [
        ("ana", "staff", False),
        ("budi", "admin", True),
    ]
    assert all("key_hash" not in k for k in rows)
    assert events(empty)[-1][:5] == ("ops", None, "cli", "key.revoke", "budi")
    with empty.connect() as conn:
        assert auth.verify(conn, plain) is None


def test_revoke_nothing_or_several_exits_non_zero(empty: Engine) -> None:
    r = rtrw("users", "revoke", "nobody")
    assert r.exit_code == 1 and "no active key" in r.output
    rtrw("users", "create-key", "--name", "ana", "--role", "staff")
    rtrw("users", "create-key", "--name", "ana", "--role", "admin")
    r = rtrw("users", "revoke", "ana")
    assert r.exit_code == 1 and "2 active keys match 'ana'" in r.output
    assert [e[3] for e in events(empty)] == ["key.create", "key.create"]  # nothing revoked


def test_bad_role_or_name(empty: Engine) -> None:
    r = rtrw("users", "create-key", "--name", "ana", "--role", "root")
    assert r.exit_code == 2
    r = rtrw("users", "create-key", "--name", "   ", "--role", "staff")
    assert r.exit_code == 1 and "key name" in r.output
    assert events(empty) == []
