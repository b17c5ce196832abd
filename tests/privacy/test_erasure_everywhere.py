"""Erasure everywhere, and for good. A household is registered with marker strings in its names, e-mail and
phone, and goes through the whole journey with every service and the gateway on the real broker: the
owner reads its contact after accepting, the association files a guarantee with a document, the fund reads
it and approves (a visa with the holder's name), the lease is signed, the household keeps its notification
addresses. Then its association asks for its erasure, and every service that holds personal data answers with
a receipt (insights, which counts the journey's events and keeps no one's data, is not asked).

Afterwards, as a data protection officer would check: no marker in plain text in any table of any service's
database, key store or ledger, in any Kafka topic read with a plain client, in any log record, in any e-mail,
or in any file under ``.run/``; the household's keys are gone from every key store, and none of its sealed
values opens with a key that remains. The same holds after every database and key store is restored from a
dump taken before the erasure and the erasure ledger is re-applied (``abri-ops erasures reapply``)."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from abri_assistant.main import create_app as create_assistant
from abri_assistant.settings import AssistantSettings
from abri_contracts.services import SERVICES
from abri_gateway.app import create_app as create_gateway
from abri_gateway.settings import GatewaySettings
from abri_guarantees.main import create_app as create_guarantees
from abri_guarantees.settings import GuaranteesSettings
from abri_insights.main import create_app as create_insights
from abri_insights.settings import InsightsSettings
from abri_kit import keystore
from abri_kit.calendar import day_in_france
from abri_kit.envelope import Keyring, Unreadable, WrappedKey, open_bytes, open_json
from abri_listings.main import create_app as create_listings
from abri_listings.settings import ListingsSettings
from abri_matching.main import create_app as create_matching
from abri_matching.settings import MatchingSettings
from abri_notifications.domain.templates import translations
from abri_notifications.domain.texts import TEMPLATES
from abri_notifications.main import create_app as create_notifications
from abri_notifications.settings import NotificationsSettings
from abri_ops.cli import app as ops
from tests.guarantees.support import TENANT
from tests.listings.test_units_api import DRAFT
from tests.matching.invitations import link_account
from tests.matching.test_households_api import household
from tests.notifications.support import unique
from tests.notifications.test_sender import Sink
from tests.oidc_issuer import TestIssuer, serving
from tests.privacy.support import (
    drop,
    dump,
    found_in_database,
    found_in_files,
    found_in_topics,
    libpq,
    recorded_logs,
    restore,
)
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import REPO, credentials, database_url, free_port, kafka_bootstrap, wait_until

pytestmark = pytest.mark.timeout(600)

KEPT_KEYS = ("matching", "guarantees", "notifications")
"""The services holding per-person keys in a key store that the journey gives keys (the assistant has none:
the household does not talk to it here)."""
PLACE = {
    "commune": "Châteauroux", "postal_code": "36000", "insee_code": "36044", "departement": "36", "latitude": 46.811, "longitude": 1.686,
}  # fmt: skip
"""A commune no other test uses (the allocation tests own the Lozère)."""


def bearer(issuer: TestIssuer, subject: str, role: str, org_id: str | None) -> dict[str, str]:
    claims: dict[str, Any] = {"org_id": org_id} if org_id else {}
    return {"authorization": f"Bearer {issuer.token(sub=subject, roles=[role], exp=int(time.time()) + 3600, **claims)}"}


def needed(name: str) -> str:
    found = credentials().get(name) or os.environ.get(name)
    if not found:
        pytest.fail(f"{name} is not set: run the tests through infra/dev/with_infra.py", pytrace=False)
    return found


@dataclass
class Person:
    """The household's reference person, every identifying field a marker of its own."""

    marker: str = field(default_factory=lambda: f"Mkr{uuid.uuid4().hex[:12]}")
    phone: str = field(default_factory=lambda: f"+3361{uuid.uuid4().int % 10**8:08d}")

    @property
    def first_name(self) -> str:
        return f"Ilona{self.marker}"

    @property
    def email(self) -> str:
        return f"{self.marker.lower()}@example.org"

    @property
    def needles(self) -> list[bytes]:
        return [self.marker.encode(), self.phone.encode(), self.phone.removeprefix("+33").encode()]


@dataclass
class Stack:
    issuer: TestIssuer
    gateway: httpx.AsyncClient
    sink: Sink
    keyrings: dict[str, Keyring]
    org: str = field(default_factory=lambda: unique("assoc-er"))
    fund: str = field(default_factory=lambda: unique("fund-er"))
    owner: str = field(default_factory=lambda: unique("owner-er"))

    def as_(self, who: str, household_subject: str | None = None) -> dict[str, str]:
        roles = {
            "owner": (self.owner, "owner", None),
            "worker": ("sw-er", "social_worker", self.org),
            "agent": ("agent-er", "fund_agent", self.fund),
            "ops": ("ops-er", "ops", None),
            "household": (household_subject or "", "household", None),
        }
        subject, role, org = roles[who]
        return bearer(self.issuer, subject, role, org)

    async def call(self, method: str, path: str, auth: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.gateway.request(method, f"/api{path}", headers={**auth, **kwargs.pop("headers", {})}, **kwargs)


@pytest.fixture(scope="module")
async def stack(issuer: TestIssuer, migrated: None) -> AsyncIterator[Stack]:
    sink, smtp_port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    common: dict[str, Any] = {"kafka_bootstrap_servers": kafka_bootstrap(), "oidc_issuer": issuer.issuer, "relay_poll_interval_s": 0.2}
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    settings = {
        "listings": ListingsSettings(database_url=database_url("listings"), **common),
        "matching": MatchingSettings(database_url=database_url("matching"), **common),
        "guarantees": GuaranteesSettings(database_url=database_url("guarantees"), **common),
        "notifications": NotificationsSettings(
            database_url=database_url("notifications"), smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none",
            mail_from="no-reply@abri.test", send_every_s=0.3, **common,
        ),
        "assistant": AssistantSettings(database_url=database_url("assistant"), **common),
        "insights": InsightsSettings(database_url=database_url("insights"), **common),  # counts only: no key, no receipt
    }  # fmt: skip
    urls = {f"{name}_url": f"http://127.0.0.1:{ports[name]}" for name in SERVICES}
    gateway = GatewaySettings(oidc_issuer=issuer.issuer, rate_limit="100000/minute", **urls)  # type: ignore[arg-type]
    keyrings = {name: settings[name].keyring() for name in KEPT_KEYS}  # type: ignore[attr-defined]
    try:
        async with (
            serving(create_listings(settings["listings"]), ports["listings"]),  # type: ignore[arg-type]
            serving(create_matching(settings["matching"]), ports["matching"]),  # type: ignore[arg-type]
            serving(create_guarantees(settings["guarantees"]), ports["guarantees"]),  # type: ignore[arg-type]
            serving(create_notifications(settings["notifications"]), ports["notifications"]),  # type: ignore[arg-type]
            serving(create_assistant(settings["assistant"]), ports["assistant"]),  # type: ignore[arg-type]
            serving(create_insights(settings["insights"]), ports["insights"]),  # type: ignore[arg-type]
            serving(create_gateway(gateway), ports["gateway"]),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['gateway']}", timeout=30) as client,
        ):
            yield Stack(issuer, client, sink, keyrings)
    finally:
        controller.stop()


@dataclass
class Journey:
    """What the journey left behind: the ids whose keys must go."""

    household_id: str
    account: str
    placement_id: str
    file_id: str
    visa_number: str
    holder: str


async def expect(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    return response.json() if response.content and response.headers.get("content-type", "").endswith("json") else {}


async def whole_journey(s: Stack, person: Person) -> Journey:
    """Owner, association, fund and household each do their part, up to the signed lease."""
    account = unique("hh-er")
    worker, owner, agent, ops = s.as_("worker"), s.as_("owner"), s.as_("agent"), s.as_("ops")
    await expect(await s.call("POST", "/guarantees/v1/funds", ops, json={"fund_id": s.fund, "name": "Fonds ER", "kind": "visale"}), 201)
    direct = {"schemes": ["direct_lease"]}  # the owner becomes the household's landlord: it reads its contact once accepted
    unit = await expect(await s.call("POST", "/listings/v1/units", owner, json={**DRAFT, **PLACE, **direct}), 201)
    await expect(await s.call("POST", f"/listings/v1/units/{unit['id']}/publish", owner, headers={"if-match": '"1"'}), 200)

    identity = {"first_name": person.first_name, "last_name": person.marker, "email": person.email, "phone": person.phone}
    body = {**household(unique("ER")), "identity": identity, "wanted": {"communes": [PLACE["insee_code"]]}, "needs": {"min_bedrooms": 1}}
    household_id = (await expect(await s.call("POST", "/matching/v1/households", worker, json=body), 201))["id"]
    await link_account(s.gateway, household_id, worker, s.as_("household", account), prefix="/api/matching")
    for purpose in ("share_with_owner_after_acceptance", "guarantee_file", "notifications"):
        consent = {"purpose": purpose, "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
        await expect(await s.call("POST", f"/matching/v1/households/{household_id}/consents", worker, json=consent), 201)
    own = {"language": "fr", "channels": ["email"], "email": person.email, "phone": person.phone}
    await expect(await s.call("PUT", "/notifications/v1/me/preferences", s.as_("household", account), json=own), 200)

    async def ranked() -> bool:
        return (await s.call("GET", f"/matching/v1/units/{unit['id']}/candidates", worker)).status_code == 200

    await wait_until(ranked, timeout=90, what="matching learns the unit")
    proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "direct_lease"}
    placement = await expect(await s.call("POST", "/matching/v1/placements", worker, json=proposal), 201)
    accepted = await s.call("POST", f"/matching/v1/placements/{placement['id']}/accept", owner, json={"require_guarantee": True})
    assert (await expect(accepted, 200))["status"] == "awaiting_guarantee"
    contact = await expect(await s.call("GET", f"/matching/v1/placements/{placement['id']}/household-contact", owner), 200)
    assert contact["last_name"] == person.marker  # the owner read it: the journey really carried the data

    tenant = {**TENANT, "first_names": person.first_name, "last_name": person.marker, "email": person.email, "phone": person.phone}
    answers: list[httpx.Response] = []

    async def filed() -> bool:
        answers.append(await s.call("POST", "/guarantees/v1/files", worker, json={"placement_id": placement["id"], "fund_id": s.fund,
                                                                                   "tenant": tenant}))  # fmt: skip
        return answers[-1].status_code == 201

    await wait_until(filed, timeout=90, what="guarantees learns the placement and the household's consent")
    file_id = answers[-1].json()["id"]
    document = b"%PDF-1.7\n" + f"payslip of {person.first_name} {person.marker}, {person.phone}\n".encode() * 20
    uploaded = await s.call(
        "POST", f"/guarantees/v1/files/{file_id}/documents", worker, data={"kind": "identity", "sub_kind": "passport"},
        files={"content": ("id.pdf", document, "application/pdf")},
    )  # fmt: skip
    await expect(uploaded, 201)
    for kind, sub_kind in (("professional_situation", "employment_contract"), ("resources", "payslips")):  # what the fund requires
        more = await s.call(
            "POST", f"/guarantees/v1/files/{file_id}/documents", worker, data={"kind": kind, "sub_kind": sub_kind},
            files={"content": (f"{sub_kind}.pdf", document, "application/pdf")},
        )  # fmt: skip
        await expect(more, 201)
    read = await expect(await s.call("GET", f"/guarantees/v1/files/{file_id}/tenant", agent, params={"purpose": "review_file"}), 200)
    assert person.marker in json.dumps(read)
    approval = await expect(await s.call("POST", f"/guarantees/v1/files/{file_id}/approval", agent), 200)
    number = approval["visa"]["number"]
    assert (await s.call("GET", f"/guarantees/v1/files/{file_id}/visa.pdf", worker)).status_code == 200
    holder = f"{person.first_name} {person.marker}"
    check = await s.call("POST", "/guarantees/v1/public/visa-checks", {}, json={"number": number, "name": holder})
    assert (await expect(check, 200))["status"] == "valid"

    async def guaranteed() -> bool:
        found = await s.call("GET", f"/matching/v1/placements/{placement['id']}", worker)
        return bool(found.json()["status"] == "guaranteed")

    await wait_until(guaranteed, timeout=90, what="matching moves the placement on the approval")
    today = day_in_france(datetime.now(UTC)).isoformat()
    lease = {"signed_on": today, "starts_on": today, "lease_type": "direct"}  # a direct lease, as its scheme has it
    await expect(await s.call("POST", f"/matching/v1/placements/{placement['id']}/lease", worker, json=lease), 200)
    return Journey(household_id, account, placement["id"], file_id, number, holder)


async def erased(s: Stack, journey: Journey) -> dict[str, Any]:
    """The association asks; every service's receipt arrives."""
    worker = s.as_("worker")
    await expect(await s.call("POST", f"/matching/v1/households/{journey.household_id}/erasure", worker, json={}), 202)
    states: list[dict[str, Any]] = []

    async def completed() -> bool:
        states.append(await expect(await s.call("GET", f"/matching/v1/households/{journey.household_id}/erasure", worker), 200))
        return bool(states[-1]["state"] == "completed")

    await wait_until(completed, timeout=120, interval=0.5, what="every service sends its erasure receipt")
    return states[-1]


async def nothing_answers_with_the_person(s: Stack, journey: Journey, person: Person) -> None:
    """Every read path that answered with the person before answers without it now."""
    worker, owner, agent = s.as_("worker"), s.as_("owner"), s.as_("agent")
    reads = [
        await s.call("GET", f"/matching/v1/households/{journey.household_id}/personal-data", worker, params={"purpose": "contact"}),
        await s.call("GET", f"/matching/v1/placements/{journey.placement_id}/household-contact", owner),
        await s.call("GET", f"/guarantees/v1/files/{journey.file_id}/tenant", agent, params={"purpose": "review_file"}),
        await s.call("GET", f"/guarantees/v1/files/{journey.file_id}/tenant", worker, params={"purpose": "review_file"}),
        await s.call("GET", f"/guarantees/v1/files/{journey.file_id}", agent),
        await s.call("GET", f"/guarantees/v1/files/{journey.file_id}/documents", worker),
        await s.call("GET", f"/guarantees/v1/files/{journey.file_id}/visa.pdf", worker),
        await s.call("GET", "/notifications/v1/me/preferences", s.as_("household", journey.account)),
    ]
    for response in reads:
        assert response.status_code != 200 or not any(n in response.content for n in person.needles), (response.request.url, response.text)
    check = await s.call("POST", "/guarantees/v1/public/visa-checks", {}, json={"number": journey.visa_number, "name": journey.holder})
    assert check.json()["status"] != "valid", check.text


@dataclass(frozen=True)
class Sealed:
    """A sealed value left in a database, and how it would open: the namespace and owner bound in its associated
    data, its kind (``None``: sealed JSON)."""

    service: str
    where: str
    namespace: str
    owner: str
    blob: bytes
    kind: str | None


SEALED_OF: dict[str, list[tuple[str, str, str, str | None]]] = {
    # service: (where, namespace, SQL giving the owner bound in the associated data and the bytes, kind); $1 is the
    # household's id in matching, its file's id in guarantees, its account's subject in notifications
    "matching": [("households.personal", "household", "SELECT id::text, personal FROM households WHERE id = $1::uuid", None)],
    "guarantees": [
        ("guarantee_files.personal", "guarantee-file", "SELECT id::text, personal FROM guarantee_files WHERE id = $1::uuid", None),
        ("file_steps.message", "guarantee-file", "SELECT file_id::text, message FROM file_steps WHERE file_id = $1::uuid", "message"),
        ("documents.sealed", "guarantee-file", "SELECT file_id::text || '/' || id::text, sealed FROM documents WHERE file_id = $1::uuid",
         "blob"),
    ],
    "notifications": [("people.contact", "person", "SELECT subject, contact FROM people WHERE subject = $1 AND contact_kek IS NULL", None)],
}  # fmt: skip


async def sealed_values(urls: dict[str, str], journey: Journey) -> list[Sealed]:
    """Every sealed value of the household's that a database still holds."""
    subjects = {"matching": journey.household_id, "guarantees": journey.file_id, "notifications": journey.account}
    found: list[Sealed] = []
    for service, queries in SEALED_OF.items():
        conn = await asyncpg.connect(libpq(urls[service]))
        try:
            for where, namespace, sql, kind in queries:
                rows = await conn.fetch(sql, subjects[service])
                found += [Sealed(service, where, namespace, owner, bytes(blob), kind) for owner, blob in rows if blob]
        finally:
            await conn.close()
    return found


async def every_key(url: str) -> list[tuple[str, str, str, bytes]]:
    """(namespace, owner, kek id, wrapped) of every key a key store holds."""
    conn = await asyncpg.connect(libpq(url))
    try:
        rows = await conn.fetch(f"SELECT namespace, owner_id, kek_id, wrapped FROM {keystore.TABLE}")  # noqa: S608 - the kit's constant
        return [(r["namespace"], r["owner_id"], r["kek_id"], bytes(r["wrapped"])) for r in rows]
    finally:
        await conn.close()


def erased_owners(journey: Journey) -> set[str]:
    return {journey.household_id, journey.file_id, journey.account}


async def keys_of_the_erased(key_urls: dict[str, str], journey: Journey) -> list[str]:
    """``service: owner`` of every key of the household's still in a key store."""
    found = []
    for service in KEPT_KEYS:
        found += [f"{service}: {owner}" for _, owner, _, _ in await every_key(key_urls[service]) if owner in erased_owners(journey)]
    return found


async def what_opens(stack: Stack, data_urls: dict[str, str], key_urls: dict[str, str], journey: Journey) -> list[str]:
    """Every sealed value of the household's, tried with every key left in its service's key store: those that open."""
    opened = []
    for value in await sealed_values(data_urls, journey):
        keyring = stack.keyrings[value.service]
        for namespace, owner, kek_id, wrapped in await every_key(key_urls[value.service]):
            try:
                data_key = await keyring.in_namespace(namespace).unwrap(WrappedKey(kek_id, wrapped), owner)
                if value.kind is None:
                    open_json(data_key, value.blob, value.owner, value.namespace)
                else:
                    open_bytes(data_key, value.blob, value.owner, value.namespace, kind=value.kind)
            except Unreadable:
                continue
            opened.append(f"{value.service} {value.where} opens with {owner}'s key")
    return opened


def service_urls() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    data = {name: database_url(name) for name in SERVICES}
    keys = {name: needed(f"ABRI_{name.upper()}_KEYSTORE_URL") for name in KEPT_KEYS}
    ledgers = {name: needed(f"ABRI_{name.upper()}_LEDGER_URL") for name in KEPT_KEYS}
    return data, keys, ledgers


LEASE_SIGNED = translations("fr").gettext(TEMPLATES["household.lease_signed"].subject)
"""The subject of the household's last mail of the journey, in its language: its mails are sent as
notifications catches up with the events, so the erasure waits for this one."""


async def told(stack: Stack, person: Person) -> bool:
    """Whether the household's mail of its signed lease has arrived."""
    subjects = [str(make_header(decode_header(message["Subject"]))) for _, to, message in stack.sink.messages if person.email in to]
    return LEASE_SIGNED in subjects


@pytest.fixture
def person() -> Person:
    return Person()


async def test_an_erased_household_is_found_nowhere_not_even_in_a_restored_backup(stack: Stack, person: Person, tmp_path: Path) -> None:
    data_urls, key_urls, ledger_urls = service_urls()
    with recorded_logs() as logs:
        journey = await whole_journey(stack, person)
        backups = {f"data-{n}": await dump(url, tmp_path / f"data-{n}.dump") for n, url in data_urls.items()}
        backups |= {f"keys-{n}": await dump(url, tmp_path / f"keys-{n}.dump") for n, url in key_urls.items()}
        await wait_until(lambda: told(stack, person), timeout=120, what="the household's mail of its signed lease")
        told_before = len(stack.sink.messages)  # the household's own mails (it consented to be told) stop at the erasure
        state = await erased(stack, journey)
    assert {entry["service"] for entry in state["services"]} >= {"guarantees", "notifications", "listings", "assistant"}

    await nothing_answers_with_the_person(stack, journey, person)
    needles = person.needles
    for service, url in data_urls.items():
        assert await found_in_database(url, needles) == [], f"{service}'s database"
    for service, url in {**key_urls, **{f"{k}-ledger": v for k, v in ledger_urls.items()}}.items():
        assert await found_in_database(url, needles) == [], f"{service}'s key store or ledger"
    assert await found_in_topics(needles) == []
    assert [line for line in logs.lines if any(n.decode().lower() in line.lower() for n in needles)] == []
    to_the_person = [i for i, (_, recipients, _) in enumerate(stack.sink.messages) if person.email in recipients]
    assert to_the_person and max(to_the_person) < told_before, "the household is told of its steps, and nothing after its erasure"
    mails = [str(message) for i, (_, _, message) in enumerate(stack.sink.messages) if i not in to_the_person]
    assert [m for m in mails if any(n.decode().lower() in m.lower() for n in needles)] == []  # nobody else is sent its data
    assert found_in_files(REPO / ".run", needles) == []
    assert await keys_of_the_erased(key_urls, journey) == []
    assert await what_opens(stack, data_urls, key_urls, journey) == []

    # a backup taken before the erasure, restored: the ledger closes it again
    restored_data: dict[str, str] = {}
    restored_keys: dict[str, str] = {}
    data_admin, keys_admin = needed("ABRI_PG_ADMIN_URL"), needed("ABRI_KEYSTORE_ADMIN_URL")
    try:
        for name in KEPT_KEYS:
            restored_data[name] = await restore(data_admin, data_urls[name], backups[f"data-{name}"])
        for name, url in key_urls.items():
            restored_keys[name] = await restore(keys_admin, url, backups[f"keys-{name}"])
        brought_back = await what_opens(stack, restored_data, restored_keys, journey)
        assert {line.split(" ")[0] for line in brought_back} == set(KEPT_KEYS), brought_back  # what the DPO found: it all opens again
        for service in KEPT_KEYS:
            env = {
                f"ABRI_{service.upper()}_DATABASE_URL": restored_data[service],
                f"ABRI_{service.upper()}_KEYSTORE_URL": restored_keys[service],
                f"ABRI_{service.upper()}_LEDGER_URL": ledger_urls[service],
            }
            result = await asyncio.to_thread(CliRunner().invoke, ops, ["erasures", "reapply", service, "--json"], env=env)
            assert result.exit_code == 0, result.output
        assert await keys_of_the_erased(restored_keys, journey) == []
        assert await what_opens(stack, restored_data, restored_keys, journey) == []
        for service in KEPT_KEYS:
            assert await found_in_database(restored_data[service], needles) == [], f"{service}'s restored database"
            assert await found_in_database(restored_keys[service], needles) == [], f"{service}'s restored key store"
    finally:
        for url in restored_data.values():
            await drop(data_admin, url)
        for url in restored_keys.values():
            await drop(keys_admin, url)


async def purposes_in(service: str, household_id: str) -> list[str]:
    """The purposes in force that a service's read model holds for the household (none if it never heard of it)."""
    table = {"guarantees": "households", "notifications": "household_contacts"}[service]
    conn = await asyncpg.connect(libpq(database_url(service)))
    try:
        found = await conn.fetchval(f"SELECT purposes FROM {table} WHERE household_id = $1::uuid", household_id)  # noqa: S608 - a fixed name
        return sorted(found or [])
    finally:
        await conn.close()


async def test_a_withdrawn_consent_takes_effect_in_every_service(stack: Stack, person: Person) -> None:
    """Matching records the withdrawal; guarantees stops the fund's reading and notifications stops telling the
    household, both from the event; matching itself takes the household out of the rankings at once."""
    s, worker, owner, ops, fund = stack, stack.as_("worker"), stack.as_("owner"), stack.as_("ops"), unique("fund-wd")
    agent = bearer(s.issuer, "agent-wd", "fund_agent", fund)
    await expect(await s.call("POST", "/guarantees/v1/funds", ops, json={"fund_id": fund, "name": "Fonds WD", "kind": "visale"}), 201)
    unit = await expect(await s.call("POST", "/listings/v1/units", owner, json={**DRAFT, **PLACE}), 201)
    await expect(await s.call("POST", f"/listings/v1/units/{unit['id']}/publish", owner, headers={"if-match": '"1"'}), 200)
    body = {**household(unique("WD")), "wanted": {"communes": [PLACE["insee_code"]]},
            "needs": {"min_bedrooms": 1}, "identity": {"first_name": person.first_name, "last_name": person.marker}}  # fmt: skip
    household_id = (await expect(await s.call("POST", "/matching/v1/households", worker, json=body), 201))["id"]
    await link_account(s.gateway, household_id, worker, s.as_("household", unique("hh-wd")), prefix="/api/matching")
    consents = {}
    for purpose in ("guarantee_file", "notifications"):
        given = {"purpose": purpose, "notice_version": "2026-01", "consented_at": "2026-03-01T10:00:00Z"}
        recorded = await s.call("POST", f"/matching/v1/households/{household_id}/consents", worker, json=given)
        consents[purpose] = (await expect(recorded, 201))["id"]

    async def candidates() -> list[str]:
        found = await s.call("GET", f"/matching/v1/units/{unit['id']}/candidates", worker)
        return [match["household"]["household_id"] for match in found.json()] if found.status_code == 200 else []

    async def ranked() -> bool:
        return household_id in await candidates()

    await wait_until(ranked, timeout=90, what="the household is ranked for the unit")
    proposal = {"household_id": household_id, "unit_id": unit["id"], "scheme": "intermediated_letting"}
    placement = await expect(await s.call("POST", "/matching/v1/placements", worker, json=proposal), 201)
    await expect(await s.call("POST", f"/matching/v1/placements/{placement['id']}/accept", owner, json={"require_guarantee": True}), 200)
    answers: list[httpx.Response] = []

    async def filed() -> bool:
        answers.append(await s.call("POST", "/guarantees/v1/files", worker, json={"placement_id": placement["id"], "fund_id": fund,
                                                                                   "tenant": TENANT}))  # fmt: skip
        return answers[-1].status_code == 201

    await wait_until(filed, timeout=90, what="guarantees learns the placement and the consent")
    file_id = answers[-1].json()["id"]
    assert (await s.call("GET", f"/guarantees/v1/files/{file_id}/tenant", agent, params={"purpose": "review_file"})).status_code == 200

    async def told_to(service: str, expected: list[str]) -> None:
        async def reached() -> bool:
            return await purposes_in(service, household_id) == expected

        await wait_until(reached, timeout=90, what=f"{service} learns the purposes {expected}")

    await told_to("notifications", ["guarantee_file", "matching", "notifications"])
    for purpose in ("guarantee_file", "notifications"):
        withdrawn = await s.call("POST", f"/matching/v1/households/{household_id}/consents/{consents[purpose]}/withdraw", worker)
        await expect(withdrawn, 200)
    await told_to("guarantees", ["matching"])
    await told_to("notifications", ["matching"])
    refused = await s.call("GET", f"/guarantees/v1/files/{file_id}/tenant", agent, params={"purpose": "review_file"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "consent_required", refused.text

    listed = await expect(await s.call("GET", f"/matching/v1/households/{household_id}/consents", worker), 200)
    [to_matching] = [c["id"] for c in listed["items"] if c["purpose"] == "matching"]
    await expect(await s.call("POST", f"/matching/v1/households/{household_id}/consents/{to_matching}/withdraw", worker), 200)
    assert household_id not in await candidates()
    units = await s.call("GET", f"/matching/v1/households/{household_id}/matches", worker)
    assert units.status_code in (403, 409, 422) or units.json() == [], units.text
