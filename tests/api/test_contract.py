"""The whole OpenAPI fuzzed by schemathesis on the demo region: no 5xx, answers as documented."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.engine import events
from schemathesis.engine.statistic import Statistic
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import Engine, text

from app.main import create_app
from app.services.auth import create_key

pytestmark = [pytest.mark.contract, pytest.mark.slow]

SEED = 20260101
MIN_CASES = 1_000
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "negative_data_rejection",
    "schema_valid_requests_pass_validation",
)
# Schema-valid data may still be refused for what a JSON Schema cannot say: a polygon that
# does not close or lies outside the region, a well-formed KBLI code that is not in the rules,
# an unknown CRS, a bbox whose corners are swapped. The check below allows those (422/413
# with a domain error code) and fails on `invalid_request`: request validation refusing what
# the documented schema allows.
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429"]


@schemathesis.check
def schema_valid_requests_pass_validation(ctx, response, case) -> bool | None:
    """Fail when data generated from the schema is refused by request validation."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code == 422 and response.json().get("error") == "invalid_request":
        raise AssertionError(f"schema-valid request refused by validation: {response.text}")
    return None


def config(max_examples: int = 40, headers: dict[str, str] | None = None) -> schemathesis.Config:
    """Return a deterministic configuration: fixed seed, the checks above, no state on disk."""
    return schemathesis.Config.from_dict(
        {
            **({"headers": headers} if headers else {}),
            "seed": SEED,
            "workers": 1,
            "continue-on-failure": True,
            "cache": {"enabled": False},
            "generation": {"deterministic": True, "max-examples": max_examples},
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                "positive_data_acceptance": {
                    "enabled": True,
                    "expected-statuses": POSITIVE_STATUSES,
                },
            },
            "phases": {"stateful": {"enabled": False}},
        }
    )


@pytest.fixture
def demo_app(demo_catalog: Engine) -> Iterator[FastAPI]:
    """The app on the test database with the demo region (layers and rules) loaded."""
    yield create_app(engine=demo_catalog)
    shutdown_lifespans()  # schemathesis keeps an ASGI app's lifespan running until exit


def describe(label: str, group) -> list[str]:
    """Return one readable block per failure: the check, the request and the answer."""
    answer = ""
    if group.response is not None:
        body = group.response.content[:400].decode("utf-8", "replace")
        answer = f"\n    -> {group.response.status_code} {body}"
    return [
        f"{label}: {f.title}: {f.message}\n    {group.code_sample}{answer}" for f in group.failures
    ]


def run_contract(
    app: FastAPI,
    path: str | list[str] | None = None,
    max_examples: int = 40,
    headers: dict[str, str] | None = None,
) -> tuple[Statistic, list[str], float]:
    """Run schemathesis over the app's OpenAPI (or some paths); return statistic, errors, time."""
    cfg = config(max_examples, headers)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=cfg)
    if path is not None:
        schema = schema.include(path=path)
    stats = Statistic()
    errors: list[str] = []
    start = time.perf_counter()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            stats.on_scenario_finished(event.recorder)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}")
        elif isinstance(event, events.FatalError):
            errors.append(repr(event.exception))
    return stats, errors, time.perf_counter() - start


def failures_of(stats: Statistic) -> list[str]:
    """Return every unique failure of a run, described."""
    return [
        line
        for label, grouped in stats.failures.items()
        for group in grouped.values()
        for line in describe(label, group)
    ]


def test_openapi_contract(demo_app: FastAPI) -> None:
    stats, errors, elapsed = run_contract(demo_app)
    failures = failures_of(stats)
    print(
        f"\nschemathesis: {stats.total_cases} cases, {len(stats.tested_operations)} operations, "
        f"{elapsed:.1f} s, {len(failures)} failures"
    )
    assert not errors, errors
    assert not failures, "\n".join(failures)
    assert stats.total_cases >= MIN_CASES
    assert stats.errored_cases == 0
    operations = sum(len(ops) for ops in demo_app.openapi()["paths"].values())
    assert len(stats.tested_operations) == operations


def keyed_paths(app: FastAPI) -> list[str]:
    """Return the paths whose operations need a key (bearerAuth in their OpenAPI)."""
    return [
        path
        for path, ops in app.openapi()["paths"].items()
        if any(op.get("security") for op in ops.values())
    ]


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_openapi_contract_with_a_key(demo_app: FastAPI, demo_catalog: Engine, role: str) -> None:
    """The routes behind a key, fuzzed again with a valid key: authorised (admin) or 403."""
    with demo_catalog.begin() as conn:
        key, row = create_key(conn, f"contract-{role}", role)
    try:
        paths = keyed_paths(demo_app)
        assert "/audit" in paths and "/audit/note" in paths
        stats, errors, elapsed = run_contract(
            demo_app, path=paths, headers={"Authorization": f"Bearer {key}"}
        )
        failures = failures_of(stats)
        print(f"\nschemathesis ({role} key): {stats.total_cases} cases, {elapsed:.1f} s")
        assert not errors, errors
        assert not failures, "\n".join(failures)
        assert stats.errored_cases == 0
        operations = sum(len(demo_app.openapi()["paths"][p]) for p in paths)
        assert len(stats.tested_operations) == operations
        # the key was really used: the notes it wrote are there
        with demo_catalog.connect() as conn:
            notes = conn.execute(
                text("SELECT count(*) FROM audit_event WHERE actor = :a AND action = 'note'"),
                {"a": row["name"]},
            ).scalar_one()
        assert notes > 0
    finally:
        with demo_catalog.begin() as conn:
            conn.execute(text("DELETE FROM audit_event WHERE actor = :a"), {"a": row["name"]})
            conn.execute(text("DELETE FROM api_key WHERE id = :id"), {"id": row["id"]})


def test_contract_fails_on_a_server_error(
    demo_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness itself: a handler that answers 500 makes the run fail."""
    from sqlalchemy.exc import ProgrammingError

    from app.services.catalog import admin

    def broken(*_: object, **__: object) -> None:
        raise ProgrammingError("SELECT broken", {}, Exception("a bug, not an outage"))

    monkeypatch.setattr(admin, "get_area", broken)
    stats, _, _ = run_contract(demo_app, path="/admin/{code}", max_examples=5)
    assert any("Server error" in line for line in failures_of(stats)), failures_of(stats)
