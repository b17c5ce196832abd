"""Move-in and move-out inventories through matching's API, on its real database and key store: who begins,
fills in and signs (the landlord's side and the household, nobody else), photos cleaned of their metadata,
signatures bound to the content read, the event the fund receives (no note, no photo), the household's
completion within 10 days, the move-out beside the move-in with the deposit's deadline, every read by a
person other than the household in its access log."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from PIL import Image
from sqlalchemy.ext.asyncio import create_async_engine

from tests.matching.invitations import household_token, link_account
from tests.matching.test_households_api import as_, unique
from tests.matching.test_lease_recording import direct_lease
from tests.matching.test_sliding_leases import T0, Clock, rules, sliding_lease
from tests.matching.test_sliding_leases import served as served
from tests.oidc_issuer import TestIssuer
from tests.services.test_service_skeletons import migrated as migrated
from tests.support import database_url

SIGNED_ON = T0 + timedelta(days=2)


def content(note: str = "a small stain by the window", condition: str = "good", **changes: Any) -> dict[str, Any]:
    return {
        "rooms": [
            {
                "name": "Living room",
                "items": [{"name": "Walls", "condition": condition, "note": note}, {"name": "Floor", "condition": "new"}],
            },
            {"name": "Kitchen", "items": [{"name": "Oven", "condition": "fair"}]},
        ],
        "meters": [{"kind": "electricity", "number": "PDL 0912", "reading": "10234"}],
        "keys": [{"kind": "front door", "count": 2}, {"kind": "letter box", "count": 1}],
        **changes,
    }


def jpeg_with_location(width: int = 3000, height: int = 2000) -> bytes:
    """A phone's photo: its EXIF says where (GPS) and with what it was taken, and that it is turned (orientation 6)."""
    picture = Image.new("RGB", (width, height), (200, 180, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0112] = 6  # Orientation: turned 90 degrees
    gps = {1: "N", 2: (43.0, 7.0, 1.2), 3: "E", 4: (1.0, 36.0, 40.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes(), comment=b"home of the Martin family")
    return out.getvalue()


async def lease_with_household(
    app: FastAPI, client: httpx.AsyncClient, issuer: TestIssuer, clock: Clock
) -> tuple[str, dict[str, str], dict[str, str], dict[str, str], str]:
    """A direct lease signed on T0 + 2 whose household has its own account: the placement's URL, the worker, the
    owner, the household person, and the household's id."""
    owner_id = unique("owner-inv")
    url, worker, _ = await direct_lease(app, client, issuer, clock, owner_id=owner_id)
    placement = (await client.get(url, headers=worker)).json()
    person = household_token(issuer, unique("hh-inv"))
    await link_account(client, placement["household_id"], worker, person)
    owner = as_(issuer, owner_id, "owner", org_id=None)
    return url, worker, owner, person, placement["household_id"]


async def test_the_owner_begins_a_move_in_inventory_and_only_the_parties_may(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    url, worker, owner, person, _ = await lease_with_household(app, client, issuer, clock)
    body = {"kind": "move_in", "made_on": SIGNED_ON.isoformat(), **content()}

    assert (await client.post(f"{url}/inventories", json=body, headers=person)).status_code == 403  # the household fills in, never begins
    assert (
        await client.post(f"{url}/inventories", json=body, headers=worker)
    ).status_code == 403  # a direct lease without mandate: the owner's
    stranger = as_(issuer, unique("owner-x"), "owner", org_id=None)
    assert (await client.post(f"{url}/inventories", json=body, headers=stranger)).status_code == 404
    early = await client.post(f"{url}/inventories", json={**body, "made_on": (SIGNED_ON - timedelta(days=1)).isoformat()}, headers=owner)
    assert rules(early) == ["inventory_before_lease"]
    future = await client.post(f"{url}/inventories", json={**body, "made_on": (SIGNED_ON + timedelta(days=1)).isoformat()}, headers=owner)
    assert rules(future) == ["inventory_in_future"]
    assert (await client.get(f"{url}/inventories", headers=owner)).json()["items"] == []  # nothing kept of a refusal

    begun = await client.post(f"{url}/inventories", json=body, headers=owner)
    assert begun.status_code == 201, begun.text
    inventory = begun.json()
    assert (inventory["status"], inventory["can_sign_as"], inventory["landlord_roles"]) == ("draft", ["landlord"], ["owner"])
    assert [i["name"] for i in inventory["rooms"][0]["items"]] == ["Walls", "Floor"] and all(
        i["id"] for i in inventory["rooms"][0]["items"]
    )
    assert rules(await client.post(f"{url}/inventories", json=body, headers=owner)) == ["inventory_exists"]
    seen = await client.get(f"/v1/inventories/{inventory['id']}", headers=person)
    assert seen.status_code == 200 and seen.json()["can_sign_as"] == ["household"]
    assert (await client.get(f"/v1/inventories/{inventory['id']}", headers=stranger)).status_code == 404
    listed = (await client.get(f"{url}/inventories", headers=worker)).json()["items"]
    assert [(i["kind"], i["status"]) for i in listed] == [("move_in", "draft")]


async def test_a_photo_keeps_its_pixels_upright_and_loses_its_location_and_every_other_metadata(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    url, _, owner, person, _ = await lease_with_household(app, client, issuer, clock)
    inventory = (
        await client.post(f"{url}/inventories", json={"kind": "move_in", "made_on": SIGNED_ON.isoformat(), **content()}, headers=owner)
    ).json()
    walls = inventory["rooms"][0]["items"][0]["id"]
    raw = jpeg_with_location()
    added = await client.post(
        f"/v1/inventories/{inventory['id']}/photos", data={"item_id": walls}, files={"content": ("p.jpg", raw, "image/jpeg")}, headers=owner
    )
    assert added.status_code == 201, added.text
    assert (added.json()["width"], added.json()["height"]) == (1067, 1600)  # turned upright (orientation 6), long edge 1600

    kept = await client.get(f"/v1/inventories/{inventory['id']}/photos/{added.json()['id']}", headers=person)
    assert kept.status_code == 200 and kept.headers["content-type"] == "image/jpeg" and "no-store" in kept.headers["cache-control"]
    picture = Image.open(io.BytesIO(kept.content))
    assert picture.size == (1067, 1600)
    assert (
        len(picture.getexif()) == 0 and "exif" not in picture.info and "comment" not in picture.info and "icc_profile" not in picture.info
    )
    assert b"PhoneMaker" not in kept.content and b"Martin" not in kept.content and b"GPS" not in kept.content

    async def refused(data: bytes, item: str = walls) -> list[str]:
        answer = await client.post(
            f"/v1/inventories/{inventory['id']}/photos", data={"item_id": item}, files={"content": ("x", data, "image/jpeg")}, headers=owner
        )
        return rules(answer)

    assert await refused(b"%PDF-1.7 not a picture") == ["photo_format"]
    assert await refused(raw[:600]) == ["photo_unreadable"]  # a JPEG cut short
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert await refused(gif.getvalue()) == ["photo_format"]
    assert await refused(raw, str(uuid.uuid4())) == ["unknown_item"]
    stranger = as_(issuer, unique("owner-x"), "owner", org_id=None)
    elsewhere = await client.post(
        f"/v1/inventories/{inventory['id']}/photos",
        data={"item_id": walls},
        files={"content": ("p.jpg", raw, "image/jpeg")},
        headers=stranger,
    )
    assert elsewhere.status_code == 404  # another owner: as if it did not exist (the isolation walker sends no multipart)
    read = (await client.get(f"/v1/inventories/{inventory['id']}", headers=owner)).json()
    assert read["rooms"][0]["items"][0]["photos"] == [added.json()["id"]]  # one photo, the refused ones left nothing


async def outbox_data(placement_id: str, event: str) -> list[dict[str, Any]]:
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT data FROM event_outbox WHERE message_key = :k AND event_type = :t ORDER BY seq"),
                {"k": placement_id, "t": f"abri.matching.placement.{event}.v1"},
            )
            return [dict(row[0]) for row in rows]
    finally:
        await engine.dispose()


async def test_both_sides_sign_what_they_read_an_edit_voids_a_signature_and_the_fund_gets_no_note(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    url, worker, owner, person, household_id = await lease_with_household(app, client, issuer, clock)
    placement_id = url.rsplit("/", 1)[1]
    begun = (
        await client.post(f"{url}/inventories", json={"kind": "move_in", "made_on": SIGNED_ON.isoformat(), **content()}, headers=owner)
    ).json()
    at = f"/v1/inventories/{begun['id']}"

    first = await client.post(f"{at}/signatures", json={"content_sha256": begun["content_sha256"]}, headers=owner)
    assert first.status_code == 200 and first.json()["landlord_signed_at"] and first.json()["status"] == "draft", first.text
    assert rules(await client.post(f"{at}/signatures", json={"content_sha256": begun["content_sha256"]}, headers=owner)) == [
        "already_signed"
    ]
    # the household corrects the walls on the same phone: the owner's signature was for the former content
    corrected = content(note="a stain by the window, and a hole behind the door", condition="fair")
    for room, was in zip(corrected["rooms"], begun["rooms"], strict=True):
        for item, old in zip(room["items"], was["items"], strict=True):
            item["id"] = old["id"]
    edited = await client.put(at, json={"made_on": SIGNED_ON.isoformat(), "version": first.json()["version"], **corrected}, headers=person)
    assert edited.status_code == 200, edited.text
    assert edited.json()["landlord_signed_at"] is None and edited.json()["content_sha256"] != begun["content_sha256"]
    stale = await client.put(at, json={"made_on": SIGNED_ON.isoformat(), "version": first.json()["version"], **corrected}, headers=person)
    assert stale.status_code == 412
    assert rules(await client.post(f"{at}/signatures", json={"content_sha256": begun["content_sha256"]}, headers=person)) == [
        "inventory_changed"
    ]
    assert await outbox_data(placement_id, "inventory_signed") == []

    digest = edited.json()["content_sha256"]
    assert (
        await client.post(f"{at}/signatures", json={"content_sha256": digest}, headers=worker)
    ).status_code == 403  # not the landlord here
    assert (await client.post(f"{at}/signatures", json={"content_sha256": digest}, headers=person)).status_code == 200
    closed = await client.post(f"{at}/signatures", json={"content_sha256": digest}, headers=owner)
    assert closed.status_code == 200 and closed.json()["status"] == "signed", closed.text
    assert closed.json()["landlord_signed_role"] == "owner"
    version = closed.json()["version"]
    assert (
        await client.put(at, json={"made_on": SIGNED_ON.isoformat(), "version": version, **corrected}, headers=owner)
    ).status_code == 409
    blind = await client.put(at, json={"made_on": SIGNED_ON.isoformat(), **corrected}, headers=person)
    assert blind.status_code == 422 and "version" in blind.text  # an edit names the version it read

    [event] = await outbox_data(placement_id, "inventory_signed")
    assert (event["inventory_id"], event["kind"], event["content_sha256"], event["keys_handed"]) == (begun["id"], "move_in", digest, 3)
    assert event["rooms"][0] == {
        "name": "Living room",
        "items": [{"name": "Walls", "condition": "fair", "photos": 0}, {"name": "Floor", "condition": "new", "photos": 0}],
    }
    assert "stain" not in str(event) and "PDL" not in str(event)  # notes and meters stay in matching

    assert (await client.get(at, headers=person)).status_code == 200  # the household's own read: not logged
    assert (await client.get(at, headers=owner)).status_code == 200
    log = (await client.get(f"/v1/households/{household_id}/access-log", headers=worker)).json()["items"]
    read = [(entry["purpose"], entry["actor_role"]) for entry in log if entry["purpose"] == "inventory"]
    assert read and set(read) == {("inventory", "owner")}  # the owner's read and its signature's answer; never the household's


async def test_the_household_may_ask_within_ten_days_that_the_move_in_inventory_be_completed(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    url, _, owner, person, household_id = await lease_with_household(app, client, issuer, clock)
    begun = (
        await client.post(f"{url}/inventories", json={"kind": "move_in", "made_on": SIGNED_ON.isoformat(), **content()}, headers=owner)
    ).json()
    at = f"/v1/inventories/{begun['id']}"
    note = {"notes": [{"room": "Kitchen", "item": "Oven", "note": "the left burner does not light"}]}
    assert rules(await client.post(f"{at}/completion", json=note, headers=person)) == ["completion_before_signatures"]
    assert begun["completion_until"] is None  # counted from its establishment: both signatures
    assert (await client.post(f"{at}/signatures", json={"content_sha256": begun["content_sha256"]}, headers=owner)).status_code == 200
    clock.on(SIGNED_ON + timedelta(days=1))  # the household signs the next day: the 10 days run from then
    signed = await client.post(f"{at}/signatures", json={"content_sha256": begun["content_sha256"]}, headers=person)
    assert signed.json()["completion_until"] == (SIGNED_ON + timedelta(days=11)).isoformat()
    assert (await client.post(f"{at}/completion", json=note, headers=owner)).status_code == 403
    clock.on(SIGNED_ON + timedelta(days=12))
    late = await client.post(f"{at}/completion", json=note, headers=person)
    assert rules(late) == ["completion_too_late"] and late.json()["errors"][0]["params"]["completion_days"] == 10
    clock.on(SIGNED_ON + timedelta(days=11))  # the tenth day after the establishment still counts
    asked = await client.post(f"{at}/completion", json=note, headers=person)
    assert asked.status_code == 200 and asked.json()["completion"] == note["notes"], asked.text
    more = {"notes": [{"room": "Bathroom", "item": "Tap", "note": "it drips"}]}
    again = await client.post(f"{at}/completion", json=more, headers=person)  # a second point before the deadline adds to the first
    assert again.status_code == 200 and again.json()["completion"] == note["notes"] + more["notes"]
    assert (await client.get(at, headers=owner)).json()["completion"] == note["notes"] + more["notes"]

    exported = await client.get(f"/v1/households/{household_id}/export", headers=person)  # GDPR art. 15: its inventories too
    assert exported.status_code == 200, exported.text
    [inventory] = exported.json()["inventories"]
    assert (inventory["id"], inventory["inventory_kind"], inventory["content_deleted"]) == (begun["id"], "move_in", False)
    assert [room["room"] for room in inventory["rooms"]] == ["Living room", "Kitchen"]
    assert inventory["rooms"][0]["items"][0] == {"item": "Walls", "condition": "good", "note": "a small stain by the window", "photos": []}
    assert inventory["meters"] == [{"meter": "electricity", "number": "PDL 0912", "reading": "10234"}]
    assert inventory["keys"][0] == {"opens": "front door", "count": 2} and inventory["household_signed_at"] is not None
    assert [n["note"] for n in inventory["completion"]] == ["the left burner does not light", "it drips"]
    assert (await client.get(f"/v1/households/{household_id}/export", headers=owner)).status_code == 403  # not the owner's to ask


async def test_a_move_out_inventory_stands_beside_the_move_in_one_and_sets_the_deposits_deadline(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    app, client, clock = served
    url, _, owner, person, _ = await lease_with_household(app, client, issuer, clock)
    move_in = (
        await client.post(f"{url}/inventories", json={"kind": "move_in", "made_on": SIGNED_ON.isoformat(), **content()}, headers=owner)
    ).json()
    clock.on(date(2029, 6, 30))
    unsigned = await client.post(f"{url}/inventories", json={"kind": "move_out", "made_on": "2029-06-30", **content()}, headers=owner)
    assert rules(unsigned) == ["move_in_not_signed"]
    for who in (owner, person):
        signed_in = await client.post(
            f"/v1/inventories/{move_in['id']}/signatures", json={"content_sha256": move_in["content_sha256"]}, headers=who
        )
        assert signed_in.status_code == 200
    out_body = content(condition="poor", note="holes in the wall")
    out_body["rooms"][1]["items"] = [{"name": "oven ", "condition": "fair"}, {"name": "Fridge", "condition": "good"}]
    early = await client.post(
        f"{url}/inventories", json={"kind": "move_out", "made_on": (SIGNED_ON - timedelta(days=1)).isoformat(), **out_body}, headers=owner
    )
    assert "inventory_before_lease" in rules(early)
    move_out = await client.post(
        f"{url}/inventories",
        json={"kind": "move_out", "made_on": "2029-06-30", "new_address": "3 rue Neuve, 09100 Pamiers", **out_body},
        headers=owner,
    )
    assert move_out.status_code == 201, move_out.text
    comparison = move_out.json()["comparison"]
    assert comparison["move_in_id"] == move_in["id"] and comparison["conforming"] is False and comparison["deposit_due_by"] is None
    assert [(r["room"], r["item"], r["before"], r["after"], r["change"]) for r in comparison["rows"]] == [
        ("Living room", "Walls", "good", "poor", "worse"),
        ("Living room", "Floor", "new", "new", "same"),
        ("Kitchen", "Oven", "fair", "fair", "same"),
        ("Kitchen", "Fridge", None, "good", "added"),
    ]
    at = f"/v1/inventories/{move_out.json()['id']}"
    for who in (owner, person):
        signed = await client.post(f"{at}/signatures", json={"content_sha256": move_out.json()["content_sha256"]}, headers=who)
        assert signed.status_code == 200, signed.text
    assert signed.json()["comparison"]["deposit_due_by"] == "2029-08-30"  # not conforming: two months (art. 22)
    assert rules(await client.post(f"{at}/completion", json={"notes": [{"room": "a", "item": "b", "note": "c"}]}, headers=person)) == [
        "completion_of_move_in_only"
    ]


async def test_under_a_sliding_lease_the_association_is_the_landlords_side_and_the_owner_sees_nothing(
    served: tuple[FastAPI, httpx.AsyncClient, Clock], issuer: TestIssuer
) -> None:
    _, client, _ = served
    placement, worker, owner = await sliding_lease(issuer, client)
    url = f"/v1/placements/{placement}/inventories"
    body = {"kind": "move_in", "made_on": T0.isoformat(), **content()}
    assert (await client.post(url, json=body, headers=owner)).status_code == 403  # not the household's landlord
    key = {"idempotency-key": unique("inv-key")}
    begun = await client.post(url, json=body, headers={**worker, **key})
    assert begun.status_code == 201 and begun.json()["landlord_roles"] == ["social_worker"], begun.text
    again = await client.post(url, json=body, headers={**worker, **key})  # a retry: the same inventory, read again
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == begun.json()["id"] and again.json()["rooms"][0]["items"][0]["note"] == "a small stain by the window"
    stored = await idempotency_row(key["idempotency-key"])
    assert "stain" not in stored and "PDL" not in stored  # the stored answer holds no content
    assert (await client.get(url, headers=owner)).json()["items"] == []
    assert (await client.get(f"/v1/inventories/{begun.json()['id']}", headers=owner)).status_code == 404
    assert (await client.get(f"/v1/inventories/{begun.json()['id']}/pdf", headers=owner)).status_code == 404


async def idempotency_row(key: str) -> str:
    engine = create_async_engine(database_url("matching"))
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(sa.text("SELECT body::text FROM idempotency_keys WHERE key = :k"), {"k": key})).one()
            return str(row[0])
    finally:
        await engine.dispose()
