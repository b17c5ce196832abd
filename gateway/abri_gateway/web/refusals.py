"""The services' coded refusals in the reader's language, each with the legal text it applies.

A service refuses with ``errors`` entries of ``abri_kit.legal.coded_error``: ``rule`` (a stable id),
``fields``, ``params`` (its numbers), an English ``message``, ``source`` and ``source_url``. The page
writes the sentence from ``rule`` and ``params`` (:func:`sentence`); a rule it has no words for, or
numbers it cannot read, show the service's English message, so a new rule never breaks a page. The
source is shown under the sentence with its link (``error_parts``, used by the form macros): its
citation as the service wrote it (``source_citation``, a French proper name, marked ``lang="fr"`` on
another language's page) and its note in the reader's language (``source_note``, ``source_notes.py``).

Every page that shows a service's refusal goes through :func:`coded` (called by
``forms.api_field_errors``), so the words live here once for listings, matching and guarantees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency

from abri_gateway.web import i18n
from abri_gateway.web.i18n import date_text, euros, ngettext, number
from abri_gateway.web.i18n import gettext as _
from abri_gateway.web.labels import label
from abri_gateway.web.reasons import rule_reason
from abri_gateway.web.source_notes import note_words

CITATION_LANGUAGE = "fr"
"""The language of the services' citations (French acts, codes and the funds' French pages)."""


@dataclass(frozen=True)
class Refusal:
    """One coded refusal as a page shows it: the sentence, the text it applies and where to read it.

    ``source`` is the service's whole source; ``citation`` and ``note`` are its parts as the page says
    them (the citation as written, in ``citation_lang`` when that is not the page's language; the note in
    the reader's words). A source the page cannot split (a note it has no words for, an answer stored
    before the parts existed) keeps ``source`` alone, shown as it is."""

    text: str
    source: str = ""
    source_url: str | None = None
    citation: str = ""
    note: str = ""
    citation_lang: str | None = None

    @property
    def split(self) -> bool:
        """Whether the page shows the source as its citation and its note (else ``source`` as it is)."""
        return bool(self.citation or self.note)


class Message(str):
    """A message for a form field or a notice that may carry coded refusals (each with its source); it
    is the sentence(s) as a plain string everywhere else."""

    refusals: tuple[Refusal, ...] = ()

    @classmethod
    def of(cls, refusals: tuple[Refusal, ...]) -> Message:
        message = cls(" ".join(r.text for r in refusals))
        message.refusals = refusals
        return message

    def joined(self, other: Message) -> Message:
        """This message and ``other``'s refusals (a field several rules refuse says each)."""
        known = {r.text for r in self.refusals}
        return Message.of(self.refusals + tuple(r for r in other.refusals if r.text not in known))


def error_parts(message: object) -> list[Refusal]:
    """What a template shows for a message: each refusal with its source, or the message alone."""
    if isinstance(message, Message) and message.refusals:
        return list(message.refusals)
    return [Refusal(str(message))]


def is_coded(item: Mapping[str, Any]) -> bool:
    return "rule" in item or ("code" in item and "message" in item)


def refusal_of(item: Mapping[str, Any]) -> Refusal:
    """A coded error entry as a page shows it."""
    return cited(item, sentence(item))


def cited(item: Mapping[str, Any], text: str = "") -> Refusal:
    """The source an API answer names (a refusal, a pre-check failure, a checklist) as a page shows it:
    ``source``, ``source_url``, and its parts ``source_citation`` and ``source_note``."""
    url = item.get("source_url")
    source = str(item.get("source") or "")
    citation = str(item.get("source_citation") or "")
    code = item.get("source_note")
    note = note_words(str(code)) if code else ""
    if note is None:  # a note this page has no words for: the service's whole source, as it wrote it
        citation, note = "", ""
    language = CITATION_LANGUAGE if citation and i18n.current() != CITATION_LANGUAGE else None
    return Refusal(text, source, str(url) if url else None, citation, note, language)


def coded(item: Mapping[str, Any]) -> Message:
    return Message.of((refusal_of(item),))


def sentence(item: Mapping[str, Any]) -> str:
    """The refusal's sentence in the current language (the service's English message for a rule this
    page has no words for, or numbers it cannot read)."""
    rule = str(item.get("rule") or item.get("code") or "")
    given = item.get("params")
    params: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    write = _SENTENCES.get(rule)
    if write is not None:
        try:
            return write(params)
        except (KeyError, TypeError, ValueError, InvalidOperation):
            pass
    if rule in _MATCHING_RULES:
        try:
            return rule_reason({"rule": rule, "params": params, "reason": item.get("message", "")})
        except (KeyError, TypeError, ValueError):
            pass
    return str(item.get("message") or rule)


# --- formatting the numbers ---------------------------------------------------------------------------
def _day(value: Any) -> str:
    if not value:
        raise ValueError("a day is needed")
    return date_text(str(value))


def _money(value: Any) -> str:
    """Euros given as a decimal string (``"9.80"``)."""
    return format_currency(Decimal(str(value)), "EUR", locale=i18n.current())


def _decimal(value: Any) -> str:
    return number(Decimal(str(value)))  # type: ignore[arg-type]


def _months(value: Any) -> str:
    """A number of months with the language's plural (``1 mois``, ``3 months``, ``5 місяців``)."""
    return ngettext("%(num)d month", "%(num)d months", _whole(value))


def _days(value: Any) -> str:
    return ngettext("%(num)d day", "%(num)d days", _whole(value))


def _whole(value: Any) -> int:
    """A count from the refusal's params (a whole number, else the service's message is shown)."""
    if isinstance(value, bool) or Decimal(str(value)) != int(Decimal(str(value))):
        raise ValueError(f"not a whole number: {value!r}")
    return int(Decimal(str(value)))


def _schemes(codes: Any) -> str:
    return ", ".join(label("scheme", code) for code in str(codes).replace(",", " ").split())


def documents_text(codes: Any) -> str:
    """Categories of the legal list (``identity``, ``resources``..., a list or a comma-separated string) as
    words in a sentence (``identity document, proof of resources``)."""
    if isinstance(codes, list | tuple):
        codes = ",".join(str(code) for code in codes)
    words = {
        "identity": _("identity document"),
        "proof_of_address": _("proof of address"),
        "professional_situation": _("proof of professional situation"),
        "resources": _("proof of resources"),
    }
    return ", ".join(words.get(code.strip(), code.strip()) for code in str(codes).split(",") if code.strip())


def _megabytes(value: Any) -> str:
    return number(round(Decimal(str(value)) / (1024 * 1024), 1))  # type: ignore[arg-type]


def _content_types(codes: Any) -> str:
    """Media types as people know them (``application/pdf`` → PDF)."""
    return ", ".join(code.strip().rsplit("/", 1)[-1].upper() for code in str(codes).split(",") if code.strip())


def _sub_kinds(codes: Any) -> str:
    from abri_gateway.web.pages.association.words import term  # the association's words for the décret's documents

    return ", ".join(term("document_sub_kind", code.strip()) for code in str(codes).split(",") if code.strip())


def _parties(codes: Any) -> str:
    words = {"association": _("the association"), "household": _("the household"), "owner": _("the owner")}
    return ", ".join(words.get(code.strip(), code.strip()) for code in str(codes).split(",") if code.strip())


def _lease_forms(codes: Any) -> str:
    words = {
        "direct": _("direct lease"),
        "direct_under_mandate": _("direct lease under a management mandate"),
        "sub_let": _("sub-let"),
        "sliding": _("sliding lease"),
    }
    return ", ".join(words.get(code.strip(), code.strip().replace("_", " ")) for code in str(codes).split(",") if code.strip())


# --- listings: publishing rules and where a home is ------------------------------------------------------
def _energy_letting_ban(p: Mapping[str, Any]) -> str:
    if "since" in p:  # listings: the class, the ban's day, the letting day
        values = {"energy_class": p["energy_class"], "since": _day(p["since"]), "letting_day": _day(p["letting_day"])}
        if p.get("overseas"):
            return _(
                "Overseas, homes of energy class %(energy_class)s may not be let under a lease signed from %(since)s;"
                " this one can be let from %(letting_day)s.",
                **values,
            )
        return _(
            "Homes of energy class %(energy_class)s may not be let under a lease signed from %(since)s;"
            " this one can be let from %(letting_day)s.",
            **values,
        )
    if p.get("renews_on"):  # matching, at a lease's renewal
        return _(
            "No lease of this home may be renewed or tacitly continued from %(day)s (its energy class); this renewal runs from %(renews)s.",
            day=_day(p["letting_banned_from"]),
            renews=_day(p["renews_on"]),
        )
    if p.get("delivered_on"):  # matching, at the lease: the day it hands the home over
        return _(
            "No lease may hand this home over from %(day)s (its energy class); this lease hands it over on %(delivered)s.",
            day=_day(p["letting_banned_from"]),
            delivered=_day(p["delivered_on"]),
        )
    if p.get("available_from"):  # matching, at a proposal
        return _(
            "No lease may be signed for this home from %(day)s (its energy class), and it is available from %(available)s.",
            day=_day(p["letting_banned_from"]),
            available=_day(p["available_from"]),
        )
    return _("No lease may be signed for this home from %(day)s (its energy class).", day=_day(p["letting_banned_from"]))


def _deposit_cap(p: Mapping[str, Any]) -> str:
    """The cap and its number of months of rent, both from the refusal (the policy's, not the law's as of today)."""
    cap = euros(int(p["cap_cents"]))
    months = ngettext("%(num)d month of rent without charges", "%(num)d months of rent without charges", _whole(p["months"]))
    if p.get("furnished"):
        return _("The deposit may not exceed %(cap)s for a furnished home (%(months)s).", cap=cap, months=months)
    return _("The deposit may not exceed %(cap)s for an unfurnished home (%(months)s).", cap=cap, months=months)


def _dpe_validity(p: Mapping[str, Any]) -> str:
    if not p.get("valid_until"):
        return _("The energy diagnosis of %(dpe_date)s is no longer valid: a new diagnosis is needed.", dpe_date=_day(p["dpe_date"]))
    return _(
        "The energy diagnosis of %(dpe_date)s is valid until %(valid_until)s, and the home can be let from %(letting_day)s:"
        " a new diagnosis is needed.",
        dpe_date=_day(p["dpe_date"]),
        valid_until=_day(p["valid_until"]),
        letting_day=_day(p["letting_day"]),
    )


def _loc_avantages_rent(p: Mapping[str, Any]) -> str:
    return _(
        "%(scheme)s: a rent of %(rent)s per m² is above the ceiling of %(ceiling)s per m² (reference rent of %(year)s):"
        " at most %(max_rent)s a month without charges.",
        scheme=label("scheme", p["scheme"]),
        rent=_money(p["rent_per_m2"]),
        ceiling=_money(p["ceiling_per_m2"]),
        year=str(p["reference_year"]),
        max_rent=euros(int(p["max_rent_cents"])),
    )


# --- guarantees: the fund's pre-check, documents, claims, decisions -------------------------------------
def _age_or_situation(p: Mapping[str, Any]) -> str:
    """Too young, or older than the fund's age with no ground that counts; a ground the file declares that
    falls short says why (``low_pay``, ``job_promise``, with their dates), and the facts it lacks (``missing``)."""
    if "min_age" in p:
        return _(
            "The tenant is %(age)s; the fund guarantees tenants from %(min_age)s, and takes a request %(months)s before.",
            age=number(p["age"]),
            min_age=number(p["min_age"]),
            months=_months(p["apply_months_before_min_age"]),
        )
    shortfalls = [said for said in (_low_pay_shortfall(p), _job_promise_shortfall(p)) if said]
    missing = [fact.strip() for fact in str(p.get("missing") or "").split(",") if fact.strip()]
    said = {fact for case in (p.get("low_pay"), p.get("job_promise")) for fact in _SAID_BY_SHORTFALL.get(str(case), ())}
    unsaid = [fact for fact in missing if fact not in said]
    if unsaid:
        shortfalls.append(_("Missing: %(facts)s.", facts=", ".join(_fact(fact) for fact in unsaid)))
    accepted = [_accepted_situations(p)] if "accepts" in p else []
    if not shortfalls:
        none = _(
            "The tenant is %(age)s, over %(max_age)s, and no situation the fund covers at that age is recorded.",
            age=number(p["age"]),
            max_age=number(p["max_age"]),
        )
        return " ".join((none, *accepted))
    over = _("The tenant is %(age)s, over %(max_age)s.", age=number(p["age"]), max_age=number(p["max_age"]))
    return " ".join((over, *shortfalls, *accepted))


def _accepted_situations(p: Mapping[str, Any]) -> str:
    """What would qualify, from the fund's policy as the refusal carries it (``accepts`` and its numbers):
    the ages it guarantees, and each situation that qualifies an older tenant."""
    words: dict[str, str] = {}
    if "hired_within_months" in p:
        words["recently_hired_or_transferred"] = _(
            "a hiring or a transfer within the last %(months)s", months=_months(p["hired_within_months"])
        )
    if "max_net_pay_cents" in p:
        words["low_net_pay"] = _("an employee's net pay of at most %(pay)s a month", pay=euros(int(p["max_net_pay_cents"])))
    if "job_promise_within_months" in p:
        promise = _months(p["job_promise_within_months"])
        words["job_promise"] = (
            _(
                "a job promise less than %(months)s old, for a job that starts within %(start)s",
                months=promise,
                start=_months(p["job_starts_within_months"]),
            )
            if "job_starts_within_months" in p
            else _("a job promise less than %(months)s old", months=promise)
        )
    words["bail_mobilite"] = _("a bail mobilité (a furnished lease of 1 to 10 months)")
    words["intermediated_letting"] = _("a home let through an intermediary association")
    situations = [words[code] for code in str(p["accepts"]).split(",") if code in words]
    ages = {"from_age": number(p["accepts_from_age"]), "to_age": number(p["max_age"])}
    if not situations:
        return _("The fund accepts tenants aged %(from_age)s to %(to_age)s only.", **ages)
    return _(
        "The fund accepts tenants aged %(from_age)s to %(to_age)s and, older, a tenant with one of these situations: %(situations)s.",
        situations="; ".join(situations),
        **ages,
    )


_SAID_BY_SHORTFALL: dict[str, tuple[str, ...]] = {"hiring_date_missing": ("hired_or_transferred_on",), "start_missing": ("job_starts_on",)}
"""The missing facts a ground's own sentence already names (``params.low_pay`` or ``params.job_promise``)."""


def _fact(name: str) -> str:
    """A fact of the tenant the fund's rules read, in words (a fact the pages do not know shows the service's message)."""
    words = {
        "birth_date": _("the birth date"),
        "hired_or_transferred_on": _("the hiring (or transfer) date"),
        "net_monthly_pay_cents": _("the net monthly pay"),
        "job_promise_on": _("the date of the job promise"),
        "job_starts_on": _("the day the promised job starts"),
    }
    return words[name]


def _low_pay_shortfall(p: Mapping[str, Any]) -> str | None:
    """A pay within the fund's ceiling counts for an employee: the hiring date is missing, or comes later."""
    case = p.get("low_pay")
    if not case:
        return None
    pay = euros(int(p["net_monthly_pay_cents"]))
    if case == "hiring_date_missing":
        return _("A net pay of %(pay)s a month counts for an employee: enter the hiring (or transfer) date.", pay=pay)
    if case == "not_employed_yet":
        return _(
            "A net pay of %(pay)s a month counts for an employee, and the employment begins only on %(day)s.",
            pay=pay,
            day=_day(p["hired_or_transferred_on"]),
        )
    raise ValueError(f"a low-pay case the pages do not know: {case!r}")


def _job_promise_shortfall(p: Mapping[str, Any]) -> str | None:
    """Why a declared job promise is no ground: too old, or its job's start missing, passed or too late."""
    case = p.get("job_promise")
    if not case:
        return None
    if case == "promise_too_old":
        return _(
            "The job promise of %(promised)s is more than %(months)s old: the fund takes a more recent one.",
            promised=_day(p["job_promise_on"]),
            months=_months(p["job_promise_within_months"]),
        )
    starts_by, within = _day(p["job_starts_by"]), _months(p["job_starts_within_months"])
    if case == "start_missing":
        return _(
            "A job promise counts with the day the job starts, as the promise states it: enter it."
            " The job must start by %(by)s (within %(within)s).",
            by=starts_by,
            within=within,
        )
    if case == "start_passed":
        return _("The promised job started on %(day)s: a job begun is a hiring, to enter as the hiring date.", day=_day(p["job_starts_on"]))
    if case == "start_too_late":
        return _(
            "The promised job starts on %(day)s, after %(by)s: the fund takes a job that starts within %(within)s of the request.",
            day=_day(p["job_starts_on"]),
            by=starts_by,
            within=within,
        )
    raise ValueError(f"a job promise case the pages do not know: {case!r}")


def _rent_cap(p: Mapping[str, Any], student: bool) -> str:
    values = {"rent": euros(int(p["rent_and_charges_cents"])), "cap": euros(int(p["cap_cents"])), "departement": str(p["departement"])}
    if student:
        return _("Rent and charges of %(rent)s are above the fund's cap of %(cap)s for a student in département %(departement)s.", **values)
    return _("Rent and charges of %(rent)s are above the fund's cap of %(cap)s in département %(departement)s.", **values)


def _rent_burden(p: Mapping[str, Any]) -> str:
    limit = i18n.percent(float(p["max_burden"]))
    if p.get("burden") is None:
        return _("No resources are declared: the rent burden cannot be within the fund's limit of %(limit)s.", limit=limit)
    return _("A rent burden of %(burden)s is above the fund's limit of %(limit)s.", burden=i18n.percent(float(p["burden"])), limit=limit)


def _energy_class(p: Mapping[str, Any]) -> str:
    if not p.get("energy_class"):
        return _("The home's energy class is unknown; the fund accepts classes %(allowed)s.", allowed=str(p["allowed"]))
    return _(
        "The fund does not guarantee homes of energy class %(energy_class)s (accepted: %(allowed)s).",
        energy_class=str(p["energy_class"]),
        allowed=str(p["allowed"]),
    )


def _claim_not_constituted(p: Mapping[str, Any]) -> str:
    def unpaid(count: Any) -> str:
        return ngettext("%(num)d month wholly unpaid", "%(num)d months wholly unpaid", _whole(count))

    return _(
        "The claim is not constituted: %(wholly)s and arrears of %(arrears)s, housing benefit deducted."
        " It takes %(required)s, or arrears above %(above)s.",
        wholly=unpaid(p["wholly_unpaid_months"]),
        arrears=euros(int(p["arrears_cents"])),
        required=unpaid(p["required_wholly_unpaid_months"]),
        above=euros(int(p["partial_arrears_above_cents"])),
    )


def _month_outside_tenancy(p: Mapping[str, Any]) -> str:
    if p.get("ended_on"):
        return _(
            "This month is outside the guaranteed tenancy (from %(starts)s to %(ended)s).",
            starts=_day(p["starts_on"]),
            ended=_day(p["ended_on"]),
        )
    return _("This month is outside the guaranteed tenancy (from %(starts)s).", starts=_day(p["starts_on"]))


# --- guarantees: would a lease activate the visa (the lease check) ---------------------------------------
def _visa_revoked(p: Mapping[str, Any]) -> str:
    if p.get("revoked_on"):
        return _("The visa was revoked on %(day)s: it guarantees no lease.", day=_day(p["revoked_on"]))
    return _("The visa was revoked: it guarantees no lease.")


def _lease_signed_before_majority(p: Mapping[str, Any]) -> str:
    return _(
        "The lease would be signed on %(signed)s, before the tenant comes of age on %(birthday)s:"
        " the fund takes the request before that birthday, but the lease is signed from it.",
        signed=_day(p["lease_signed_on"]),
        birthday=_day(p["birthday"]),
    )


# --- matching: leases and sliding leases --------------------------------------------------------------------
def _sub_let_beyond_head_lease(p: Mapping[str, Any]) -> str:
    if p.get("ends_on"):
        return _(
            "The sub-let ends on %(ends)s, after the owner's lease to the association (%(head)s).",
            ends=_day(p["ends_on"]),
            head=_day(p["head_lease_ends_on"]),
        )
    return _("The owner's lease to the association ends on %(head)s, before the sub-let starts.", head=_day(p["head_lease_ends_on"]))


_SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # listings
    "energy_letting_ban": _energy_letting_ban,
    "final_energy_decency": lambda p: _(
        "%(used)s kWh of final energy per m² and year reaches the decency limit of %(limit)s kWh.",
        used=_decimal(p["final_energy_kwh"]),
        limit=_decimal(p["limit_kwh"]),
    ),
    "minimum_size": lambda p: _(
        "The home is too small: it needs %(area)s m² with a ceiling of %(height)s m, or %(volume)s m³.",
        area=_decimal(p["min_area_m2"]),
        height=_decimal(p["min_ceiling_m"]),
        volume=_decimal(p["min_volume_m3"]),
    ),
    "coherent_energy_class": lambda p: _(
        "These figures make energy class %(computed)s for %(area)s m², not %(declared)s: check the class and the figures of the diagnosis.",
        computed=str(p["computed_class"]),
        area=_decimal(p["living_area_m2"]),
        declared=str(p["energy_class"]),
    ),
    "coherent_numbers": lambda p: _("This value is not coherent with the rest of the unit."),
    "deposit_cap": _deposit_cap,
    "dpe_validity": _dpe_validity,
    "intermediated_letting_unfurnished": lambda p: _("Intermediated letting is for unfurnished homes."),
    "intermediated_letting_rooms": lambda p: _(
        "Intermediated letting takes homes of %(min)s to %(max)s main rooms, not %(rooms)s.",
        min=number(p["min_rooms"]),
        max=number(p["max_rooms"]),
        rooms=number(p["rooms"]),
    ),
    "shared_room_size": lambda p: _(
        "A room let under its own lease has at least %(area)s m² and %(volume)s m³: this one has %(has_area)s m² and %(has_volume)s m³.",
        area=_decimal(p["min_area_m2"]),
        volume=_decimal(p["min_volume_m3"]),
        has_area=_decimal(p["area_m2"]),
        has_volume=_decimal(p["volume_m3"]),
    ),
    "shared_home_crowding": lambda p: (
        _(
            "A room for %(persons)s needs %(norm)s m², not %(area)s m².",
            persons=ngettext("%(num)d person", "%(num)d persons", int(p["persons"])),
            norm=_decimal(p["norm_m2"]),
            area=_decimal(p["area_m2"]),
        )
        if p["scope"] == "room"
        else _(
            "The home's offered rooms take %(persons)s together, for whom the home needs %(norm)s m², not %(area)s m².",
            persons=ngettext("%(num)d person", "%(num)d persons", int(p["persons"])),
            norm=_decimal(p["norm_m2"]),
            area=_decimal(p["area_m2"]),
        )
    ),
    "shared_home_spaces": lambda p: _(
        "A shared home's occupants share a kitchen, a bathroom and a WC: missing %(missing)s.",
        missing=", ".join(label("space_kind", kind) for kind in str(p["missing"]).split()),
    ),
    "shared_home_coherence": lambda p: (
        _(
            "The rooms (%(rooms)s m²) and the shared spaces (%(spaces)s m²) are larger than the home's %(home)s m².",
            rooms=_decimal(p["rooms_m2"]),
            spaces=_decimal(p["spaces_m2"]),
            home=_decimal(p["home_m2"]),
        )
        if "rooms_m2" in p
        else _("The home has %(rooms)s main room(s) for %(count)s rooms offered.", rooms=number(p["rooms"]), count=number(p["room_count"]))
    ),
    "cohabitation_room": lambda p: _(
        "Intergenerational cohabitation lets a room of the host's own home: not a whole home, not a room of a shared home."
    ),
    "cohabitation_alone": lambda p: _("An intergenerational cohabitation contract is not a lease: choose no other way of letting with it."),
    "cohabitation_host_age": lambda p: _("The host of an intergenerational cohabitation is %(age)s or over.", age=number(p["min_age"])),
    "cohabitation_landlord_informed": lambda p: _(
        "A host who rents the home informs the landlord beforehand (who may not object): give the day you did."
    ),
    "cohabitation_counterpart": lambda p: _(
        "Here a modest counterpart is at most %(ceiling)s a month, charges included.", ceiling=euros(int(p["ceiling_cents"]))
    ),
    "cohabitation_age": lambda p: _("Intergenerational cohabitation takes one person under 30 on the first day."),
    "services_outside_cohabitation": lambda p: _("Small services belong to an intergenerational cohabitation contract only."),
    "cohabitation_duration_required": lambda p: _("An intergenerational cohabitation contract states its duration: give the day it ends."),
    "scheme_no_longer_offered": lambda p: _(
        "The owner no longer offers this home under the proposal's scheme (%(scheme)s): withdraw the placement and propose again.",
        scheme=label("scheme", p["scheme"]),
    ),
    "cohabitation_not_a_lease": lambda p: _(
        "An intergenerational cohabitation contract is not a lease: leave out the management mandate and the owner's lease to the"
        " association."
    ),
    "loc_avantages_unfurnished": lambda p: _("Loc'Avantages is for unfurnished homes."),
    "loc_avantages_energy": lambda p: _("Loc'Avantages needs energy class %(worst)s or better.", worst=str(p["worst_class"])),
    "loc_avantages_intermediary": lambda p: _(
        "%(scheme)s is let only through an intermediary: also choose %(intermediaries)s.",
        scheme=label("scheme", p["scheme"]),
        intermediaries=_schemes(p["intermediaries"]),
    ),
    "loc_avantages_reference_rent": lambda p: _(
        "No reference rent is known for this commune (%(insee_code)s): Loc'Avantages cannot be checked.", insee_code=str(p["insee_code"])
    ),
    "loc_avantages_rent": _loc_avantages_rent,
    "commune_unknown": lambda p: _(
        "No commune has the INSEE code %(insee_code)s: choose the commune from the list.", insee_code=str(p["insee_code"])
    ),
    "commune_merged": lambda p: _(
        "The commune %(insee_code)s no longer exists: it is now part of %(name)s (%(code)s).",
        insee_code=str(p["insee_code"]),
        name=str(p["successor_name"]),
        code=str(p["successor_code"]),
    ),
    "postal_code_mismatch": lambda p: _(
        "%(commune)s has the postal code(s) %(expected)s, not %(postal_code)s.",
        commune=str(p["commune"]),
        expected=", ".join(str(p["expected"]).split()),
        postal_code=str(p["postal_code"]),
    ),
    "departement_mismatch": lambda p: _(
        "This commune is in département %(expected)s, not %(departement)s.", expected=str(p["expected"]), departement=str(p["departement"])
    ),
    "position_far_from_commune": lambda p: _(
        "This position is %(distance)s km from %(commune)s; a home lies within %(limit)s km of its commune."
        " Leave the position empty to use the commune's.",
        distance=_decimal(p["distance_km"]),
        commune=str(p["commune"]),
        limit=_decimal(p["limit_km"]),
    ),
    "position_incomplete": lambda p: _("Give both the latitude and the longitude, or neither."),
    # guarantees: the fund's rules
    "age_or_situation": _age_or_situation,
    "close_family": lambda p: _("The fund does not guarantee a lease between close family members."),
    "rent_cap": lambda p: _rent_cap(p, student=False),
    "student_rent_cap": lambda p: _rent_cap(p, student=True),
    "rent_burden": _rent_burden,
    "energy_class": _energy_class,
    "departement": lambda p: ngettext(
        "The fund serves département %(served)s, not %(departement)s.",
        "The fund serves départements %(served)s, not %(departement)s.",
        len([d for d in str(p["served"]).replace(",", " ").split() if d]),
        served=", ".join(d for d in str(p["served"]).replace(",", " ").split() if d),
        departement=str(p["departement"]),
    ),
    "required_documents_missing": lambda p: _(
        "The file lacks documents the fund requires: %(missing)s. Approve it without them only with a reason and a note,"
        " or ask the association for them.",
        missing=documents_text(p["missing"]),
    ),
    "consent_required": lambda p: _("The household has not consented to its guarantee file going to a fund (or withdrew its consent)."),
    # guarantees: documents
    "forbidden_document_kind": lambda p: _("No landlord may ask for this document."),
    "unknown_document_kind": lambda p: _("This document is not on the legal list."),
    "document_sub_kind_required": lambda p: _("Choose which document it is: %(allowed)s.", allowed=_sub_kinds(p["allowed"])),
    "unknown_document_sub_kind": lambda p: _(
        "This document is not one of its category: choose one of %(allowed)s.", allowed=_sub_kinds(p["allowed"])
    ),
    "second_identity_document": lambda p: _("The file already holds its one identity document: remove it first to replace it."),
    "too_many_documents": lambda p: _("The file holds as many documents as it may (%(max)s).", max=number(p["max_documents"])),
    "empty_document": lambda p: _("The file you chose is empty."),
    "document_too_large": lambda p: _("The file is too large: %(size)s MB at most.", size=_megabytes(p["max_bytes"])),
    "unsupported_content_type": lambda p: _("Send a file of one of these types: %(types)s.", types=_content_types(p["accepted"])),
    "content_type_mismatch": lambda p: _(
        "The file's content is %(content)s, not %(declared)s as its type says.",
        content=_content_types(p["content"]),
        declared=_content_types(p["declared"]),
    ),
    # guarantees: claims
    "claim_not_constituted": _claim_not_constituted,
    "month_outside_tenancy": _month_outside_tenancy,
    "month_not_due": lambda p: _("This month is not due yet (today is %(today)s).", today=_day(p["today"])),
    "month_above_guaranteed_rent": lambda p: _(
        "%(due)s is above the guaranteed rent and charges of %(guaranteed)s.",
        due=euros(int(p["due_cents"])),
        guaranteed=euros(int(p["guaranteed_cents"])),
    ),
    "damage_before_tenancy_end": lambda p: _("Damage is claimed once the tenancy has ended."),
    # guarantees: activation refusals (the lease check before signing)
    "lease_signed_before_majority": _lease_signed_before_majority,
    "visa_revoked": _visa_revoked,
    "visa_expired": lambda p: _(
        "The visa is valid until %(until)s: it no longer is on %(signed)s, the day the lease would be signed.",
        until=_day(p["valid_until"]),
        signed=_day(p["lease_signed_on"]),
    ),
    "lease_signed_before_visa": lambda p: _(
        "The lease would be signed on %(signed)s, before the visa was issued on %(issued)s.",
        signed=_day(p["lease_signed_on"]),
        issued=_day(p["issued_on"]),
    ),
    "lease_signed_after_deadline": lambda p: _(
        "The lease would be signed on %(signed)s, after the visa's deadline to sign it, %(deadline)s.",
        signed=_day(p["lease_signed_on"]),
        deadline=_day(p["lease_signing_deadline"]),
    ),
    "rent_above_visa_max": lambda p: _(
        "Rent and charges of %(rent)s are above the visa's maximum of %(max)s a month.",
        rent=euros(int(p["rent_and_charges_cents"])),
        max=euros(int(p["max_rent_cents"])),
    ),
    "documents_missing": lambda p: _(
        "The fund approved the file with documents to follow, and they are not all in the file: the guarantee starts at the lease"
        " only once they are."
    ),
    # matching: the lease and the sliding lease
    "lease_type_not_allowed_by_scheme": lambda p: _(
        "%(scheme)s does not allow this kind of lease (%(form)s); allowed: %(allowed)s.",
        scheme=label("scheme", p["scheme"]),
        form=_lease_forms(p["lease_form"]),
        allowed=_lease_forms(p["allowed"]) or _("none"),
    ),
    "signed_before_acceptance": lambda p: _(
        "The lease is dated before the owner accepted the proposal, on %(day)s.", day=_day(p["accepted_on"])
    ),
    "signed_before_guarantee_decision": lambda p: _(
        "The lease is dated before the guarantee was approved, on %(day)s.", day=_day(p["guarantee_decided_on"])
    ),
    "signed_in_the_future": lambda p: _("A lease is recorded once signed: enter a day that is not in the future."),
    "starts_before_signature": lambda p: _("The lease cannot start before it is signed."),
    "ends_before_start": lambda p: _("The lease must end after it starts, on %(day)s.", day=_day(p["starts_on"])),
    "lease_signed_too_long_ago": lambda p: _(
        "A lease is recorded within %(grace)s of its signature: this one must be signed on %(earliest)s or later.",
        grace=_days(p["grace_days"]),
        earliest=_day(p["earliest_signed_on"]),
    ),
    "energy_facts_unknown": lambda p: _(
        "Homes of energy class %(energy_class)s may already be banned from letting, and the home's ban date is not known yet:"
        " its owner saves the home again to send it.",
        energy_class=str(p["energy_class"]),
    ),
    "renewal_not_at_term_end": lambda p: _(
        "The lease's term ends on %(term)s: it is renewed from %(renews)s.", term=_day(p["term_ends_on"]), renews=_day(p["renews_on"])
    ),
    "lease_end_before_start": lambda p: _("The lease began on %(day)s: it cannot end before.", day=_day(p["starts_on"])),
    "lease_end_in_future": lambda p: _("Record the end on the day it happens: enter a day that is not in the future."),
    "renewal_in_the_future": lambda p: _("A renewal is recorded once it has begun (today is %(today)s).", today=_day(p["today"])),
    "dpe_expired_at_renewal": lambda p: _(
        "The home's energy diagnosis was valid until %(day)s, before the renewal from %(renews)s: a new diagnosis is needed.",
        day=_day(p["dpe_valid_until"]),
        renews=_day(p["renews_on"]),
    ),
    "dpe_expired": lambda p: _(
        "The home's energy diagnosis was valid until %(day)s, before the signature: a new diagnosis is needed.",
        day=_day(p["dpe_valid_until"]),
    ),
    "head_lease_term_required": lambda p: _("A sub-let needs the end date of the owner's lease to the association."),
    "sub_let_beyond_head_lease": _sub_let_beyond_head_lease,
    "head_lease_ended": lambda p: _("The owner's lease to the association ended on %(day)s.", day=_day(p["head_lease_ends_on"])),
    "joint_review_parties": lambda p: _(
        "A joint review is held by the association, the household and the owner: %(missing)s did not take part.",
        missing=_parties(p["missing"]),
    ),
    "slide_too_early": lambda p: _(
        "Signed on %(signed)s, the sliding lease may slide from %(day)s.", signed=_day(p["signed_on"]), day=_day(p["earliest_slide_on"])
    ),
    "slide_needs_owner_agreement": lambda p: _("The owner has not agreed to the slide yet."),
    # matching: the household's own account, linked only by an invitation it accepts
    "invitation_not_valid": lambda p: _(
        "This code links no file: it is wrong, has expired, was already used or was revoked. Check it, or ask your association"
        " for a new one."
    ),
    "account_link_by_invitation": lambda p: _(
        "A household's account is linked only by an invitation it accepts once signed in: invite it from the household's page."
    ),
    "slide_needs_ready_review": lambda p: _("The last joint review did not find the household ready to take over the lease."),
    # matching: move-in and move-out inventories
    "inventory_without_lease": lambda p: _("An inventory is made for a signed lease."),
    "inventory_exists": lambda p: _("This lease already has this inventory: open it from the lease's inventories."),
    "inventory_in_future": lambda p: _("An inventory is dated the day it is made: today is %(today)s.", today=_day(p["today"])),
    "inventory_before_lease": lambda p: _(
        "An inventory is made when the keys are handed over, not before the lease, signed on %(day)s.", day=_day(p["lease_signed_on"])
    ),
    "move_out_before_move_in": lambda p: _(
        "The move-out inventory cannot come before the move-in one of %(day)s.", day=_day(p["move_in_made_on"])
    ),
    "move_in_after_move_out": lambda p: _(
        "The move-in inventory cannot come after the move-out one of %(day)s.", day=_day(p["move_out_made_on"])
    ),
    "move_in_not_signed": lambda p: _("Both sides sign the move-in inventory before the move-out one is begun."),
    "too_many_rooms": lambda p: _("An inventory has at most %(max)s rooms.", max=number(_whole(p["max_rooms"]))),
    "too_many_items": lambda p: _("A room has at most %(max)s items.", max=number(_whole(p["max_items"]))),
    "duplicate_item_id": lambda p: _("Two items were sent as one: reload the page and try again."),
    "inventory_changed": lambda p: _("The inventory changed since you read it: read it again before you sign."),
    "already_signed": lambda p: _("Your side already signed this inventory."),
    "completion_of_move_in_only": lambda p: _("Only the move-in inventory may be completed."),
    "completion_before_signatures": lambda p: _("An inventory not yet signed by both sides is corrected, not completed."),
    "too_many_completion_notes": lambda p: _("A completion holds at most %(max)s points.", max=number(_whole(p["max"]))),
    "completion_too_late": lambda p: _(
        "A completion is asked within %(days)s of the inventory's signatures: until %(day)s.",
        days=_days(p["completion_days"]),
        day=_day(p["until"]),
    ),
    "photo_too_large": lambda p: _("A photo is at most %(size)s MB.", size=number(_whole(p["max_bytes"]) // (1024 * 1024))),
    "photo_too_many_pixels": lambda p: _("This photo has too many pixels: take it at a lower resolution."),
    "photo_format": lambda p: _("A photo is a JPEG, PNG or WebP picture."),
    "photo_unreadable": lambda p: _("This file is not a picture that can be read."),
    "unknown_item": lambda p: _("This item is no longer in the inventory: reload the page."),
    "too_many_photos": lambda p: _(
        "At most %(per_item)s photos an item and %(max)s an inventory.",
        per_item=number(_whole(p["max_per_item"])),
        max=number(_whole(p["max"])),
    ),
    # guarantees: a damage claim stands on both inventories
    "damage_without_inventories": lambda p: _(
        "Damage is judged by comparing the move-in and move-out inventories both parties signed: this tenancy does not have both."
    ),
}


def rule_title(rule: str) -> str:
    """What a rule checks, in a few words of the current language, for a rule named without its numbers (the
    rules that sent a unit back to draft); the rule's id for one the pages have no words for."""
    titles = {
        "energy_letting_ban": _("The letting ban of its energy class"),
        "final_energy_decency": _("The decency limit of final energy per m²"),
        "minimum_size": _("The minimum size of a home"),
        "coherent_energy_class": _("An energy class that matches the diagnosis's figures"),
        "coherent_numbers": _("Coherent figures"),
        "deposit_cap": _("The deposit cap"),
        "dpe_validity": _("The validity of its energy diagnosis"),
        "intermediated_letting_unfurnished": _("Intermediated letting: unfurnished homes only"),
        "intermediated_letting_rooms": _("Intermediated letting: the number of main rooms"),
        "shared_room_size": _("A shared home: 9 m² and 20 m³ per room under its own lease"),
        "shared_home_crowding": _("A shared home: the overcrowding norm of the room and of the home"),
        "shared_home_spaces": _("A shared home: a kitchen, a bathroom and a WC shared"),
        "shared_home_coherence": _("A shared home: coherent areas and rooms"),
        "cohabitation_room": _("Intergenerational cohabitation: a room of the host's home"),
        "cohabitation_alone": _("Intergenerational cohabitation: no other way of letting with it"),
        "cohabitation_host_age": _("Intergenerational cohabitation: a host of 60 or over"),
        "cohabitation_landlord_informed": _("Intergenerational cohabitation: a tenant host's landlord informed"),
        "cohabitation_counterpart": _("Intergenerational cohabitation: a modest counterpart"),
        "loc_avantages_unfurnished": _("Loc'Avantages: unfurnished homes only"),
        "loc_avantages_energy": _("Loc'Avantages: the energy class"),
        "loc_avantages_intermediary": _("Loc'Avantages: letting through an intermediary"),
        "loc_avantages_reference_rent": _("Loc'Avantages: a reference rent for the commune"),
        "loc_avantages_rent": _("Loc'Avantages: the rent ceiling"),
        "commune_unknown": _("A commune of the official table"),
        "commune_merged": _("A commune that still exists (not merged into another)"),
        "postal_code_mismatch": _("The commune's postal code"),
        "departement_mismatch": _("The commune's département"),
        "position_far_from_commune": _("A position near its commune"),
        "position_incomplete": _("Both the latitude and the longitude"),
    }
    return titles.get(rule, rule)


_MATCHING_RULES = frozenset(
    {
        "overcrowding",
        "accessibility",
        "bedrooms",
        "rent_burden",
        "wanted_place",
        "availability",
        "scheme",
        "room_capacity",
        "house_rules",
        "cohabitation_age",
    }
)
"""Matching's hard rules, refused at a proposal with the numbers its ranking explains (``reasons.py``)."""
