"""The audit trail as the API shows it, and a staff note."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AuditEvent(BaseModel):
    """One recorded write: who, when, through what, which action on what, with its counts."""

    id: int
    happened_at: datetime
    actor: str | None = Field(description="the key's name (API) or the OS login / --by (CLI)")
    role: str | None = Field(description="the key's role (staff, admin); null from the CLI")
    via: Literal["api", "cli"]
    action: str = Field(description="e.g. key.create, key.revoke, note, projects.import")
    target: str | None = Field(description="what was written, e.g. a key name or a file")
    counts: dict[str, Any] = Field(description="rows read, written, rejected, ...")
    detail: dict[str, Any]


class NoteRequest(BaseModel):
    """A free-text note for the audit trail, e.g. 'data checked with Bappeda'."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000, examples=["data checked with Bappeda"])
    target: str | None = Field(
        default=None, max_length=200, description="what the note is about", examples=["apbd 2026"]
    )
