"""The visa of an approved file: as JSON with its signed token, as a PDF certificate, its revocation by
the fund; and the two public endpoints an owner (or anyone holding a number) uses without an account:
the check of a number and a name, and the keys that verify the tokens.

The public check answers ``valid``, ``expired``, ``revoked`` or ``unknown`` (a number that does not
exist, a wrong name and a mistyped number all answer ``unknown``), nothing else, and is rate-limited
per client address.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from abri_guarantees.api.dependencies import FundAgent, Keys, Party, Settings, Signer
from abri_guarantees.api.file_schemas import VisaOut
from abri_guarantees.db.models import VisaRecord
from abri_guarantees.domain.visa import VisaStatus
from abri_guarantees.settings import GuaranteesSettings
from abri_guarantees.usecases import visas
from abri_guarantees.visa_pdf import render_visa_pdf
from abri_guarantees.visa_signing import VisaSigning
from abri_kit.client_address import TrustedProxies
from abri_kit.client_address import client_address as client_address_of
from abri_kit.dependencies import Ctx, PublicCtx
from abri_kit.errors import Problem
from abri_kit.input import Input
from abri_kit.rate_limits import RateLimits
from abri_kit.usecase import Context

router = APIRouter(prefix="/v1/files", tags=["visas"])
public = APIRouter(prefix="/v1/public", tags=["public"])


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


class LeaseCheckIn(Input):
    signed_on: date = Field(description="The day the lease is (to be) signed.")
    rent_and_charges_cents: int = Field(ge=0, le=100_000_000, description="The lease's rent + charges a month.")


class LeaseCheckOut(BaseModel):
    activates: Literal[True] = True
    visa_number: str
    judged_signing_day: date = Field(description="The signing day activation judges (no earlier than the reporting grace allows).")


class CheckStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class CheckOut(BaseModel):
    status: CheckStatus


async def signed(visa: VisaRecord, signer: VisaSigning, ctx: Context) -> SignedVisaOut:
    return SignedVisaOut(
        number=visa.number,
        fund_id=visa.fund_id,
        max_rent_cents=visa.max_rent_cents,
        issued_on=visa.issued_on,
        valid_until=visa.valid_until,
        lease_signing_deadline=visa.lease_signing_deadline,
        lease_not_before=visa.lease_not_before,
        revoked_on=visa.revoked_on.isoformat() if visa.revoked_on else None,
        status=visas.status_of(visa, ctx),
        token=await signer.token(visa),
    )


@router.get("/{file_id}/visa", summary="The visa of an approved file, with its signed token (the fund and the association)")
async def read_visa(file_id: uuid.UUID, _: Party, ctx: Ctx, signer: Signer) -> SignedVisaOut:
    return await signed(await visas.read_visa(ctx, file_id), signer, ctx)


@router.get(
    "/{file_id}/visa.pdf",
    summary="The visa as a PDF certificate, with the holder's name (the fund and the association; logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def visa_certificate(file_id: uuid.UUID, _: Party, ctx: Ctx, keyring: Keys, settings: Settings) -> Response:
    shown = await visas.certificate(ctx, keyring, file_id)
    visa = shown.visa
    body = await render_visa_pdf(visa, shown.fund_name, shown.holder, settings.visa_check_page, settings.visa_font_path)
    return Response(
        body,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="visa-{visa.number}.pdf"', "cache-control": "no-store"},
    )


@router.post("/{file_id}/visa/revocation", summary="Revoke the visa of a file (the fund's agents)")
async def revoke(file_id: uuid.UUID, body: RevocationIn, _: FundAgent, ctx: Ctx, signer: Signer) -> SignedVisaOut:
    return await signed(await visas.revoke(ctx, file_id, body.reason), signer, ctx)


@router.post(
    "/{file_id}/visa/lease-check",
    summary="Would this lease activate the visa? Judged as the lease's activation will be; a coded 422 says why not "
    "(the fund and the association; nothing recorded)",
)
async def check_lease(file_id: uuid.UUID, body: LeaseCheckIn, _: Party, ctx: Ctx) -> LeaseCheckOut:
    visa, judged = await visas.check_lease(ctx, file_id, body.signed_on, body.rent_and_charges_cents)
    return LeaseCheckOut(visa_number=visa.number, judged_signing_day=judged)


def checks_of(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.visa_checks
    return limits


def client_address(request: Request) -> str:
    """The caller's address: ``X-Forwarded-For`` read from the right while the hops are trusted proxies (the
    gateway, which writes the caller it saw), else the peer's own (``abri_kit.client_address``: what a
    client writes in the header before the first proxy never counts)."""
    settings: GuaranteesSettings = request.app.state.guarantees_settings
    peer = request.client.host if request.client else None
    return client_address_of(peer, request.headers.getlist("x-forwarded-for"), TrustedProxies(settings.trusted_proxies)) or "-"


@public.post(
    "/visa-checks",
    summary="Check a visa from its number and its holder's name (public, rate-limited)",
    responses={429: {"description": "Too many checks from this address: retry after the seconds Retry-After gives"}},
)
async def check_visa(
    body: CheckIn, request: Request, ctx: PublicCtx, keyring: Keys, limits: Annotated[RateLimits, Depends(checks_of)]
) -> CheckOut:
    retry_after = await limits.hit(client_address(request))
    if retry_after is not None:
        raise Problem(429, "too many visa checks from this address", headers={"retry-after": str(retry_after)})
    return CheckOut(status=CheckStatus(await visas.check_visa(ctx, keyring, body.number, body.name)))


@public.get("/visa-keys", summary="The public keys that verify visa tokens (JWKS, public)")
async def visa_keys(signer: Signer) -> dict[str, Any]:
    return await signer.jwks()
