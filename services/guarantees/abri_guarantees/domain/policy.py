"""Guarantee funds' policies: data with their sources, never code.

Each fund (a Visale-like national fund, the FSL of a département, a private GLI insurer) has a policy
stored as numbered versions; a version is a :class:`FundPolicy`, a frozen value written to and read from
JSON with :func:`policy_to_dict` / :func:`policy_from_dict`. A rule whose parameter is ``None`` does not
apply. All money is integer cents per month; every number is a default a fund may change (see
``docs/domain-rules.md``, "Rental guarantees").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from datetime import date
from enum import StrEnum
from fractions import Fraction
from types import NoneType
from typing import Any, get_args, get_origin, get_type_hints

ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")
DOCUMENT_KINDS = frozenset({"identity", "proof_of_address", "professional_situation", "resources"})
"""The four categories of décret 2015-1437, annex I (``documents.DocumentKind``, which checks it is the same set)."""
ILE_DE_FRANCE = frozenset({"75", "77", "78", "91", "92", "93", "94", "95"})
_DEPARTEMENT = re.compile(r"\d{2}|2A|2B|97[1-6]")


class FundKind(StrEnum):
    VISALE = "visale"
    FSL = "fsl"
    GLI = "gli"


class Rule(StrEnum):
    """Coded names of the eligibility rules; a rejection's ``reasons`` carry them (``GuaranteeRejected``)."""

    AGE_OR_SITUATION = "age_or_situation"
    CLOSE_FAMILY = "close_family"
    RENT_CAP = "rent_cap"
    STUDENT_RENT_CAP = "student_rent_cap"
    RENT_BURDEN = "rent_burden"
    ENERGY_CLASS = "energy_class"
    DEPARTEMENT = "departement"


class DeadlineAnchor(StrEnum):
    """The day a claim deadline counts from: the first unpaid rent's due date, or the day the claim was
    constituted (the due date of the month that made it so)."""

    FIRST_UNPAID = "first_unpaid"
    CONSTITUTED = "constituted"


@dataclass(frozen=True)
class AgeRule:
    """Who the fund guarantees (Visale: visale.fr, FAQ locataires "Locataire de 30 ans ou moins" and
    "Locataire de plus de 30 ans", read 2026-12-05; ``domain/sources.py``).

    Anyone aged ``min_age`` to ``max_age`` inclusive, in whole years on the day of the check (a tenant is
    30 until the eve of the 31st birthday); a request may be made ``apply_months_before_min_age`` months
    before ``min_age`` (Visale: from 17 years and 10 months); with ``lease_from_min_age`` the lease itself
    is signed no earlier than the ``min_age`` birthday (Visale, same page, q. 2: "la signature du bail ne
    pourra intervenir qu'à compter du jour de sa majorité"): a visa issued before it says from which day
    (``Visa.lease_not_before``) and activation refuses a lease signed before (``lease_signed_before_majority``).
    Older tenants qualify on one ground: employees within ``hired_within_months`` of taking up a post or
    of a transfer; employees (a declared employment date, on or before the day) whose declared net pay
    is positive and at most ``max_net_pay_cents`` a month; a job promise made within
    ``job_promise_within_months`` whose job starts within ``job_starts_within_months`` of the day (Visale, same
    page: "une promesse d'embauche de moins de 3 mois" and "à condition que l'embauche débute dans un délai
    maximum de 3 mois. Le justificatif doit mentionner la date de prise de fonction": the start date is
    required, on or after the day and at most 3 months after it); a bail mobilité tenant of any age from ``min_age`` when ``bail_mobilite``
    is set; a household housed through an intermediary association (*intermédiation locative*, the
    association being the tenant) when ``intermediated_letting`` is set (off by default: Visale's page on
    it was not reached, and its withdrawal was under discussion in 2025). A ground set to ``None`` (or
    ``False``) does not exist.
    """

    min_age: int = 18
    max_age: int = 30
    apply_months_before_min_age: int = 2
    lease_from_min_age: bool = True
    hired_within_months: int | None = 6
    max_net_pay_cents: int | None = 150_000
    job_promise_within_months: int | None = 3
    job_starts_within_months: int | None = 3
    bail_mobilite: bool = True
    intermediated_letting: bool = False


@dataclass(frozen=True)
class RentCap:
    """A ceiling on rent + charges a month: ``zone_cents`` in the ``zone_departements``, ``default_cents``
    elsewhere (Visale: 1,500 € in Île-de-France, 1,300 € elsewhere; students 800 € / 600 €)."""

    default_cents: int
    zone_cents: int | None = None
    zone_departements: frozenset[str] = frozenset()

    def for_departement(self, departement: str) -> int:
        """The cap that applies to a unit in ``departement``."""
        if self.zone_cents is not None and departement in self.zone_departements:
            return self.zone_cents
        return self.default_cents


@dataclass(frozen=True)
class BurdenLimit:
    """The highest rent burden (taux d'effort) the fund accepts.

    The burden is ``(rent + charges − housing benefit) / household resources`` (arrêté of 10 March 2011;
    no legal maximum exists). ``max_ratio`` is exact (a fraction: 1/2, 33/100, 10/27); ``inclusive`` says
    whether the limit itself is accepted (Visale: at most 50 %; FSL of the Gard: strictly below 33 %).
    ``deducts_housing_benefit`` is off for a fund that counts the gross rent.
    """

    max_ratio: Fraction
    inclusive: bool = True
    deducts_housing_benefit: bool = True


@dataclass(frozen=True)
class Cover:
    """What the guarantee pays over the whole tenancy, in months of the guaranteed rent + charges
    (Visale: up to 36 months of unpaid rent; damage up to 2 months of rent + charges)."""

    unpaid_rent_months: int = 36
    damage_months: int = 2


@dataclass(frozen=True)
class VisaTerms:
    """How long a visa stays valid and by when the lease must be signed, in months from its issue.

    Configurable defaults, *unconfirmed*: Visale requires a visa still valid when the lease is signed
    (Visale, pièces justificatives 2020); 3 months is our default, not a sourced figure.
    """

    valid_months: int = 3
    lease_signing_months: int = 3
    recording_grace_days: int = 15
    """Days a signed lease may take to be reported (matching's ``lease_signed``): a lease reported later
    is taken as signed that many days before its report, so that it cannot be backdated under a deadline or
    around a revocation. Abri's default, not a fund's figure."""


@dataclass(frozen=True)
class ClaimTerms:
    """When an unpaid-rent claim may be made and by when (visale.fr, FAQ bailleurs "La gestion des impayés
    de loyer" and "Quelles sont les étapes à suivre par le bailleur...", read 2026-12-05).

    - Constituted when ``wholly_unpaid_months`` months of rent + charges (consecutive or not) are wholly
      unpaid, or when partial arrears exceed ``partial_arrears_months`` of rent + charges; housing benefit
      paid to the owner is deducted first. Only a constituted arrears claim lets later months follow it.
    - ``formal_notice_days``: the owner sends a formal notice (mise en demeure) within 15 calendar days,
      counted from ``formal_notice_from`` (Visale: "au plus tard dans les 15 jours calendaires suivant la
      constitution de l'impayé"; the first unpaid rent is an option for funds that count from it).
    - ``declaration_days``: the claim is declared within 30 calendar days of ``declaration_from`` (Visale:
      "dans un délai de 30 jours calendaires", the constitution).
    - ``unpaid_from_days_after_due``: a rent is unpaid, and arrears constituted, that many days after the
      due date that makes them so; each deadline counts from that day (Visale's example on the same page:
      rent due 05/08/24, "date de constitution de l'impayé" 06/08/24, formal notice by 21/08/24).
    """

    wholly_unpaid_months: int = 2
    partial_arrears_months: int = 1
    formal_notice_days: int = 15
    formal_notice_from: DeadlineAnchor = DeadlineAnchor.CONSTITUTED
    declaration_days: int = 30
    declaration_from: DeadlineAnchor = DeadlineAnchor.CONSTITUTED
    unpaid_from_days_after_due: int = 1
    damage_needs_inventories: bool = True
    """Damage is judged by comparing the move-in and move-out inventories the owner sends (visale.fr: « Les
    dégradations locatives sont constatées au départ du Locataire par comparaison avec les justificatifs
    transmis (états des lieux d'entrée et de sortie) »): a damage claim needs both, signed, for its tenancy."""


@dataclass(frozen=True)
class FundPolicy:
    """One version of a fund's policy: the eligibility rules (``None``: the rule does not apply), the
    cover, the visa terms and the claim terms."""

    kind: FundKind
    version: int
    name: str
    source: str = ""
    """Where the eligibility rules come from (the fund's published conditions, the law it applies):
    every refusal names it (``docs/domain-rules.md``)."""
    age: AgeRule | None = None
    forbid_close_family: bool = False
    rent_cap: RentCap | None = None
    student_rent_cap: RentCap | None = None
    rent_burden: BurdenLimit | None = None
    energy_classes: frozenset[str] | None = None
    departements: frozenset[str] | None = None
    cover: Cover = field(default_factory=Cover)
    visa: VisaTerms = field(default_factory=VisaTerms)
    claims: ClaimTerms = field(default_factory=ClaimTerms)
    required_documents: frozenset[str] = DOCUMENT_KINDS
    """The categories of décret 2015-1437 (``domain/documents.py``) the fund needs in a file before it
    approves it; an agent who approves without one states a coded reason (``workflow.MissingDocumentsReason``)."""


def visale_like(version: int = 1) -> FundPolicy:
    """The Visale-like default (Action Logement; ``docs/domain-rules.md``, "Visale-like fund policy"): ages 18–30 or a ground
    for older tenants, no close family between landlord and tenant, rent + charges at most 1,500 € in
    Île-de-France and 1,300 € elsewhere (students 800 € / 600 €), burden at most 50 %, 36 months of
    unpaid rent and 2 months of damage. (*Unconfirmed*: a 2025 change to per-commune caps.)"""
    return FundPolicy(
        kind=FundKind.VISALE,
        version=version,
        name="Visale-like national guarantee",
        source="Action Logement, Visale's published conditions (visale.fr)",
        age=AgeRule(),
        forbid_close_family=True,
        rent_cap=RentCap(default_cents=130_000, zone_cents=150_000, zone_departements=ILE_DE_FRANCE),
        student_rent_cap=RentCap(default_cents=60_000, zone_cents=80_000, zone_departements=ILE_DE_FRANCE),
        rent_burden=BurdenLimit(Fraction(1, 2), inclusive=True),
        required_documents=frozenset({"identity", "professional_situation", "resources"}),
    )


def fsl_like(departement: str = "30", version: int = 1) -> FundPolicy:
    """A département's FSL (fonds de solidarité pour le logement; loi 90-449, art. 6): each département
    writes its own rules. The default is the Gard's: burden strictly below 33 % and energy class A to E,
    for units in the département. The cover is an illustrative default, not sourced: set it from the
    département's FSL regulations."""
    return FundPolicy(
        kind=FundKind.FSL,
        version=version,
        name=f"FSL {departement}",
        source=f"Loi 90-449, art. 6; the règlement intérieur of the FSL of département {departement}",
        rent_burden=BurdenLimit(Fraction(33, 100), inclusive=False),
        energy_classes=frozenset(ENERGY_CLASSES[:5]),
        departements=frozenset({departement}),
        cover=Cover(unpaid_rent_months=12, damage_months=0),
        required_documents=frozenset({"identity", "resources"}),
    )


def gli_like(version: int = 1) -> FundPolicy:
    """A private rent-guarantee insurance (GLI): market practice, not law. Insurers commonly ask for
    resources of at least 2.7 times the rent, a burden of at most 10/27 (about 37 %); the rent cap
    (2,500 €) and the cover (24 months, 2 months of damage) are illustrative defaults, set from the
    insurer's contract."""
    return FundPolicy(
        kind=FundKind.GLI,
        version=version,
        name="Private rent-guarantee insurance",
        source="The insurer's contract (market practice, not law)",
        rent_cap=RentCap(default_cents=250_000),
        rent_burden=BurdenLimit(Fraction(10, 27), inclusive=True),
        cover=Cover(unpaid_rent_months=24, damage_months=2),
        required_documents=frozenset({"identity", "professional_situation", "resources"}),
    )


DEFAULTS: Mapping[FundKind, Callable[[], FundPolicy]] = {FundKind.VISALE: visale_like, FundKind.FSL: fsl_like, FundKind.GLI: gli_like}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), on the month's last day when that month is
    shorter (31 January + 1 month = 28 or 29 February): the month arithmetic of every policy delay."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def euros(cents: int) -> str:
    """``150001`` → ``"1,500.01 €"``: amounts in messages, from exact cents."""
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}.{part:02d} €"


class PolicyError(ValueError):
    """A stored or submitted policy that is not one (the API answers 422 naming ``field``)."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"policy field {field_name!r}: {problem}")
        self.field = field_name
        self.problem = problem


def policy_to_dict(policy: FundPolicy) -> dict[str, Any]:
    """The policy as JSON-able data: money in integer cents, ratios as exact fractions (``"33/100"``),
    sets as sorted lists, a rule that does not apply as ``null``."""
    dumped = _dump(policy)
    assert isinstance(dumped, dict)
    return dumped


def policy_from_dict(data: object) -> FundPolicy:
    """Read a policy written by :func:`policy_to_dict` (or typed by a fund agent).

    ``kind``, ``version`` and ``name`` are required; a field left out keeps the default of the fund kind
    (``DEFAULTS``), a nested field left out keeps the default of its section, ``null`` switches a rule
    off. Raises :class:`PolicyError` naming the first bad field.
    """
    if not isinstance(data, Mapping):
        raise PolicyError("(policy)", "expected a JSON object")
    for required in ("kind", "version", "name"):
        if required not in data:
            raise PolicyError(required, "is required")
    kind = _parse(FundKind, data["kind"], "kind", None)
    assert isinstance(kind, FundKind)
    policy: FundPolicy = _load(FundPolicy, data, "", DEFAULTS[kind]())
    if policy.version < 1:
        raise PolicyError("version", "must be 1 or more")
    if not policy.name.strip():
        raise PolicyError("name", "may not be empty")
    if policy.age is not None and policy.age.min_age > policy.age.max_age:
        raise PolicyError("age.min_age", f"{policy.age.min_age} is above max_age {policy.age.max_age}")
    _check_bounds(policy)
    return policy


BOUNDS: Mapping[str, tuple[int, int]] = {
    "age.min_age": (16, 120),
    "age.max_age": (16, 120),
    "age.apply_months_before_min_age": (0, 12),
    "age.hired_within_months": (0, 60),
    "age.job_promise_within_months": (0, 60),
    "age.job_starts_within_months": (0, 60),
    "cover.unpaid_rent_months": (1, 120),
    "cover.damage_months": (0, 24),
    "visa.valid_months": (1, 24),
    "visa.lease_signing_months": (1, 24),
    "visa.recording_grace_days": (0, 90),
    "claims.wholly_unpaid_months": (1, 12),
    "claims.partial_arrears_months": (1, 12),
    "claims.formal_notice_days": (1, 365),
    "claims.declaration_days": (1, 365),
    "claims.unpaid_from_days_after_due": (0, 31),
}
"""Sensible ranges of a policy's counts (a value outside is a typing error, not a policy), so that no
stored version can make dates or amounts overflow later."""
MAX_CENTS = 100_000_000
"""1,000,000 € a month: above any cap a fund could mean."""


def _check_bounds(policy: FundPolicy) -> None:
    dumped = policy_to_dict(policy)
    for path, (low, high) in BOUNDS.items():
        section, _, name = path.partition(".")
        value = (dumped.get(section) or {}).get(name)
        if isinstance(value, int) and not low <= value <= high:
            raise PolicyError(path, f"expected {low} to {high}, got {value}")
    for section in ("rent_cap", "student_rent_cap"):
        for name, value in (dumped.get(section) or {}).items():
            if name.endswith("_cents") and isinstance(value, int) and value > MAX_CENTS:
                raise PolicyError(f"{section}.{name}", f"at most {MAX_CENTS} cents, got {value}")
    pay = (dumped.get("age") or {}).get("max_net_pay_cents")
    if isinstance(pay, int) and pay > MAX_CENTS:
        raise PolicyError("age.max_net_pay_cents", f"at most {MAX_CENTS} cents, got {pay}")
    if policy.visa.lease_signing_months > policy.visa.valid_months:
        raise PolicyError("visa.lease_signing_months", f"after the visa's validity ({policy.visa.valid_months} months)")


def _dump(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _dump(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _load(cls: type[Any], data: Mapping[str, object], path: str, base: Any) -> Any:
    hints = get_type_hints(cls)
    for key in data:
        if key not in hints:
            raise PolicyError(f"{path}{key}", "unknown field")
    changes = {key: _parse(hints[key], raw, f"{path}{key}", getattr(base, key, None)) for key, raw in data.items()}
    if base is not None:
        return replace(base, **changes)
    required = [item.name for item in fields(cls) if item.default is MISSING and item.default_factory is MISSING]
    missing = [name for name in required if name not in changes]
    if missing:
        raise PolicyError(f"{path}{missing[0]}", "is required")
    return cls(**changes)


def _parse(hint: Any, raw: object, path: str, base: Any) -> object:
    options = get_args(hint)
    if NoneType in options:
        if raw is None:
            return None
        (hint,) = (option for option in options if option is not NoneType)
    elif raw is None:
        raise PolicyError(path, "may not be null")
    if is_dataclass(hint):
        if not isinstance(raw, Mapping):
            raise PolicyError(path, "expected an object")
        return _load(hint, raw, f"{path}.", base)  # type: ignore[arg-type]
    if hint is bool:
        if not isinstance(raw, bool):
            raise PolicyError(path, f"expected true or false, got {raw!r}")
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            unit = " of cents" if path.endswith("_cents") else ""
            raise PolicyError(path, f"expected a whole number{unit}, got {raw!r}")
        if raw < 0:
            raise PolicyError(path, f"may not be negative, got {raw}")
        return raw
    if hint is str:
        if not isinstance(raw, str):
            raise PolicyError(path, f"expected text, got {raw!r}")
        return raw
    if hint is Fraction:
        return _ratio(raw, path)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        if not isinstance(raw, str) or raw not in hint.__members__.values():
            raise PolicyError(path, f"expected one of {', '.join(hint)}, got {raw!r}")
        return hint(raw)
    if get_origin(hint) is frozenset:
        return _codes(raw, path)
    raise TypeError(f"no reader for {hint!r} ({path})")  # a programming error: a field of a new type


def _ratio(raw: object, path: str) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise PolicyError(path, f'expected a ratio such as "1/2" or 0.33, got {raw!r}')
    try:
        ratio = Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        raise PolicyError(path, f'expected a ratio such as "1/2" or 0.33, got {raw!r}') from None
    if not 0 <= ratio <= 1:
        raise PolicyError(path, f"a ratio lies between 0 and 1, got {raw!r}")
    return ratio


def _codes(raw: object, path: str) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(code, str) for code in raw):
        raise PolicyError(path, f"expected a list of codes, got {raw!r}")
    codes = frozenset(raw)
    if path.endswith("energy_classes"):
        wrong = sorted(codes - set(ENERGY_CLASSES))
        if wrong:
            raise PolicyError(path, f"{wrong[0]!r} is not an energy class (A to G)")
    elif path.endswith("required_documents"):
        wrong = sorted(codes - DOCUMENT_KINDS)
        if wrong:
            raise PolicyError(path, f"{wrong[0]!r} is not a document category ({', '.join(sorted(DOCUMENT_KINDS))})")
    elif path.endswith("departements"):
        wrong = sorted(code for code in codes if not _DEPARTEMENT.fullmatch(code))
        if wrong:
            raise PolicyError(path, f"{wrong[0]!r} is not a département code")
    return codes
