"""The refusals' sentences take their numbers from the refusal's ``params`` (the service's policy as it
stands), never from words written in the page: a deposit cap of three months, a fund that takes a request
four months ahead, a claim that takes five unpaid months... each said with the language's plural."""

from __future__ import annotations

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


def test_a_job_promise_that_falls_short_says_why_with_its_dates() -> None:
    over = {"age": 46, "max_age": 30, "max_net_pay_cents": 150000, "job_promise_on": "2026-11-20"}
    starts = {"job_starts_within_months": 3, "job_starts_by": "2027-03-01"}
    missing = said("fr", "age_or_situation", **over, **starts, job_promise="start_missing", missing="job_starts_on")
    assert missing == (
        "Le locataire a 46 ans, plus de 30 ans. Une promesse d'embauche compte avec la date de prise de fonction qu'elle indique :"
        " saisissez-la. L'emploi doit commencer au plus tard le 1 mars 2027 (dans les 3 mois)."
    )
    late = said("en", "age_or_situation", **over, **starts, job_promise="start_too_late", job_starts_on="2027-03-02")
    assert late == (
        "The tenant is 46, over 30. The promised job starts on March 2, 2027, after March 1, 2027:"
        " the fund takes a job that starts within 3 months of the request."
    )
    passed = said("en", "age_or_situation", **over, **starts, job_promise="start_passed", job_starts_on="2026-12-01")
    assert "The promised job started on December 1, 2026: a job begun is a hiring" in passed
    old = said("en", "age_or_situation", **over, job_promise="promise_too_old", job_promise_within_months=3)
    assert (
        old
        == "The tenant is 46, over 30. The job promise of November 20, 2026 is more than 3 months old: the fund takes a more recent one."
    )
    assert "1 month old" in said("en", "age_or_situation", **over, job_promise="promise_too_old", job_promise_within_months=1)
    assert "1 березня 2027" in said("uk", "age_or_situation", **over, **starts, job_promise="start_missing", missing="job_starts_on")
    assert "3 місяці" in said("uk", "age_or_situation", **over, **starts, job_promise="start_missing", missing="job_starts_on")
    assert "مارس" in said("ar", "age_or_situation", **over, **starts, job_promise="start_missing", missing="job_starts_on")
    unknown = said("fr", "age_or_situation", **over, **starts, job_promise="a_new_case")
    assert unknown == "the service's English message"  # a case the pages do not know: never a wrong sentence


def test_the_low_pay_grounds_two_cases_and_every_missing_fact() -> None:
    over = {"age": 40, "max_age": 30, "max_net_pay_cents": 150000, "net_monthly_pay_cents": 120000}
    no_date = said("fr", "age_or_situation", **over, low_pay="hiring_date_missing", missing="hired_or_transferred_on")
    assert no_date == (
        "Le locataire a 40 ans, plus de 30 ans. Un salaire net de 1\u202f200,00\xa0€ par mois compte pour un salarié :"
        " indiquez la date d'embauche (ou de mutation)."
    )
    later = said("en", "age_or_situation", **over, low_pay="not_employed_yet", hired_or_transferred_on="2027-02-01")
    assert later == (
        "The tenant is 40, over 30. A net pay of €1,200.00 a month counts for an employee, and the employment begins only on"
        " February 1, 2027."
    )
    both = said(
        "en",
        "age_or_situation",
        **over,
        low_pay="hiring_date_missing",
        job_promise="start_missing",
        job_promise_on="2026-11-20",
        job_starts_within_months=3,
        job_starts_by="2027-03-01",
        missing="hired_or_transferred_on, job_starts_on",
    )
    assert "enter the hiring (or transfer) date." in both and "A job promise counts with the day the job starts" in both
    assert "Missing:" not in both  # each missing fact said once, by its ground's sentence
    other = said("fr", "age_or_situation", age=40, max_age=30, missing="job_promise_on, birth_date")
    assert other == "Le locataire a 40 ans, plus de 30 ans. Il manque : la date de la promesse d'embauche, la date de naissance."
    assert said("en", "age_or_situation", age=40, max_age=30) == (
        "The tenant is 40, over 30, and no situation the fund covers at that age is recorded."
    )


def test_the_activation_refusals_say_their_dates_and_amounts_in_the_readers_language() -> None:
    minor = {"lease_signed_on": "2027-03-14", "birthday": "2027-03-15"}
    assert said("fr", "lease_signed_before_majority", **minor) == (
        "Le bail serait signé le 14 mars 2027, avant la majorité du locataire le 15 mars 2027 : le fonds accepte la demande avant"
        " cet anniversaire, mais le bail se signe à partir de ce jour."
    )
    assert "March 15, 2027" in said("en", "lease_signed_before_majority", **minor)
    assert "15 березня 2027" in said("uk", "lease_signed_before_majority", **minor)
    assert "15 مارس 2027" in said("ar", "lease_signed_before_majority", **minor)
    dates = {
        "lease_signed_on": "2027-06-02",
        "issued_on": "2027-01-10",
        "valid_until": "2027-06-01",
        "lease_signing_deadline": "2027-05-10",
    }
    assert said("en", "visa_expired", **dates) == (
        "The visa is valid until June 1, 2027: it no longer is on June 2, 2027, the day the lease would be signed."
    )
    assert said("fr", "lease_signed_after_deadline", **dates) == (
        "Le bail serait signé le 2 juin 2027, après la date limite de signature du visa, le 10 mai 2027."
    )
    assert said("en", "lease_signed_before_visa", **{**dates, "lease_signed_on": "2027-01-09"}) == (
        "The lease would be signed on January 9, 2027, before the visa was issued on January 10, 2027."
    )
    assert (
        said("fr", "visa_revoked", **dates, revoked_on="2027-02-01")
        == "Le visa a été révoqué le 1 février 2027 : il ne garantit aucun bail."
    )
    assert said("en", "visa_revoked", **dates, revoked_on=None) == "The visa was revoked: it guarantees no lease."
    assert said("fr", "rent_above_visa_max", rent_and_charges_cents=95000, max_rent_cents=90000) == (
        "Un loyer charges comprises de 950,00\xa0€ dépasse le maximum du visa, 900,00\xa0€ par mois."
    )
    assert said("uk", "documents_missing").startswith("Фонд схвалив досьє")
    assert said("fr", "lease_signed_before_majority", lease_signed_on="2027-03-14") == "the service's English message"  # no birthday
