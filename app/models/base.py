"""Declarative base shared by every table."""

from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase

# The server default of a JSONB object column.
EMPTY_JSON = text("'{}'::jsonb")


class Base(DeclarativeBase):
    """Base class of the ORM tables."""
