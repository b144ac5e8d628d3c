"""GET /audit (admin): the trail of writes and imports; POST /audit/note (staff): add a note."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from app.api.deps import Admin, Db, Pagination, Staff
from app.schemas.auth import AuditEvent, NoteRequest
from app.schemas.errors import KEYED, error_responses
from app.services.auth import audit

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEvent], responses=error_responses(*KEYED))
def list_audit(
    db: Db,
    principal: Admin,
    page: Pagination,
    action: Annotated[
        str | None,
        Query(
            description="only events of this action, e.g. key.create, note, projects.import",
            pattern=r"^[a-z][a-z0-9_.-]{0,63}$",
        ),
    ] = None,
) -> list[dict[str, Any]]:
    """Return the audit events (who, when, via, action, target, counts), newest first."""
    return db.run(audit.list_events, page.limit, page.offset, action)


@router.post(
    "/note",
    response_model=AuditEvent,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, *KEYED),
)
def post_note(db: Db, principal: Staff, body: NoteRequest) -> dict[str, Any]:
    """Record a free-text note in the audit trail, e.g. 'data checked with Bappeda'."""
    return db.run(
        audit.record,
        principal.name,
        principal.role,
        "api",
        "note",
        body.target,
        detail={"note": body.note},
    )
