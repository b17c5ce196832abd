"""Optimistic concurrency of a versioned resource: its ETag is its version, and a change must name the
version it was made from (``If-Match``), so that a stale edit is refused instead of overwriting another."""

from __future__ import annotations

from abri_kit.errors import Stale, VersionRequired


def etag(version: int) -> str:
    """The ETag of a resource at ``version`` (a strong validator: ``"3"``)."""
    return f'"{version}"'


def require_version(kind: str, version: int, expected: str | None) -> None:
    """428 when the caller named no version (``expected``: its ``If-Match``), 412 when it is not the
    current one."""
    if expected is None:
        raise VersionRequired(f"send If-Match with the {kind}'s ETag, so that a stale edit is refused")
    if expected.strip() != etag(version):
        raise Stale(f"the {kind} changed since you read it (now {etag(version)}): read it again")
