"""One complete journey through the gateway, as its four parties would go through it while the system
is being broken: an owner publishes a unit; a social worker registers a household, records its consent and
proposes it; the owner accepts with a guarantee; the association files the guarantee with its documents;
the fund approves; the association records the lease. Each journey has its own owner, association and fund
(so that what it finds is its own), and every party takes email, the association a webhook too.

A client under faults does what a careful client does: a command goes with an ``Idempotency-Key`` and is
sent again with the same key when the answer is lost (connection reset, 502/503/504 from the gateway, 409
"still in progress", 429); a step without a key (publish, accept, approve) that answers 409/412 on a
second try is checked by reading the resource (its first try had worked). Waiting for the event-driven
steps is polling, bounded in time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from abri_kit.calendar import day_in_france
from tests.guarantees.support import TENANT
from tests.listings.test_units_api import DRAFT
from tests.matching.test_households_api import household
from tests.notifications.test_journey_through_gateway import AURILLAC, PDF, REQUIRED_DOCUMENTS
from tests.oidc_issuer import TestIssuer

TRANSIENT = frozenset({409, 429, 500, 502, 503, 504})
"""Answers a client tries again (the same request, the same key)."""
STEP_TIMEOUT_S = 300.0
"""How long one step may take through faults: a broker restart, a database restart and a paused replica in a row."""

EXPECTED: dict[str, dict[str, int]] = {
    "owner": {
        "owner.unit_published": 1,
        "owner.placement_proposed_association_tenant": 1,
        "owner.unit_reserved": 1,
        "owner.unit_let": 1,
        "owner.guarantee_activated": 1,
    },
    "worker": {
        "association.placement_accepted": 1,
        "association.guarantee_requested": 1,
        "association.file_under_review": 1,
        "association.file_approved": 1,
        "association.lease_signed": 1,
        "association.guarantee_activated": 1,
        "association.tell_household": 4,  # home proposed, owner's yes, guarantee granted, lease: the household has no account
    },
    "agent": {"fund.file_submitted": 1, "fund.guarantee_activated": 1},
}
"""Every message each party reads in its inbox at the end of a journey, and how many times (once each,
but for the news passed on to the household)."""
WEBHOOK_TYPES = {"abri.matching.placement.accepted.v1": 1, "abri.guarantees.file.approved.v1": 1}
"""Webhooks the association's endpoint must receive at least (each exactly once)."""


class JourneyFailed(Exception):
    """A step answered what no retry can mend."""


@dataclass
class Journey:
    """One journey's parties, tokens and the ids it created; ``steps`` records when each step finished."""

    run: str
    index: int
    issuer: TestIssuer
    client: httpx.AsyncClient
    ids: dict[str, str] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    started: float = 0.0
    finished: float = 0.0

    def __post_init__(self) -> None:
        tag = f"{self.run}-{self.index}"
        self.org, self.fund = f"assoc-{tag}", f"fund-{tag}"
        self.subjects = {"owner": f"owner-{tag}", "worker": f"sw-{tag}", "agent": f"agent-{tag}", "ops": f"ops-{self.run}"}
        self.emails = {who: f"{subject}@example.org" for who, subject in self.subjects.items() if who != "ops"}
        roles = {"owner": ("owner", None), "worker": ("social_worker", self.org), "agent": ("fund_agent", self.fund), "ops": ("ops", None)}
        expires = int(time.time()) + 4 * 3600
        self.headers = {}
        for who, (role, org) in roles.items():
            claims: dict[str, Any] = {"org_id": org} if org else {}
            token = self.issuer.token(sub=self.subjects[who], roles=[role], exp=expires, **claims)
            self.headers[who] = {"authorization": f"Bearer {token}"}

    async def call(
        self,
        method: str,
        path: str,
        who: str,
        *,
        ok: tuple[int, ...] = (200, 201),
        confirm: Callable[[], Awaitable[bool]] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send until an answer in ``ok`` (a POST with one idempotency key throughout); a 4xx other than the
        transient ones fails the journey, unless ``confirm`` (read after a retry) says the step was done; a 409
        after a retry is the step done too when ``confirm`` says so (a step without an idempotency key, such as an
        owner's answer, whose first answer a fault lost), else a transient one (a key in progress, a read model behind)."""
        headers = {**self.headers[who], **kwargs.pop("headers", {})}
        if method == "POST":
            headers.setdefault("idempotency-key", str(uuid.uuid4()))
        deadline = time.monotonic() + self.step_timeout_s
        attempt = 0
        said = ""  # the last transient answer's body: which 409 (a key still in progress, a state, a read model behind)
        while True:
            attempt += 1
            try:
                response = await self.client.request(method, f"/api{path}", headers=headers, **kwargs)
            except httpx.TransportError as exc:
                outcome = f"{method} {type(exc).__name__}"
            else:
                if response.status_code in ok:
                    return response
                if response.status_code == 409 and attempt > 1 and confirm is not None and await confirm():
                    return response  # the first answer was lost on its way back: the step is done, its retry finds it past
                if response.status_code not in TRANSIENT:
                    if attempt > 1 and confirm is not None and await confirm():
                        return response
                    raise JourneyFailed(f"{method} {path}: {response.status_code} {response.text[:300]}")
                outcome, said = f"{method} {response.status_code}", response.text[:300]
            self.retries[outcome] += 1
            if time.monotonic() > deadline:
                done = confirm is not None and await confirm()
                raise JourneyFailed(
                    f"{method} {path}: still {outcome} after {self.step_timeout_s}s ({said or 'no body'}; step done meanwhile: {done})"
                )
            await asyncio.sleep(min(0.25 * attempt, 3.0))

    async def read(self, path: str, who: str) -> Any:
        return (await self.call("GET", path, who)).json()

    async def until(self, what: str, check: Callable[[], Awaitable[bool]]) -> None:
        deadline = time.monotonic() + self.step_timeout_s
        while not await check():
            if time.monotonic() > deadline:
                raise JourneyFailed(f"timed out waiting for {what}")
            await asyncio.sleep(0.5)

    def done(self, step: str) -> None:
        self.steps.append((step, time.monotonic() - self.started))

    async def go(self) -> None:
        """The whole journey; records its error instead of raising (the run checks every journey at the end)."""
        self.started = time.monotonic()
        try:
            await self._go()
        except JourneyFailed as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug of the driver itself: visible in the report, never swallowed silently
            self.error = f"{type(exc).__name__}: {exc}"
        self.finished = time.monotonic()

    async def _go(self) -> None:
        for who, language in (("owner", "en"), ("worker", "fr"), ("agent", "uk")):
            prefs = {"language": language, "channels": ["email"], "email": self.emails[who]}
            await self.call("PUT", "/notifications/v1/me/preferences", who, json=prefs)
        hook = {"url": f"{self.webhook_base}/hook/{self.index}"}
        self.ids["webhook"] = (await self.call("POST", "/notifications/v1/webhooks", "worker", json=hook)).json()["id"]
        fund = {"fund_id": self.fund, "name": f"Fonds {self.index}", "kind": "visale"}
        await self.call("POST", "/guarantees/v1/funds", "ops", json=fund)
        self.done("parties")

        unit = (await self.call("POST", "/listings/v1/units", "owner", json={**DRAFT, **AURILLAC})).json()
        self.ids["unit"] = unit["id"]
        await self.call(
            "POST", f"/listings/v1/units/{unit['id']}/publish", "owner", headers={"if-match": '"1"'}, confirm=self._unit_is("published")
        )
        self.done("published")

        body = {**household(f"C{self.run}-{self.index}"), "wanted": {"communes": ["15014"]}, "needs": {"min_bedrooms": 1}}
        self.ids["household"] = (await self.call("POST", "/matching/v1/households", "worker", json=body)).json()["id"]
        agreed = {"purpose": "guarantee_file", "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
        await self.call("POST", f"/matching/v1/households/{self.ids['household']}/consents", "worker", json=agreed)
        await self.until("matching learns the unit", self._candidates_known)
        proposal = {"household_id": self.ids["household"], "unit_id": unit["id"], "scheme": "intermediated_letting"}
        self.ids["placement"] = (await self.call("POST", "/matching/v1/placements", "worker", json=proposal)).json()["id"]
        self.done("proposed")

        placement = f"/matching/v1/placements/{self.ids['placement']}"
        accepted = self._placement_in("accepted", "awaiting_guarantee", "guaranteed", "lease_signed")
        await self.call("POST", f"{placement}/accept", "owner", json={"require_guarantee": True}, confirm=accepted)
        self.done("accepted")

        file = {"placement_id": self.ids["placement"], "fund_id": self.fund, "tenant": TENANT}
        # guarantees learns the placement from matching's event: until then the file is refused (404/409/422), tried again
        self.ids["file"] = (await self._until_created("/guarantees/v1/files", file)).json()["id"]
        for kind, sub_kind in REQUIRED_DOCUMENTS:
            piece = {"content": (f"{sub_kind}.pdf", PDF, "application/pdf")}
            await self.call(
                "POST",
                f"/guarantees/v1/files/{self.ids['file']}/documents",
                "worker",
                data={"kind": kind, "sub_kind": sub_kind},
                files=piece,
            )
        self.done("filed")
        await self.call("POST", f"/guarantees/v1/files/{self.ids['file']}/approval", "agent", confirm=self._file_is("approved"))
        self.done("approved")

        await self.until("matching moves the placement on the approval", self._placement_in("guaranteed"))
        today = day_in_france(datetime.now(UTC))
        lease = {
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "lease_type": "sub_let",
            "head_lease_ends_on": (today + timedelta(days=3 * 365)).isoformat(),
        }
        await self.call("POST", f"{placement}/lease", "worker", json=lease)
        self.done("lease")

    webhook_base = ""
    """The webhook receiver's address (set by the run)."""
    step_timeout_s = STEP_TIMEOUT_S
    """How long a step may take (set by the run)."""

    def _unit_is(self, status: str) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return bool((await self.read(f"/listings/v1/units/{self.ids['unit']}", "owner"))["status"] == status)

        return check

    def _placement_in(self, *statuses: str) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return (await self.read(f"/matching/v1/placements/{self.ids['placement']}", "worker"))["status"] in statuses

        return check

    def _file_is(self, status: str) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return bool((await self.read(f"/guarantees/v1/files/{self.ids['file']}", "worker"))["status"] == status)

        return check

    async def _candidates_known(self) -> bool:
        answer = await self.call("GET", f"/matching/v1/units/{self.ids['unit']}/candidates", "worker", ok=(200, 404))
        return answer.status_code == 200

    async def _until_created(self, path: str, body: dict[str, Any]) -> httpx.Response:
        deadline = time.monotonic() + self.step_timeout_s
        key = str(uuid.uuid4())  # one command: a failed try leaves its key free again
        while True:
            answer = await self.call("POST", path, "worker", ok=(201, 404, 409, 422), json=body, headers={"idempotency-key": key})
            if answer.status_code == 201:
                return answer
            if time.monotonic() > deadline:
                raise JourneyFailed(f"POST {path}: {answer.status_code} {answer.text[:300]} after {self.step_timeout_s}s")
            await asyncio.sleep(0.5)
