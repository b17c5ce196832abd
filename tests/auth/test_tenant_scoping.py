"""Tenant scoping: the helpers make the scoped query the easy one, and the walker catches a route
that forgot it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from abri_auth.dependencies import CurrentPrincipal
from abri_auth.scoping import get_scoped, scoped
from abri_auth.testing import assert_tenant_isolation
from abri_kit.app import ServiceSpec, create_service_app
from abri_kit.db import SessionDep
from abri_kit.settings import ServiceSettings
from tests.oidc_issuer import TestIssuer
from tests.support import database_url, kafka_bootstrap

NOTES = "notes:read notes:write"
"""The scopes of the test service "notes" (every service checks ``<service>:read`` / ``<service>:write``)."""


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "scoping_notes"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[str]
    text: Mapped[str]


def notes_app(issuer: TestIssuer, *, forget_scope_on_delete: bool = False) -> FastAPI:
    router = APIRouter()

    @router.post("/v1/notes", status_code=201)
    async def create(principal: CurrentPrincipal, session: SessionDep) -> dict[str, str]:
        note = Note(id=uuid.uuid4(), org_id=principal.require_org(), text="household follow-up")
        session.add(note)
        return {"id": str(note.id)}

    @router.get("/v1/notes")
    async def list_notes(principal: CurrentPrincipal, session: SessionDep) -> list[str]:
        rows = await session.execute(scoped(sa.select(Note.id), principal, org_column=Note.org_id))
        return [str(row) for row in rows.scalars()]

    @router.get("/v1/notes/{note_id}")
    async def read(note_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> dict[str, str]:
        note = await get_scoped(session, Note, note_id, principal, org_attr="org_id")
        return {"id": str(note.id), "text": note.text}

    @router.delete("/v1/notes/{note_id}", status_code=204)
    async def remove(note_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> None:
        if forget_scope_on_delete:  # the bug the walker must catch
            await session.execute(sa.delete(Note).where(Note.id == note_id))
            return
        note = await get_scoped(session, Note, note_id, principal, org_attr="org_id", for_update=True)
        await session.delete(note)

    settings = ServiceSettings(
        database_url=SecretStr(database_url("bustest")),
        kafka_bootstrap_servers=kafka_bootstrap(),
        oidc_issuer=issuer.issuer,
        relay_enabled=False,
    )
    return create_service_app(ServiceSpec(name="notes", settings=settings, routers=[router]))


@pytest.fixture(scope="module", autouse=True)
async def notes_table() -> AsyncIterator[None]:
    engine = create_async_engine(database_url("bustest"))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    yield
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
    await engine.dispose()


async def test_another_organisation_gets_404_everywhere(issuer: TestIssuer) -> None:
    mine = issuer.token(scope=NOTES, sub="sw-1", roles=["social_worker"], org_id="assoc-1")
    theirs = issuer.token(scope=NOTES, sub="sw-2", roles=["social_worker"], org_id="assoc-2")
    app = notes_app(issuer)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://notes") as client:
            created = await client.post("/v1/notes", headers={"authorization": f"Bearer {mine}"})
            note_id = created.json()["id"]
            checked = await assert_tenant_isolation(client, app, owner_token=mine, other_token=theirs, path_values={"note_id": note_id})
            assert ("GET", "/v1/notes/{note_id}") in checked and ("DELETE", "/v1/notes/{note_id}") in checked
            listed = await client.get("/v1/notes", headers={"authorization": f"Bearer {theirs}"})
            assert listed.json() == []
            own = await client.get(f"/v1/notes/{note_id}", headers={"authorization": f"Bearer {mine}"})
            assert own.status_code == 200  # the owner's organisation still sees it


async def test_the_walker_catches_a_route_that_forgot_the_scope(issuer: TestIssuer) -> None:
    mine = issuer.token(scope=NOTES, sub="sw-1", roles=["social_worker"], org_id="assoc-1")
    theirs = issuer.token(scope=NOTES, sub="sw-2", roles=["social_worker"], org_id="assoc-2")
    app = notes_app(issuer, forget_scope_on_delete=True)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://notes") as client:
            created = await client.post("/v1/notes", headers={"authorization": f"Bearer {mine}"})
            with pytest.raises(AssertionError, match=r"DELETE /v1/notes/\{note_id\}: answered 204") as broken:
                await assert_tenant_isolation(
                    client, app, owner_token=mine, other_token=theirs, path_values={"note_id": created.json()["id"]}
                )
            assert "the owner got 404 after the other tenant's calls" in str(broken.value)  # the note is gone


async def test_the_walker_refuses_ids_that_reach_nothing(issuer: TestIssuer) -> None:
    mine = issuer.token(scope=NOTES, sub="sw-1", roles=["social_worker"], org_id="assoc-1")
    theirs = issuer.token(scope=NOTES, sub="sw-2", roles=["social_worker"], org_id="assoc-2")
    app = notes_app(issuer)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://notes") as client:
            with pytest.raises(AssertionError, match="do not reach this route"):
                await assert_tenant_isolation(client, app, owner_token=mine, other_token=theirs, path_values={"note_id": str(uuid.uuid4())})


async def test_a_household_does_not_read_its_associations_rows(issuer: TestIssuer) -> None:
    worker = issuer.token(scope=NOTES, sub="sw-1", roles=["social_worker"], org_id="assoc-1")
    household = issuer.token(scope=NOTES, sub="hh-1", roles=["household"], org_id="assoc-1")
    app = notes_app(issuer)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://notes") as client:
            note_id = (await client.post("/v1/notes", headers={"authorization": f"Bearer {worker}"})).json()["id"]
            await assert_tenant_isolation(client, app, owner_token=worker, other_token=household, path_values={"note_id": note_id})


async def test_a_caller_without_an_organisation_sees_nothing(issuer: TestIssuer) -> None:
    owner = issuer.token(scope=NOTES, sub="owner-1", roles=["owner"])
    app = notes_app(issuer)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://notes") as client:
            refused = await client.post("/v1/notes", headers={"authorization": f"Bearer {owner}"})
            assert refused.status_code == 403
            assert (await client.get("/v1/notes", headers={"authorization": f"Bearer {owner}"})).json() == []


async def test_the_service_itself_refuses_a_token_without_the_route_s_scope(issuer: TestIssuer) -> None:
    app = notes_app(issuer)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://notes") as client:

            def as_worker(scope: str) -> dict[str, str]:
                return {"authorization": f"Bearer {issuer.token(scope=scope, sub='sw-1', roles=['social_worker'], org_id='assoc-scope')}"}

            reader = as_worker("notes:read")
            assert (await client.get("/v1/notes", headers=reader)).status_code == 200
            refused = await client.post("/v1/notes", headers=reader)
            assert refused.status_code == 403, refused.text
            assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
            assert 'scope="notes:write"' in refused.headers["www-authenticate"]
            assert await notes_of("assoc-scope") == 0
            other_service = as_worker("openid listings:read listings:write")
            assert (await client.get("/v1/notes", headers=other_service)).status_code == 403


async def notes_of(org_id: str) -> int:
    engine = create_async_engine(database_url("bustest"))
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(Note).where(Note.org_id == org_id))).scalar_one())
    finally:
        await engine.dispose()
