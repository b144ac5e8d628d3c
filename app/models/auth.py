"""Staff API keys and the audit trail of writes (migration 0007)."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EMPTY_JSON, Base

ROLES = ("staff", "admin")


class ApiKey(Base):
    """A key for `Authorization: Bearer`: only its SHA-256 is kept, and its first characters."""

    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint("role IN ('staff', 'admin')", name="api_key_role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    key_hash: Mapped[str] = mapped_column(Text, unique=True)
    prefix: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who wrote what, when, through the API or the CLI, with its counts."""

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint("via IN ('api', 'cli')", name="audit_event_via_known"),
        Index("audit_event_time_idx", text("happened_at DESC"), text("id DESC")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    happened_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    via: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
