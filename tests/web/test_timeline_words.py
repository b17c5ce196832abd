"""Every coded reason matching may put on a placement's step reads in words on the association's timeline, in each
language: a decline, a withdrawal (the household's consent or erasure too), an expiry, the fund's rejection, a
guarantee not activated, a lease's note, a joint review, a renewal, a lease's end."""

from __future__ import annotations

from typing import get_args

import pytest

from abri_contracts.guarantees import GuaranteeActivationRefused
from abri_gateway.web import i18n
from abri_gateway.web.pages.association.words import STEP_REASONS, step_reason
from abri_guarantees.domain.workflow import REJECTION_REASONS
from abri_matching.domain.leases import SIGNED_BEFORE_BAN
from abri_matching.domain.placements import DeclineReason, LeaseEndReason, RenewalKind, ReviewOutcome, Step, WithdrawReason

pytestmark = pytest.mark.unit

REASONS: dict[Step, tuple[str, ...]] = {
    Step.DECLINE: tuple(DeclineReason),
    Step.WITHDRAW: tuple(WithdrawReason),
    Step.EXPIRE: ("no_answer_in_time",),
    Step.REJECT_GUARANTEE: tuple(REJECTION_REASONS),
    Step.SIGN_LEASE: (SIGNED_BEFORE_BAN,),
    Step.REVIEW: get_args(ReviewOutcome),
    Step.RENEW: get_args(RenewalKind),
    Step.END_LEASE: tuple(LeaseEndReason),
}
"""The reasons matching records on each step (``usecases/placements.py``, ``expiry.py``, ``guarantee_decisions.py``)."""
NOT_ACTIVATED = get_args(GuaranteeActivationRefused.model_fields["reason"].annotation)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_reason_a_step_may_carry_reads_in_words(language: str) -> None:
    token = i18n.use(language)
    try:
        for step, codes in [*REASONS.items(), ("guarantee_not_activated", NOT_ACTIVATED)]:
            for code in codes:
                said = step_reason(str(step), str(code))
                assert said != str(code) and "_" not in said, f"{step} {code} in {language}: {said}"
    finally:
        i18n._current.reset(token)
    assert set(STEP_REASONS) == {str(step) for step in REASONS} | {"guarantee_not_activated"}


def test_a_reason_without_words_shows_as_itself() -> None:
    assert step_reason("propose", "something_new") == "something_new"
