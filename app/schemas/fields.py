"""Constrained strings shared by query/path parameters and request bodies.

Each type validates with a message people can act on and documents the same rule as a JSON
Schema `pattern`/`maxLength`, so the OpenAPI says exactly what the API accepts (the contract
test in tests/api/test_contract.py holds the two together).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema

INT4_MAX = 2**31 - 1  # PostgreSQL integer: versions, ids
INT8_MAX = 2**63 - 1  # PostgreSQL bigint: offsets

# No C0 control characters (NUL, tab, newline, ...) nor DEL: PostgreSQL text cannot hold NUL,
# and none of them belongs in a code, a name or a search.
PLAIN_PATTERN = r"^[^\x00-\x1f\x7f]*$"
KBLI_PATTERN = r"^[0-9]{5}$"
KEMENDAGRI_PATTERN = (
    r"^(?:[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?|[0-9]{4}|[0-9]{6}|[0-9]{10})$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# Each refusal is a PydanticCustomError whose type app/errors.py VALIDATION_ID words in
# Bahasa Indonesia, so a 422 says it wholly in each language (a plain ValueError would give
# the generic Indonesian phrase around the English message).
CONTROL_ERROR = (
    "control_characters",
    "must not contain control characters (NUL, tab, newline, ...)",
)


def _checker(pattern: str, kind: str, message: str, max_length: int) -> Callable[[str], str]:
    rx = re.compile(pattern.removeprefix("^").removesuffix("$"))

    def check(value: str) -> str:
        if _CONTROL.search(value):
            raise PydanticCustomError(*CONTROL_ERROR)
        if rx.fullmatch(value) is None:
            raise PydanticCustomError(kind, message)
        if len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        return value

    return check


@dataclass(frozen=True)
class _Rule:
    """A string type's rule, checked and documented from the same pattern and length.

    As `Annotated` metadata it validates with `_checker` (the refusal named `kind`, worded
    `message`) and gives the JSON Schema its pattern, maxLength, minLength and example.
    """

    pattern: str
    kind: str
    message: str
    max_length: int
    example: str
    min_length: int = 0

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        check = _checker(self.pattern, self.kind, self.message, self.max_length)
        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "string",
            "pattern": self.pattern,
            "maxLength": self.max_length,
        }
        if self.min_length:
            out["minLength"] = self.min_length
        return {**out, "examples": [self.example]}


_KBLI_MESSAGE = "KBLI 2020 codes have five digits, e.g. 10631"
_KEMENDAGRI_MESSAGE = "not a Kemendagri code (like 33.25, 33.25.01 or 33.25.01.2001)"
_PLAIN_MESSAGE = "must not contain control characters"

KbliCode = Annotated[str, _Rule(KBLI_PATTERN, "kbli_code", _KBLI_MESSAGE, 5, "10631")]


def _kbli_number(value: object) -> object:
    """Let a JSON integer stand for a KBLI code, padded to five digits (1111 is 01111)."""
    if isinstance(value, float) and value.is_integer():  # JSON Schema: 10631.0 is an integer
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= 99999:
            raise PydanticCustomError("kbli_code", _KBLI_MESSAGE)
        return f"{value:05d}"
    return value


# A KBLI in a JSON body: the five-digit string, or an integer (spreadsheets drop leading zeros).
KbliInput = Annotated[
    str,
    BeforeValidator(_kbli_number),
    AfterValidator(_checker(KBLI_PATTERN, "kbli_code", _KBLI_MESSAGE, 5)),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": KBLI_PATTERN, "maxLength": 5},
                {"type": "integer", "minimum": 0, "maximum": 99999},
            ],
            "examples": ["10631"],
        }
    ),
]
KemendagriCode = Annotated[
    str, _Rule(KEMENDAGRI_PATTERN, "kemendagri_code", _KEMENDAGRI_MESSAGE, 13, "33.25.01.2001")
]


def _plain(max_length: int, example: str, min_length: int = 0) -> _Rule:
    """Return the rule of free text: no control characters, at most `max_length` characters."""
    return _Rule(PLAIN_PATTERN, CONTROL_ERROR[0], _PLAIN_MESSAGE, max_length, example, min_length)


ActivityText = Annotated[str, _plain(100, "penggilingan_padi")]
CrsText = Annotated[str, _plain(100, "EPSG:32749")]
SearchText = Annotated[str, _plain(200, "padi")]
ParcelId = Annotated[str, _plain(200, "11.01.0001", min_length=1)]


def _iso_date(value: object) -> object:
    """Let only a date or a YYYY-MM-DD string through (pydantic also takes 0 as 1970-01-01)."""
    if isinstance(value, date) or (
        isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)
    ):
        return value
    raise PydanticCustomError("iso_date", "must be a date written YYYY-MM-DD, e.g. 2026-01-01")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
