"""The declarative base of the assistant service's tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Base of the assistant service's models."""
