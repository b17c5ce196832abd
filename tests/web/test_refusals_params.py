"""The refusals' sentences take their numbers from the refusal's ``params`` (the service's policy as it
stands), never from words written in the page: a deposit cap of three months, a fund that takes a request
four months ahead, a claim that takes five unpaid months... each said with the language's plural."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from abri_gateway.web import i18n
from abri_gateway.web.refusals import sentence

pytestmark = pytest.mark.unit


def said(code: str, rule: str, **params: Any) -> str:
    token = i18n.use(code)
    try:
        return sentence({"rule": rule, "params": params, "message": "the service's English message"})
    finally:
        i18n._current.reset(token)


@pytest.fixture
def french() -> Iterator[None]:
    token = i18n.use("fr")
    try:
        yield
    finally:
        i18n._current.reset(token)


def test_the_deposit_cap_says_the_months_of_the_refusal_not_the_laws_words() -> None:
    three = said("fr", "deposit_cap", cap_cents=180000, months=3, furnished=True)
    assert three == "Le dépôt de garantie ne peut dépasser 1\u202f800,00\xa0€ pour un logement meublé (3 mois de loyer hors charges)."
    assert said("en", "deposit_cap", cap_cents=60000, months=1, furnished=False) == (
        "The deposit may not exceed €600.00 for an unfurnished home (1 month of rent without charges)."
    )
    assert "(3 months of rent without charges)" in said("en", "deposit_cap", cap_cents=180000, months=3, furnished=False)
    assert "3 місяці" in said("uk", "deposit_cap", cap_cents=180000, months=3, furnished=True)
    assert "5 місяців" in said("uk", "deposit_cap", cap_cents=300000, months=5, furnished=True)
    assert "إيجار شهرين" in said("ar", "deposit_cap", cap_cents=120000, months=2, furnished=True)
    assert said("fr", "deposit_cap", cap_cents=60000, months=1.5, furnished=True) == "the service's English message"  # not a count


def test_the_funds_months_and_the_claims_months_come_from_the_params() -> None:
    age = said("en", "age_or_situation", age=17, min_age=18, apply_months_before_min_age=4)
    assert age == "The tenant is 17; the fund guarantees tenants from 18, and takes a request 4 months before."
    assert "1 month before" in said("en", "age_or_situation", age=17, min_age=18, apply_months_before_min_age=1)
    claim = said(
        "en",
        "claim_not_constituted",
        wholly_unpaid_months=1,
        arrears_cents=45000,
        required_wholly_unpaid_months=5,
        partial_arrears_above_cents=100000,
    )
    assert claim.startswith("The claim is not constituted: 1 month wholly unpaid and arrears of €450.00")
    assert "It takes 5 months wholly unpaid, or arrears above €1,000.00." in claim
    french = said(
        "fr",
        "claim_not_constituted",
        wholly_unpaid_months=2,
        arrears_cents=0,
        required_wholly_unpaid_months=5,
        partial_arrears_above_cents=0,
    )
    assert "2 mois totalement impayés" in french and "Il faut 5 mois totalement impayés" in french


def test_a_recording_grace_and_the_served_departements_are_counted() -> None:
    grace = said("en", "lease_signed_too_long_ago", grace_days=45, earliest_signed_on="2027-01-16", today="2027-03-02")
    assert grace == "A lease is recorded within 45 days of its signature: this one must be signed on January 16, 2027 or later."
    assert "45 днів" in said("uk", "lease_signed_too_long_ago", grace_days=45, earliest_signed_on="2027-01-16", today="2027-03-02")
    assert said("en", "departement", served="34", departement="30") == "The fund serves département 34, not 30."
    assert said("fr", "departement", served="13, 34", departement="30") == "Le fonds couvre les départements 13, 34, et non 30."


@pytest.mark.usefixtures("french")
def test_a_documents_limit_and_types_come_from_the_params() -> None:
    assert sentence({"rule": "document_too_large", "params": {"size": 9_000_000, "max_bytes": 5 * 1024 * 1024}}) == (
        "Le fichier est trop volumineux : 5 Mo au maximum."
    )
    assert sentence({"rule": "unsupported_content_type", "params": {"accepted": "application/pdf, image/png"}}) == (
        "Envoyez un fichier de l'un de ces types : PDF, PNG."
    )


@pytest.mark.usefixtures("french")
def test_matchings_ban_at_the_lease_and_at_the_renewal_says_its_own_day() -> None:
    lease = sentence({"rule": "energy_letting_ban", "params": {"letting_banned_from": "2028-01-01", "delivered_on": "2028-01-03"}})
    assert lease == (
        "Aucun bail ne peut remettre ce logement au locataire à partir du 1 janvier 2028 (sa classe énergétique) ;"
        " ce bail le remet le 3 janvier 2028."
    )
    renewal = sentence({"rule": "energy_letting_ban", "params": {"letting_banned_from": "2028-01-01", "renews_on": "2028-02-01"}})
    assert renewal.startswith("Aucun bail de ce logement ne peut être renouvelé") and "1 février 2028" in renewal
