"""Handlers of the events insights counts: matching's placement events, guarantees' decisions, activations and
claims, listings' publications, lettings and withdrawals. Each event becomes facts (``domain/facts.py``) added
to the counters (``db/counters.py``) in the consumer's transaction, with its inbox row: a redelivered event
adds nothing. Thin adapters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from abri_bus.consumer import Handler, ReceivedEvent
from abri_contracts import EventContract
from abri_contracts import guarantees as g
from abri_contracts import listings as li
from abri_contracts import matching as m
from abri_insights.db import counters
from abri_insights.domain.facts import COHORTS, Fact, count, decision_facts, departement_of_insee, duration, month_of, months_run, scopes


def _placement(data: m.PlacementEvent) -> Any:
    return scopes(org_id=data.org_id, departement=data.departement)


def proposed(data: m.PlacementProposed, _at: datetime) -> list[Fact]:
    where = _placement(data)
    return count("proposal_outcomes", "proposed", data.proposed_at, where) + duration(
        "registration_to_proposal_days", data.days_since_registration, data.proposed_at, where
    )


def signed(data: m.LeaseSigned, _at: datetime) -> list[Fact]:
    where = _placement(data)
    return (
        count("leases_signed", data.lease_type or "unknown", data.signed_at, where)
        + duration("registration_to_lease_days", data.days_since_registration, data.signed_at, where)
        + [Fact(COHORTS, month_of(data.lease_starts_on), "started", where)]
    )


def ended(data: m.LeaseEnded, _at: datetime) -> list[Fact]:
    where = _placement(data)
    found = count("lease_ends", data.reason, data.recorded_at, where)
    if data.lease_starts_on is not None:
        found.append(Fact(COHORTS, month_of(data.lease_starts_on), f"ended_after:{months_run(data.lease_starts_on, data.ended_on)}", where))
    return found


def slid(data: m.LeaseSlid, _at: datetime) -> list[Fact]:
    where = _placement(data)
    return duration("registration_to_slide_days", data.days_since_registration, data.slid_at, where) + duration(
        "lease_to_slide_days", data.days_since_lease, data.slid_at, where
    )


def unit_facts(value: str, insee_code: str | None, at: datetime) -> list[Fact]:
    return count("units", value, at, scopes(departement=departement_of_insee(insee_code)))


def let(data: li.UnitLet, at: datetime) -> list[Fact]:
    where = scopes(departement=departement_of_insee(data.insee_code))
    return count("units", "let", at, where) + count("let_energy_classes", data.energy_class, at, where)


def withdrawn(data: li.UnitWithdrawn, _at: datetime) -> list[Fact]:
    insee = data.unit.insee_code if data.unit is not None else None
    return unit_facts(f"withdrawn:{data.reason or 'owner'}", insee, data.withdrawn_at)


FACTS: Mapping[type[EventContract], Callable[[Any, datetime], list[Fact]]] = {
    m.PlacementProposed: proposed,
    m.PlacementAccepted: lambda d, at: count("proposal_outcomes", "accepted", d.accepted_at, _placement(d)),
    m.PlacementDeclined: lambda d, at: count("proposal_outcomes", f"declined:{d.reason}", d.declined_at, _placement(d)),
    m.PlacementExpired: lambda d, at: count("proposal_outcomes", "expired", d.expired_at, _placement(d)),
    m.PlacementWithdrawn: lambda d, at: count("proposal_outcomes", f"withdrawn:{d.reason}", d.withdrawn_at, _placement(d)),
    m.PlacementFellThrough: lambda d, at: count("proposal_outcomes", f"fell_through:{d.reason}", d.ended_at, _placement(d)),
    m.LeaseSigned: signed,
    m.LeaseSlid: slid,
    m.LeaseEnded: ended,
    g.GuaranteeApproved: lambda d, at: decision_facts(
        "approved", d.decided_at, d.under_review_since, d.review_deadline, scopes(org_id=d.org_id, fund_id=d.fund_id)
    ),
    g.GuaranteeRejected: lambda d, at: decision_facts(
        "rejected", d.decided_at, d.under_review_since, d.review_deadline, scopes(org_id=d.org_id, fund_id=d.fund_id)
    ),
    g.GuaranteeActivated: lambda d, at: count(
        "guarantees_activated", "activated", d.activated_at, scopes(org_id=d.org_id, fund_id=d.fund_id)
    ),
    g.ClaimFiled: lambda d, at: count("claims_filed", "filed", d.filed_at, scopes(fund_id=d.fund_id)),
    li.UnitPublished: lambda d, at: unit_facts("published", d.insee_code, at),
    li.UnitLet: let,
    li.UnitWithdrawn: withdrawn,
}
"""Each contract counted, and the facts it adds (given the event and its time: a listings event counts when it
happened, not when its unit was first published)."""


async def on_event(session: AsyncSession, event: ReceivedEvent[Any]) -> None:
    await counters.add(session, FACTS[type(event.data)](event.data, event.envelope.time))


def handlers() -> Mapping[type[EventContract], Handler]:
    """The contracts insights consumes and their handler."""
    return dict.fromkeys(FACTS, on_event)
