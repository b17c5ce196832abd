"""The pre-check: a fund's policy evaluated on a guarantee file's facts, before any agent reads it.

Each rule is a named function of the policy, the facts and the day; :func:`evaluate` runs them all and
returns every failure (empty: eligible). Age is an input of a named rule only (``age_or_situation``, the
fund's own eligibility condition), never a free weight (Code pénal, art. 225-1). The messages are for the
association and the fund agent; events carry only the rule names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from fractions import Fraction

from abri_guarantees.domain.policy import AgeRule, BurdenLimit, FundPolicy, Rule, add_months, euros


@dataclass(frozen=True, kw_only=True)
class FileFacts:
    """What the pre-check looks at. Money in cents per month; ``None`` when not declared."""

    birth_date: date
    student: bool = False
    hired_or_transferred_on: date | None = None
    net_monthly_pay_cents: int | None = None
    job_promise_on: date | None = None
    job_starts_on: date | None = None
    """The day the promised job starts (its *date de prise de fonction*), as the promise states it."""
    bail_mobilite: bool = False
    intermediated_letting: bool = False
    """The household is housed through an intermediary association (intermédiation locative)."""
    close_family_to_landlord: bool = False
    resources_cents: int
    housing_benefit_cents: int = 0
    rent_cents: int
    charges_cents: int = 0
    departement: str
    energy_class: str | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_cents") and value is not None and value < 0:
                raise ValueError(f"{item.name} may not be negative")

    @property
    def rent_and_charges_cents(self) -> int:
        return self.rent_cents + self.charges_cents


Param = str | int | float | bool | None


@dataclass(frozen=True)
class Failure:
    """A rule the file fails: its stable code, a plain explanation in English with the numbers, and the
    numbers themselves (``params``), from which a page or a message writes it in its reader's language."""

    rule: Rule
    message: str
    params: Mapping[str, Param] = field(default_factory=dict)
    fields: tuple[str, ...] = ()
    """The facts of the file (``FileFacts`` names, the tenant's fields) the failure turns on, when it names
    some: a missing or out-of-range date a ground needs."""


class AgeGround(StrEnum):
    """Why a tenant passes the age rule (recorded with the decision, so the rule used is known)."""

    AGE = "age"
    RECENTLY_HIRED = "recently_hired_or_transferred"
    LOW_PAY = "low_net_pay"
    JOB_PROMISE = "job_promise"
    BAIL_MOBILITE = "bail_mobilite"
    INTERMEDIATED_LETTING = "intermediated_letting"


def age_on(birth_date: date, today: date) -> int:
    """Age in whole years on ``today`` (a 29 February birthday comes on 1 March in other years)."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def birthday(birth_date: date, years: int) -> date:
    """The day the tenant turns ``years``, as :func:`age_on` counts it (a 29 February birthday comes on
    1 March in other years): the first day ``age_on`` reaches ``years``."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # 29 February, in a year without one
        return date(birth_date.year + years, 3, 1)


def may_apply(rule: AgeRule, birth_date: date, today: date) -> bool:
    """Whether the tenant is old enough to ask the fund on ``today``: from ``apply_months_before_min_age``
    months before the ``min_age`` birthday (Visale: 17 years and 10 months; the eve is refused)."""
    return today >= add_months(birth_date, 12 * rule.min_age - rule.apply_months_before_min_age)


def employed_on(facts: FileFacts, today: date) -> bool:
    """An employment (hiring or transfer) is declared, and it has begun by ``today``."""
    return facts.hired_or_transferred_on is not None and facts.hired_or_transferred_on <= today


def age_ground(rule: AgeRule, facts: FileFacts, today: date) -> AgeGround | None:
    """The first ground on which the tenant passes ``rule`` (``None``: none does). The low-pay ground is
    an employee's: a declared employment begun by ``today`` and a positive declared net pay within the
    ceiling (a pay of 0 € or no employment is not a low-paid employee)."""
    if not may_apply(rule, facts.birth_date, today):
        return None
    if age_on(facts.birth_date, today) <= rule.max_age:
        return AgeGround.AGE
    if rule.bail_mobilite and facts.bail_mobilite:
        return AgeGround.BAIL_MOBILITE
    if rule.intermediated_letting and facts.intermediated_letting:
        return AgeGround.INTERMEDIATED_LETTING
    if _within(facts.hired_or_transferred_on, rule.hired_within_months, today):
        return AgeGround.RECENTLY_HIRED
    pay, ceiling = facts.net_monthly_pay_cents, rule.max_net_pay_cents
    if ceiling is not None and pay is not None and 0 < pay <= ceiling and employed_on(facts, today):
        return AgeGround.LOW_PAY
    if job_promise_problem(rule, facts, today) is None:
        return AgeGround.JOB_PROMISE
    return None


class PromiseProblem(StrEnum):
    """Why a declared job promise is no ground (``params["job_promise"]`` of the failure)."""

    NONE_DECLARED = "none_declared"
    PROMISE_TOO_OLD = "promise_too_old"
    START_MISSING = "start_missing"
    START_PASSED = "start_passed"
    START_TOO_LATE = "start_too_late"


def job_starts_by(rule: AgeRule, today: date) -> date | None:
    """The last day the promised job may start for a request on ``today`` (``None``: no such condition)."""
    months = rule.job_starts_within_months
    return None if months is None else add_months(today, months)


def job_promise_problem(rule: AgeRule, facts: FileFacts, today: date) -> PromiseProblem | None:
    """Why the job promise is not a ground on ``today``, or ``None`` when it is one. A promise is one when
    the policy has the ground, the promise is at most ``job_promise_within_months`` old and, with
    ``job_starts_within_months``, its start date is declared, not passed (a job begun is a hiring, with its
    own ground) and at most that many months ahead (the last day in time)."""
    promised = facts.job_promise_on
    if rule.job_promise_within_months is None or promised is None or promised > today:
        return PromiseProblem.NONE_DECLARED
    if not _within(promised, rule.job_promise_within_months, today):
        return PromiseProblem.PROMISE_TOO_OLD
    starts_by = job_starts_by(rule, today)
    if starts_by is None:
        return None
    if facts.job_starts_on is None:
        return PromiseProblem.START_MISSING
    if facts.job_starts_on < today:
        return PromiseProblem.START_PASSED
    if facts.job_starts_on > starts_by:
        return PromiseProblem.START_TOO_LATE
    return None


def _within(since: date | None, months: int | None, today: date) -> bool:
    return since is not None and months is not None and since <= today <= add_months(since, months)


def rent_burden(facts: FileFacts, deducts_housing_benefit: bool = True) -> Fraction | None:
    """``(rent + charges − housing benefit) / resources`` (arrêté of 10 March 2011), exact; ``None`` with
    no resources."""
    if facts.resources_cents == 0:
        return None
    return Fraction(_net_rent(facts, deducts_housing_benefit), facts.resources_cents)


def _net_rent(facts: FileFacts, deducts_housing_benefit: bool) -> int:
    return facts.rent_and_charges_cents - (facts.housing_benefit_cents if deducts_housing_benefit else 0)


def within_burden(limit: BurdenLimit, facts: FileFacts) -> bool:
    """Whether the burden is within ``limit`` (nothing left to pay is always within it), in integers."""
    net = _net_rent(facts, limit.deducts_housing_benefit)
    allowance = limit.max_ratio.numerator * facts.resources_cents
    spent = limit.max_ratio.denominator * net
    return net <= 0 or (spent <= allowance if limit.inclusive else spent < allowance)


def age_or_situation(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """Visale: anyone aged 18 to 30 (a request from 17 years and 10 months); older, an employee within 6
    months of hiring or transfer, an employee paid a positive net pay of at most 1,500 € a month, a job
    promise of less than 3 months whose job starts within 3 months, or a bail mobilité (numbers:
    ``AgeRule``). A declared ground that falls short says why, naming the fact at fault (``fields``)."""
    rule = policy.age
    if rule is None or age_ground(rule, facts, today) is not None:
        return None
    age = age_on(facts.birth_date, today)
    if not may_apply(rule, facts.birth_date, today):
        opens_on = add_months(facts.birth_date, 12 * rule.min_age - rule.apply_months_before_min_age)
        return Failure(
            Rule.AGE_OR_SITUATION,
            f"the tenant is {age}; the fund guarantees tenants from {rule.min_age}, and takes a request from "
            f"{rule.apply_months_before_min_age} month(s) before (on {opens_on.isoformat()})",
            {"age": age, "min_age": rule.min_age, "apply_months_before_min_age": rule.apply_months_before_min_age, **accepted(rule)},
        )
    grounds = []
    if rule.hired_within_months is not None:
        grounds.append(f"hiring or transfer within {rule.hired_within_months} months")
    if rule.max_net_pay_cents is not None:
        grounds.append(f"an employee's net pay above 0 € and at most {euros(rule.max_net_pay_cents)} a month")
    if rule.job_promise_within_months is not None:
        starts = f" whose job starts within {rule.job_starts_within_months} months" if rule.job_starts_within_months is not None else ""
        grounds.append(f"a job promise of less than {rule.job_promise_within_months} months{starts}")
    if rule.bail_mobilite:
        grounds.append("a bail mobilité")
    if rule.intermediated_letting:
        grounds.append("a home let through an intermediary association")
    situation = f"; older tenants need one of: {'; '.join(grounds)}" if grounds else ""
    params: dict[str, Param] = {"age": age, "max_age": rule.max_age, **accepted(rule)}
    if rule.max_net_pay_cents is not None:
        params["max_net_pay_cents"] = rule.max_net_pay_cents
    shortfalls = [
        shortfall
        for shortfall in (_low_pay_shortfall(rule, facts, today, params), _promise_shortfall(rule, facts, today, params))
        if shortfall is not None
    ]
    missing = [shortfall.fact for shortfall in shortfalls if shortfall.missing]
    if missing:
        params["missing"] = ", ".join(missing)
    why = "".join(f"; {shortfall.sentence}" for shortfall in shortfalls)
    fields = tuple(shortfall.fact for shortfall in shortfalls)
    return Failure(Rule.AGE_OR_SITUATION, f"the tenant is {age}, over {rule.max_age}{situation}{why}", params, fields)


def accepted(rule: AgeRule) -> dict[str, Param]:
    """What the fund's age rule accepts, as data for a refusal to say what would qualify: the ages
    (``accepts_from_age`` to ``max_age``), and the situations that qualify an older tenant (``accepts``: the
    :class:`AgeGround` codes but ``age``, comma-joined, in the rule's order) with their numbers."""
    grounds: list[AgeGround] = []
    numbers: dict[str, Param] = {"accepts_from_age": rule.min_age, "max_age": rule.max_age}  # "min_age" marks the too young
    if rule.hired_within_months is not None:
        grounds.append(AgeGround.RECENTLY_HIRED)
        numbers["hired_within_months"] = rule.hired_within_months
    if rule.max_net_pay_cents is not None:
        grounds.append(AgeGround.LOW_PAY)
        numbers["max_net_pay_cents"] = rule.max_net_pay_cents
    if rule.job_promise_within_months is not None:
        grounds.append(AgeGround.JOB_PROMISE)
        numbers["job_promise_within_months"] = rule.job_promise_within_months
        if rule.job_starts_within_months is not None:
            numbers["job_starts_within_months"] = rule.job_starts_within_months
    if rule.bail_mobilite:
        grounds.append(AgeGround.BAIL_MOBILITE)
    if rule.intermediated_letting:
        grounds.append(AgeGround.INTERMEDIATED_LETTING)
    return {"accepts": ",".join(ground.value for ground in grounds), **numbers}


@dataclass(frozen=True)
class Shortfall:
    """Why a ground the file declares falls short: a sentence, the fact at fault (a ``FileFacts`` name),
    and whether that fact is missing (rather than out of range)."""

    sentence: str
    fact: str
    missing: bool = False


def _low_pay_shortfall(rule: AgeRule, facts: FileFacts, today: date, params: dict[str, Param]) -> Shortfall | None:
    """A pay within the ceiling that is no ground because no employment has begun by ``today``: the
    hiring (or transfer) date is missing, or it is later. ``params["low_pay"]`` says which."""
    pay, ceiling = facts.net_monthly_pay_cents, rule.max_net_pay_cents
    if ceiling is None or pay is None or not 0 < pay <= ceiling or employed_on(facts, today):
        return None
    params["net_monthly_pay_cents"] = pay
    if facts.hired_or_transferred_on is None:
        params["low_pay"] = "hiring_date_missing"
        return Shortfall(
            f"a net pay of {euros(pay)} a month counts for an employee, and the hiring (or transfer) date that makes one is missing",
            "hired_or_transferred_on",
            missing=True,
        )
    params["low_pay"] = "not_employed_yet"
    params["hired_or_transferred_on"] = facts.hired_or_transferred_on.isoformat()
    return Shortfall(
        f"a net pay of {euros(pay)} a month counts for an employee, and the employment begins only on "
        f"{facts.hired_or_transferred_on.isoformat()}",
        "hired_or_transferred_on",
    )


def _promise_shortfall(rule: AgeRule, facts: FileFacts, today: date, params: dict[str, Param]) -> Shortfall | None:
    """Why a declared job promise is no ground, in a sentence, with the fact at fault; its numbers added to
    ``params`` (``job_promise``: the :class:`PromiseProblem`, and the dates). ``None`` when none is declared."""
    problem = job_promise_problem(rule, facts, today)
    if problem is None or problem is PromiseProblem.NONE_DECLARED:
        return None
    assert facts.job_promise_on is not None
    params["job_promise"] = problem.value
    params["job_promise_on"] = facts.job_promise_on.isoformat()
    if problem is PromiseProblem.PROMISE_TOO_OLD:
        params["job_promise_within_months"] = rule.job_promise_within_months
        return Shortfall(
            f"the job promise of {facts.job_promise_on.isoformat()} is more than {rule.job_promise_within_months} months old",
            "job_promise_on",
        )
    starts_by = job_starts_by(rule, today)
    assert starts_by is not None
    params["job_starts_within_months"] = rule.job_starts_within_months
    params["job_starts_by"] = starts_by.isoformat()
    if problem is PromiseProblem.START_MISSING:
        return Shortfall(
            "a job promise counts with the day the job starts (the date de prise de fonction it states), which is missing",
            "job_starts_on",
            missing=True,
        )
    assert facts.job_starts_on is not None
    params["job_starts_on"] = facts.job_starts_on.isoformat()
    if problem is PromiseProblem.START_PASSED:
        return Shortfall(
            f"the promised job started on {facts.job_starts_on.isoformat()}: a job begun is a hiring, to declare with its date",
            "job_starts_on",
        )
    return Shortfall(
        f"the promised job starts on {facts.job_starts_on.isoformat()}, after {starts_by.isoformat()} "
        f"({rule.job_starts_within_months} months from the request)",
        "job_starts_on",
    )


def close_family(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """Visale: the landlord and the tenant may not be close family (grandparent, parent, child)."""
    if policy.forbid_close_family and facts.close_family_to_landlord:
        return Failure(Rule.CLOSE_FAMILY, "the fund does not guarantee a lease between close family members")
    return None


def rent_cap(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """Visale: rent + charges at most 1,500 € in Île-de-France, 1,300 € elsewhere (``RentCap``)."""
    if policy.rent_cap is None:
        return None
    return _above(Rule.RENT_CAP, policy.rent_cap.for_departement(facts.departement), facts, "")


def student_rent_cap(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """Visale: for a student, rent + charges at most 800 € in Île-de-France, 600 € elsewhere."""
    if not facts.student or policy.student_rent_cap is None:
        return None
    return _above(Rule.STUDENT_RENT_CAP, policy.student_rent_cap.for_departement(facts.departement), facts, " for a student")


def _above(rule: Rule, cap: int, facts: FileFacts, who: str) -> Failure | None:
    if facts.rent_and_charges_cents <= cap:
        return None
    return Failure(
        rule,
        f"rent + charges of {euros(facts.rent_and_charges_cents)} are above the cap of {euros(cap)}{who} "
        f"in département {facts.departement}",
        {"rent_and_charges_cents": facts.rent_and_charges_cents, "cap_cents": cap, "departement": facts.departement},
    )


def percent(ratio: Fraction) -> str:
    """``Fraction(1, 3)`` → ``"33.33%"``: a ratio in messages, rounded half up from the exact value."""
    hundredths = (ratio * 10_000 * 2 + 1) // 2
    whole, part = divmod(int(hundredths), 100)
    return f"{whole}.{part:02d}%"


def burden(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """The rent burden within the fund's limit (Visale: at most 50 %; FSL Gard: below 33 %). The rule is
    decided in integers (:func:`within_burden`); ``params`` give the exact ratios (``"13/20"``) and, for
    older readers, their decimal rendering."""
    limit = policy.rent_burden
    if limit is None or within_burden(limit, facts):
        return None
    ratio = rent_burden(facts, limit.deducts_housing_benefit)
    bound = f"{'at most' if limit.inclusive else 'below'} {percent(limit.max_ratio)}"
    exact: dict[str, Param] = {
        "max_burden_ratio": str(limit.max_ratio),
        "inclusive": limit.inclusive,
        "max_burden": _display(limit.max_ratio),
    }
    if ratio is None:
        return Failure(Rule.RENT_BURDEN, f"no resources are declared; the rent burden must be {bound}", {"burden": None, **exact})
    net = _net_rent(facts, limit.deducts_housing_benefit)
    return Failure(
        Rule.RENT_BURDEN,
        f"a rent burden of {percent(ratio)} ({euros(net)} out of {euros(facts.resources_cents)} of resources) must be {bound}",
        {"burden": _display(ratio, 4), "burden_ratio": str(ratio), **exact},
    )


def _display(ratio: Fraction, places: int | None = None) -> float:
    """A ratio's decimal rendering for display only (never compared): the API kept it before the exact one."""
    return float(round(ratio, places)) if places is not None else ratio.numerator / ratio.denominator


def energy_class(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """FSL Gard: units of energy class A to E only."""
    allowed = policy.energy_classes
    if allowed is None or facts.energy_class in allowed:
        return None
    classes = ", ".join(sorted(allowed))
    if facts.energy_class is None:
        return Failure(Rule.ENERGY_CLASS, f"the unit's energy class is unknown; the fund needs one of {classes}", {"allowed": classes})
    return Failure(
        Rule.ENERGY_CLASS,
        f"energy class {facts.energy_class} is not among {classes}",
        {"energy_class": facts.energy_class, "allowed": classes},
    )


def departement(policy: FundPolicy, facts: FileFacts, today: date) -> Failure | None:
    """An FSL serves the units of its own département (loi 90-449, art. 6)."""
    if policy.departements is None or facts.departement in policy.departements:
        return None
    served = ", ".join(sorted(policy.departements))
    return Failure(
        Rule.DEPARTEMENT,
        f"the fund serves département {served}, not {facts.departement}",
        {"served": served, "departement": facts.departement},
    )


Check = Callable[[FundPolicy, FileFacts, date], Failure | None]
CHECKS: tuple[Check, ...] = (age_or_situation, close_family, departement, rent_cap, student_rent_cap, burden, energy_class)


def evaluate(policy: FundPolicy, facts: FileFacts, today: date) -> list[Failure]:
    """Every rule of ``policy`` the file fails, in a stable order (empty: the file is eligible)."""
    return [failure for check in CHECKS if (failure := check(policy, facts, today)) is not None]


def max_rent_cents(policy: FundPolicy, facts: FileFacts) -> int | None:
    """The highest rent + charges the guarantee may cover for this household and unit: the lowest of the
    caps that apply and, with a burden limit, the highest amount whose burden stays within it (exact in
    integer cents). ``None`` when no rule bounds it."""
    bounds = []
    if policy.rent_cap is not None:
        bounds.append(policy.rent_cap.for_departement(facts.departement))
    if facts.student and policy.student_rent_cap is not None:
        bounds.append(policy.student_rent_cap.for_departement(facts.departement))
    limit = policy.rent_burden
    if limit is not None:
        allowance = limit.max_ratio.numerator * facts.resources_cents - (0 if limit.inclusive else 1)
        net = max(allowance // limit.max_ratio.denominator, 0)
        bounds.append(net + (facts.housing_benefit_cents if limit.deducts_housing_benefit else 0))
    return min(bounds, default=None)
