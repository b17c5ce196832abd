"""Policies as data: a service's sourced defaults (a dataclass) with the overrides its configuration gives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

P = TypeVar("P", bound="DataclassInstance")


def with_overrides(policy: type[P], overrides: Mapping[str, Any]) -> P:
    """The sourced defaults of ``policy`` with the configured ``overrides`` (JSON-like values), checked by its
    field types (a ``pydantic.ValidationError`` names what is wrong)."""
    return TypeAdapter(policy).validate_python({**asdict(policy()), **overrides})
