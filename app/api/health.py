"""GET /health: the database is reachable and PostGIS is there."""

from fastapi import APIRouter

from app.api.deps import Db
from app.schemas.catalog import Health
from app.services import health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def get_health(db: Db) -> Health:
    """Return database reachability and the PostGIS version."""
    return Health(**db.run(health.check))
