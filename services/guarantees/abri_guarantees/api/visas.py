"""The visa of an approved file: as JSON with its signed token, as a PDF certificate, its revocation by
the fund; and the two public endpoints an owner (or anyone holding a number) uses without an account:
the check of a number and a name, and the keys that verify the tokens.

The public check answers ``valid``, ``expired``, ``revoked`` or ``unknown`` (a number that does not
exist, a wrong name and a mistyped number all answer ``unknown``), nothing else, and is rate-limited
per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from abri_auth.principal import Principal
from abri_guarantees.api.file_schemas import TenantIn, VisaOut
from abri_guarantees.api.files import FundAgent, Keys, Party, as_fund, visible_file
from abri_guarantees.db.funds import Fund
from abri_guarantees.db.visas import VisaRecord
from abri_guarantees.domain.visa import InvalidVisaNumber, VisaStatus, parse_visa_number, visa_status
from abri_guarantees.privacy import file_key, holder_mac, read_personal
from abri_guarantees.revocation import revoke_visa
from abri_guarantees.settings import GuaranteesSettings
from abri_guarantees.visa_pdf import visa_pdf
from abri_guarantees.visa_signing import VisaSigner
from abri_kit.clock import Now, day_in_france
from abri_kit.db import SessionDep
from abri_kit.envelope import Unreadable
from abri_kit.input import Input
from abri_kit.problems import Problem
from abri_kit.rate_limits import RateLimits

router = APIRouter(prefix="/v1/files", tags=["visas"])
public = APIRouter(prefix="/v1/public", tags=["public"])


def signer_of(request: Request) -> VisaSigner:
    signer: VisaSigner = request.app.state.visa_signer
    return signer


Signer = Annotated[VisaSigner, Depends(signer_of)]


class SignedVisaOut(VisaOut):
    fund_id: str
    revoked_on: str | None
    status: VisaStatus
    token: str = Field(description="The visa as a compact JWS (Ed25519), checkable against GET /v1/public/visa-keys.")


class RevocationIn(Input):
    reason: Literal["fraud", "error", "file_withdrawn", "other"] = Field(description="A coded reason.")


class CheckIn(Input):
    model_config = ConfigDict(extra="ignore")  # the public check answers a status and nothing else, even to extra fields

    number: str = Field(min_length=1, max_length=40, description="The visa number as printed (spaces and dashes allowed).")
    name: str = Field(min_length=1, max_length=250, description="The holder's full name, as on the visa.")


class CheckStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class CheckOut(BaseModel):
    status: CheckStatus


async def visa_of_file(session: SessionDep, file_id: uuid.UUID, principal: Principal, *, for_update: bool = False) -> VisaRecord:
    file = await visible_file(session, file_id, principal)
    statement = sa.select(VisaRecord).where(VisaRecord.file_id == file.id)
    visa = (await session.execute(statement.with_for_update() if for_update else statement)).scalar_one_or_none()
    if visa is None:
        raise Problem(404, f"file {file_id} has no visa (not approved)")
    return visa


def signed(visa: VisaRecord, signer: VisaSigner, now: datetime) -> SignedVisaOut:
    return SignedVisaOut(
        number=visa.number,
        fund_id=visa.fund_id,
        max_rent_cents=visa.max_rent_cents,
        issued_on=visa.issued_on,
        valid_until=visa.valid_until,
        lease_signing_deadline=visa.lease_signing_deadline,
        revoked_on=visa.revoked_on.isoformat() if visa.revoked_on else None,
        status=visa_status(visa.valid_until, visa.revoked_on, day_in_france(now)),
        token=signer.token(visa),
    )


@router.get("/{file_id}/visa", summary="The visa of an approved file, with its signed token (the fund and the association)")
async def read_visa(file_id: uuid.UUID, principal: Party, session: SessionDep, signer: Signer, now: Now) -> SignedVisaOut:
    return signed(await visa_of_file(session, file_id, principal), signer, now)


@router.get(
    "/{file_id}/visa.pdf",
    summary="The visa as a PDF certificate, with the holder's name (the fund and the association; logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def visa_certificate(
    file_id: uuid.UUID, principal: Party, session: SessionDep, keyring: Keys, signer: Signer, request: Request
) -> Response:
    visa = await visa_of_file(session, file_id, principal)
    file = await visible_file(session, file_id, principal)
    tenant = TenantIn.model_validate(await read_personal(session, keyring, file, principal, "visa_certificate"))
    fund = await session.get(Fund, visa.fund_id)
    settings: GuaranteesSettings = request.app.state.guarantees_settings
    holder = tenant.full_name()
    fund_name = fund.name if fund else visa.fund_id
    body = visa_pdf(visa, fund_name, holder, signer.token(visa), settings.visa_verify_url, settings.visa_font_path)
    return Response(
        body,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="visa-{visa.number}.pdf"', "cache-control": "no-store"},
    )


@router.post("/{file_id}/visa/revocation", summary="Revoke the visa of a file (the fund's agents)")
async def revoke(
    file_id: uuid.UUID, body: RevocationIn, principal: FundAgent, session: SessionDep, signer: Signer, now: Now
) -> SignedVisaOut:
    file = await visible_file(session, file_id, principal)
    as_fund(file, principal)
    visa = await visa_of_file(session, file_id, principal, for_update=True)
    if visa.revoked_on is not None:
        raise Problem(409, f"visa {visa.number} was revoked on {visa.revoked_on.isoformat()}", title="Already revoked")
    await revoke_visa(session, file, visa, actor=principal.subject, role="fund_agent", at=now, reason=body.reason)
    return signed(visa, signer, now)


def checks_of(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.visa_checks
    return limits


def client_address(request: Request) -> str:
    """The caller's address: the gateway's ``X-Forwarded-For`` when the peer is a trusted proxy (the
    gateway overwrites any the client sent), else the peer's own."""
    peer = request.client.host if request.client else "-"
    settings: GuaranteesSettings = request.app.state.guarantees_settings
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    if forwarded and trusted(peer, settings.trusted_proxies):
        return forwarded
    return peer


def trusted(peer: str, networks: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


DECOY_KEY = hashlib.sha256(b"abri: no such visa").digest()


@public.post("/visa-checks", summary="Check a visa from its number and its holder's name (public, rate-limited)")
async def check_visa(
    body: CheckIn,
    request: Request,
    session: SessionDep,
    keyring: Keys,
    now: Now,
    limits: Annotated[RateLimits, Depends(checks_of)],
) -> CheckOut:
    retry_after = await limits.hit(client_address(request))
    if retry_after is not None:
        raise Problem(429, "too many visa checks from this address", headers={"retry-after": str(retry_after)})
    try:
        number = parse_visa_number(body.number)
    except InvalidVisaNumber:
        return CheckOut(status=CheckStatus.UNKNOWN)
    visa = await session.get(VisaRecord, number)
    key = DECOY_KEY
    if visa is not None:
        try:
            key = await file_key(session, keyring, visa.file_id)
        except Unreadable:  # an erased file: its holder can no longer be checked
            visa = None
    given = holder_mac(key, body.name)
    if visa is None or not hmac.compare_digest(given, visa.holder_mac):
        return CheckOut(status=CheckStatus.UNKNOWN)
    return CheckOut(status=CheckStatus(visa_status(visa.valid_until, visa.revoked_on, day_in_france(now)).value))


@public.get("/visa-keys", summary="The public keys that verify visa tokens (JWKS, public)")
async def visa_keys(signer: Signer) -> dict[str, Any]:
    return signer.jwks()
