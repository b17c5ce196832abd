"""Move-in and move-out inventories (états des lieux) over HTTP.

The landlord's side of the lease (the owner; the association under a sub-let or a sliding lease; either under
a management mandate) begins an inventory of a placement whose lease is signed and fills it in, on a phone,
with the household (who may fill it in too); photos are added to items, cleaned of their metadata; each side
signs the content it read (its digest); then it is closed and the fund is told (rooms, items and conditions
only). A move-out inventory is shown beside its move-in one. Anyone else's inventory answers 404, and so does
an inventory to an owner who is not the household's landlord (a sub-let, a sliding lease not yet slid); a
caller who sees the placement but is not a side of the lease is refused (403) what only a side may do.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from abri_auth.dependencies import require_roles
from abri_auth.principal import Principal
from abri_kit.dependencies import Ctx, PageParams
from abri_kit.idempotency import REPLAYED_HEADER, Idempotent, Replayed
from abri_kit.pagination import Page
from abri_kit.pdf import font_uri, render_pdf
from abri_matching.api.inventory_schemas import (
    CompletionIn,
    InventoryIn,
    InventoryOut,
    InventorySummary,
    InventoryUpdate,
    PhotoOut,
    SignatureIn,
)
from abri_matching.api.state import Inventories, Keys, Settings
from abri_matching.inventory_pdf import inventory_html
from abri_matching.inventory_words import Language
from abri_matching.usecases import inventories

router = APIRouter(tags=["inventories"])
Party = Annotated[Principal, Depends(require_roles("owner", "social_worker", "household"))]
RULES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller sees the placement but is not a party that fills in or signs its inventory"},
    409: {"description": "Signed by both sides: closed"},
    422: {"description": "A rule refuses it (each named, with its source)"},
}


PERSONAL_FIELDS = ("rooms", "meters", "keys", "new_address", "address", "landlord", "tenants", "completion", "comparison")
"""What an inventory's answer shows of the household's home and names: never kept in the idempotency table."""


def photo_out(photo: object) -> PhotoOut:
    return PhotoOut.model_validate(photo, from_attributes=True)


@router.post(
    "/v1/placements/{placement_id}/inventories",
    status_code=201,
    summary="Begin the move-in or move-out inventory of a placement's home (landlord's side)",
    responses=RULES,
)
async def begin(
    placement_id: uuid.UUID,
    body: InventoryIn,
    _: Party,
    ctx: Ctx,
    keys: Keys,
    policy: Inventories,
    idempotency: Idempotent,
    response: Response,
) -> InventoryOut:
    try:
        await idempotency.claim(body)
    except Replayed as replay:  # the first answer is stored without the content: read it again (its read logged)
        first = json.loads(bytes(replay.response.body))
        response.headers[REPLAYED_HEADER] = "true"
        return InventoryOut.of_view(await inventories.read(ctx, keys, policy, uuid.UUID(first["id"])))
    begun = InventoryOut.of_view(await inventories.begin(ctx, keys, policy, placement_id, body.kind, body.made_on, body.content()))
    await idempotency.remember(201, begun, secret_fields=PERSONAL_FIELDS)  # the idempotency table is not sealed
    return begun


@router.get("/v1/placements/{placement_id}/inventories", summary="A placement's inventories (two at most) and whether each is signed")
async def list_inventories(placement_id: uuid.UUID, _: Party, ctx: Ctx, page: PageParams) -> Page[InventorySummary]:
    del page  # a move-in and a move-out at most: always one page
    found = await inventories.of_placement(ctx, placement_id)
    return Page(items=[InventorySummary.of(i) for i in found], next_cursor=None)


@router.get(
    "/v1/inventories/{inventory_id}",
    summary="An inventory: its rooms, items, photos, signatures, and a move-out's comparison (read logged)",
)
async def read_inventory(inventory_id: uuid.UUID, _: Party, ctx: Ctx, keys: Keys, policy: Inventories) -> InventoryOut:
    return InventoryOut.of_view(await inventories.read(ctx, keys, policy, inventory_id))


@router.put(
    "/v1/inventories/{inventory_id}", summary="Replace a draft inventory's content (a signature given before is void)", responses=RULES
)
async def replace(inventory_id: uuid.UUID, body: InventoryUpdate, _: Party, ctx: Ctx, keys: Keys, policy: Inventories) -> InventoryOut:
    return InventoryOut.of_view(await inventories.replace(ctx, keys, policy, inventory_id, body.made_on, body.content(), body.version))


@router.post(
    "/v1/inventories/{inventory_id}/photos",
    status_code=201,
    summary="Add a photo to an item (its metadata removed, resized)",
    responses=RULES,
)
async def add_photo(
    inventory_id: uuid.UUID,
    _: Party,
    ctx: Ctx,
    keys: Keys,
    policy: Inventories,
    item_id: Annotated[uuid.UUID, Form(description="The item the photo shows.")],
    content: Annotated[UploadFile, File(description="A JPEG, PNG or WebP picture.")],
    idempotency: Idempotent,
) -> PhotoOut:
    data = await content.read(policy.max_upload_bytes + 1)
    await idempotency.claim(f"{item_id}\n".encode() + data)
    added = photo_out(await inventories.add_photo(ctx, keys, policy, inventory_id, item_id, data))
    await idempotency.remember(201, added)
    return added


@router.get(
    "/v1/inventories/{inventory_id}/photos/{photo_id}",
    summary="A photo of an inventory (JPEG, read logged)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def read_photo(inventory_id: uuid.UUID, photo_id: uuid.UUID, _: Party, ctx: Ctx, keys: Keys) -> Response:
    data = await inventories.photo_bytes(ctx, keys, inventory_id, photo_id)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.delete("/v1/inventories/{inventory_id}/photos/{photo_id}", status_code=204, summary="Remove a photo from a draft", responses=RULES)
async def remove_photo(inventory_id: uuid.UUID, photo_id: uuid.UUID, _: Party, ctx: Ctx, keys: Keys) -> Response:
    await inventories.remove_photo(ctx, keys, inventory_id, photo_id)
    return Response(status_code=204)


@router.post(
    "/v1/inventories/{inventory_id}/signatures", summary="Sign the inventory as read (my side); both signed: closed", responses=RULES
)
async def sign(inventory_id: uuid.UUID, body: SignatureIn, _: Party, ctx: Ctx, keys: Keys, policy: Inventories) -> InventoryOut:
    return InventoryOut.of_view(await inventories.sign(ctx, keys, policy, inventory_id, body.content_sha256))


@router.get(
    "/v1/inventories/{inventory_id}/pdf",
    summary="An inventory as a tagged PDF, each party's copy, in its reader's language (read logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def read_pdf(
    inventory_id: uuid.UUID,
    _: Party,
    ctx: Ctx,
    keys: Keys,
    policy: Inventories,
    settings: Settings,
    lang: Annotated[Language, Query(description="fr (the lease's language), en, ar or uk.")] = "fr",
) -> Response:
    found = await inventories.printed(ctx, keys, policy, inventory_id)
    font = font_uri(settings.pdf_font_path, "inventory")
    html = await anyio.to_thread.run_sync(inventory_html, found, lang, font)  # its photos made small off the event loop
    body = await render_pdf(html, font, "inventory PDF")
    name = f"etat-des-lieux-{found.view.inventory.kind.replace('_', '-')}-{found.view.inventory.made_on.isoformat()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


@router.post(
    "/v1/inventories/{inventory_id}/completion",
    summary="Ask that the signed move-in inventory be completed (household, within 10 days; loi 89-462 art. 3-2)",
    responses=RULES,
)
async def complete(inventory_id: uuid.UUID, body: CompletionIn, _: Party, ctx: Ctx, keys: Keys, policy: Inventories) -> InventoryOut:
    notes = [n.model_dump() for n in body.notes]
    return InventoryOut.of_view(await inventories.complete(ctx, keys, policy, inventory_id, notes))
