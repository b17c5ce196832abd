"""The rules of inventories, pure: who signs for the landlord under each lease form, when an inventory may be
begun, the 10 days of completion (the tenth day and the eleventh), the deposit's one or two months (art. 22,
a month's end included), the comparison of a move-out with its move-in (names paired whatever their case and
spacing, duplicates in order, better and added items conforming), the signed digest (it moves with any note
or photo), and the photo's cleaning at its bounds."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from abri_contracts.inventories import CONDITIONS, InventoryItem, InventoryRoom, differences
from abri_kit.calendar import FRANCE
from abri_matching.domain.inventories import (
    InventoryPolicy,
    OpeningFacts,
    Side,
    completion_refusals,
    conforms,
    content_digest,
    content_refusals,
    deposit_due_by,
    landlord_roles,
    opening_refusals,
    signing_refusals,
)
from abri_matching.domain.retention import RetentionPolicy
from abri_matching.photos import PhotoRefused, clean_photo
from abri_matching.settings import MatchingSettings

POLICY = InventoryPolicy()
DAY = date(2027, 5, 1)


def codes(refusals: list[dict[str, object]]) -> list[object]:
    return [r["rule"] for r in refusals]


def test_the_landlords_side_is_the_association_under_a_sub_let_or_sliding_lease_the_owner_otherwise() -> None:
    assert landlord_roles("sub_let", False) == landlord_roles("sliding", None) == {"social_worker"}
    assert landlord_roles("direct", False) == landlord_roles(None, None) == {"owner"}
    assert landlord_roles("direct", True) == {"owner", "social_worker"}  # a management mandate: either
    assert landlord_roles("sliding", False, slid=True) == {"owner"}  # slid: the household is the owner's tenant


OPENING = OpeningFacts(
    kind="move_in", made_on=DAY, today=DAY, placement_status="lease_signed", lease_signed_on=DAY, existing_kinds=(), move_in_made_on=None
)


def test_an_inventory_is_begun_for_a_signed_lease_on_a_day_between_the_signature_and_today() -> None:
    assert opening_refusals(OPENING) == []
    assert opening_refusals(replace(OPENING, placement_status="slid")) == []
    for status in ("proposed", "accepted", "guaranteed", "withdrawn"):
        assert codes(opening_refusals(replace(OPENING, placement_status=status))) == ["inventory_without_lease"]
    assert codes(opening_refusals(replace(OPENING, made_on=DAY - timedelta(days=1)))) == ["inventory_before_lease"]
    assert codes(opening_refusals(replace(OPENING, made_on=DAY + timedelta(days=1)))) == ["inventory_in_future"]
    assert codes(opening_refusals(replace(OPENING, existing_kinds={"move_in"}))) == ["inventory_exists"]
    move_out = replace(OPENING, kind="move_out", made_on=DAY, today=DAY + timedelta(days=9), move_in_made_on=DAY + timedelta(days=1))
    assert codes(opening_refusals(move_out)) == ["move_out_before_move_in"]
    assert opening_refusals(replace(move_out, made_on=DAY + timedelta(days=1))) == []  # the same day as the move-in
    assert opening_refusals(replace(move_out, move_in_made_on=None)) == []  # a move-out needs no move-in in Abri
    unsigned = replace(move_out, made_on=DAY + timedelta(days=1), move_in_signed=False)
    assert codes(opening_refusals(unsigned)) == ["move_in_not_signed"]  # compared with a signed move-in only
    moved = replace(OPENING, made_on=DAY + timedelta(days=3), today=DAY + timedelta(days=9), move_out_made_on=DAY + timedelta(days=2))
    assert codes(opening_refusals(moved)) == ["move_in_after_move_out"]
    assert opening_refusals(replace(moved, made_on=DAY + timedelta(days=2))) == []
    assert codes(opening_refusals(replace(OPENING, existing_kinds={"move_out"}))) == ["move_out_exists"]  # too late for a move-in


def test_the_content_is_bounded_and_each_item_has_its_own_id() -> None:
    room = {"name": "r", "items": [{"id": str(i)} for i in range(POLICY.max_items_per_room)]}
    assert content_refusals([room], POLICY) == []
    assert codes(content_refusals([{**room, "items": [*room["items"], {"id": "x"}]}], POLICY)) == ["too_many_items"]
    assert codes(content_refusals([{"name": "r", "items": [{"id": "a"}, {"id": "a"}]}], POLICY)) == ["duplicate_item_id"]
    rooms = [{"name": str(i), "items": []} for i in range(POLICY.max_rooms + 1)]
    assert codes(content_refusals(rooms, POLICY)) == ["too_many_rooms"]


def test_a_side_signs_the_digest_it_read_once() -> None:
    assert signing_refusals(Side.HOUSEHOLD, set(), "a" * 64, "a" * 64) == []
    assert codes(signing_refusals(Side.HOUSEHOLD, set(), "a" * 64, "b" * 64)) == ["inventory_changed"]
    assert codes(signing_refusals(Side.LANDLORD, {"landlord"}, "a" * 64, "a" * 64)) == ["already_signed"]


def test_a_completion_is_asked_of_a_signed_move_in_until_the_tenth_day_after_its_establishment() -> None:
    assert completion_refusals("move_in", DAY, DAY + timedelta(days=10), POLICY) == []
    late = completion_refusals("move_in", DAY, DAY + timedelta(days=11), POLICY)
    assert codes(late) == ["completion_too_late"] and late[0]["params"]["until"] == "2027-05-11"
    assert codes(completion_refusals("move_in", None, DAY, POLICY)) == ["completion_before_signatures"]
    assert codes(completion_refusals("move_out", DAY, DAY, POLICY)) == ["completion_of_move_in_only"]
    assert completion_refusals("move_in", DAY, DAY + timedelta(days=11), replace(POLICY, completion_days=11)) == []


def test_the_deposit_is_due_one_month_after_the_keys_when_the_inventories_conform_two_otherwise() -> None:
    assert deposit_due_by(date(2029, 6, 30), True, POLICY) == date(2029, 7, 30)
    assert deposit_due_by(date(2029, 6, 30), False, POLICY) == date(2029, 8, 30)
    assert deposit_due_by(date(2029, 12, 31), True, POLICY) == date(2030, 1, 31)
    assert deposit_due_by(date(2030, 1, 31), True, POLICY) == date(2030, 2, 28)  # a month's end


def room(name: str, *items: tuple[str, str]) -> InventoryRoom:
    return InventoryRoom(name=name, items=[InventoryItem(name=n, condition=c) for n, c in items])


def test_a_move_out_is_compared_item_by_item_with_its_move_in() -> None:
    move_in = [room("Bedroom", ("Walls", "good"), ("Window", "good"), ("Socket", "good"), ("Socket", "new")), room("Bath", ("Tub", "fair"))]
    move_out = [
        room(" bedroom ", ("walls", "fair"), ("Socket", "good"), ("Socket", "good"), ("Desk", "new")),
        room("Bath", ("Tub", "good")),
    ]
    found = differences(move_in, move_out)
    assert [(d.room, d.item, d.before, d.after, d.change) for d in found] == [
        ("Bedroom", "Walls", "good", "fair", "worse"),
        ("Bedroom", "Window", "good", None, "missing"),
        ("Bedroom", "Socket", "good", "good", "same"),
        ("Bedroom", "Socket", "new", "good", "worse"),
        ("Bath", "Tub", "fair", "good", "better"),
        (" bedroom ", "Desk", None, "new", "added"),
    ]
    assert not conforms(found)
    decomposed = [room("Se\u0301jour", ("Murs", "good"))]  # "Séjour" typed with a combining accent
    assert [d.change for d in differences([room("Séjour", ("Murs", "good"))], decomposed)] == ["same"]
    assert conforms(differences(move_in[1:], [room("Bath", ("Tub", "good"), ("Mirror", "good"))]))  # better and added conform


@given(st.lists(st.tuples(st.sampled_from(["Walls", "Floor", "Door"]), st.sampled_from(CONDITIONS)), max_size=8))
def test_an_inventory_compared_with_itself_conforms_and_keeps_every_item(items: list[tuple[str, str]]) -> None:
    rooms = [room("Room", *items)]
    found = differences(rooms, rooms)
    assert len(found) == len(items) and all(d.change == "same" for d in found) and conforms(found)


def test_the_digest_covers_every_note_and_photo() -> None:
    content = {"rooms": [{"name": "r", "items": [{"id": "1", "name": "Walls", "condition": "good", "note": ""}]}], "keys": []}
    digest = content_digest(content, {})
    assert len(digest) == 64 and digest == content_digest(dict(reversed(list(content.items()))), {})  # canonical
    noted = {**content, "rooms": [{"name": "r", "items": [{"id": "1", "name": "Walls", "condition": "good", "note": "a hole"}]}]}
    assert content_digest(noted, {}) != digest
    one, other = content_digest(content, {"1": ["f" * 64]}), content_digest(content, {"1": ["e" * 64]})
    assert len({digest, one, other}) == 3  # a photo added, or another photo, is another digest
    assert content_digest(content, {"1": ["e" * 64, "f" * 64]}) != content_digest(content, {"1": ["f" * 64, "e" * 64]})  # their order


def test_inventories_are_kept_three_years_after_the_deposits_last_day() -> None:
    assert RetentionPolicy().moved_out_before(datetime(2032, 8, 30, 12, tzinfo=FRANCE)) == date(2029, 6, 30)  # + 2 months
    assert RetentionPolicy().moved_out_before(datetime(2032, 4, 30, 12, tzinfo=FRANCE)) == date(2029, 2, 28)  # a month's end
    assert RetentionPolicy().moved_out_before(datetime(2032, 1, 15, 12, tzinfo=FRANCE)) == date(2028, 11, 15)  # across a year
    at_half_past_midnight = datetime(2032, 1, 14, 23, 30, tzinfo=UTC)  # 00:30 on 15 January in France
    assert RetentionPolicy().moved_out_before(at_half_past_midnight) == date(2028, 11, 15)  # the day in France, not UTC's
    with pytest.raises(ValueError, match="inventory_years"):
        RetentionPolicy(inventory_years=0)


def picture(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format=fmt)
    return out.getvalue()


def test_a_photo_is_refused_past_its_bounds_and_kept_small_within_them() -> None:
    small = clean_photo(picture((800, 600)), POLICY)
    assert (small.width, small.height) == (800, 600) and small.data[:2] == b"\xff\xd8"  # a JPEG, never enlarged
    webp = clean_photo(picture((2000, 100), "WEBP"), POLICY)
    assert (webp.width, webp.height) == (1600, 80)
    with pytest.raises(PhotoRefused) as bytes_over:
        clean_photo(picture((50, 50)), replace(POLICY, max_upload_bytes=10))
    assert bytes_over.value.rule == "photo_too_large"
    with pytest.raises(PhotoRefused) as pixels_over:
        clean_photo(picture((101, 100)), replace(POLICY, max_pixels=10_000))
    assert pixels_over.value.rule == "photo_too_many_pixels"
    assert clean_photo(picture((100, 100)), replace(POLICY, max_pixels=10_000)).width == 100  # at the bound


def test_the_deposit_months_stay_within_what_the_retention_counts_from() -> None:
    def configured(inventory: dict[str, int]) -> InventoryPolicy:
        unused = "postgresql+asyncpg://unused/matching"
        return MatchingSettings(database_url=unused, kafka_bootstrap_servers="unused:9092", inventory=inventory).inventory_policy()

    assert configured({"completion_days": 12}).completion_days == 12
    with pytest.raises(ValueError, match=r"art\. 22"):
        configured({"deposit_months_otherwise": 3})
    with pytest.raises(ValueError, match="1 or more"):
        configured({"completion_days": 0})


def test_an_erasure_says_until_when_the_leases_inventories_are_kept() -> None:
    from abri_matching.domain.erasure import PlacementTrace, kept

    erased_on = date(2030, 1, 15)
    assert [k["what"] for k in kept(erased_on, [])] == ["consent_proof", "erasure_record"]  # no lease, no inventory
    running = kept(erased_on, [], RetentionPolicy(), [None])
    assert running[1]["what"] == "inventories" and running[1]["until"] is None  # the lease runs: no end known
    ended = kept(erased_on, [], RetentionPolicy(), [date(2029, 6, 30), date(2028, 12, 31)])
    assert ended[1]["until"] == "2032-08-30"  # the latest lease: 3 years after the deposit's last day (move-out + 2 months)
    assert "art. 7-1" in str(ended[1]["legal_basis"])
    lease = PlacementTrace("lease_signed", "direct", date(2027, 5, 1))
    assert kept(erased_on, [lease])[1]["until"] == "2032-05-01"  # the placement's own 5 years
    assert kept(erased_on, [lease], RetentionPolicy(), [date(2030, 1, 1)])[1]["until"] == "2033-03-01"  # as long as its inventories
    assert kept(erased_on, [lease], RetentionPolicy(), [None])[1]["until"] is None
    assert RetentionPolicy().inventories_kept_until(date(2027, 12, 31)) == date(2031, 2, 28)  # a month's end, across a year


def test_a_phones_jpeg_with_a_second_picture_keeps_its_first_and_any_other_format_is_refused() -> None:
    first, second = Image.new("RGB", (2000, 1500), (10, 20, 30)), Image.new("RGB", (2000, 1500), (200, 0, 0))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])  # what many phones write (a gain map after it)
    kept = clean_photo(out.getvalue(), POLICY)
    assert (kept.width, kept.height) == (1600, 1200) and Image.open(io.BytesIO(kept.data)).getpixel((5, 5)) == (10, 20, 30)
    with pytest.raises(PhotoRefused) as tiff:
        clean_photo(picture((50, 50), "TIFF"), POLICY)  # no other parser reads an upload
    assert tiff.value.rule == "photo_format"
