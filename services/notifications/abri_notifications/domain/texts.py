"""The texts of every notification, in English: the source of the gettext catalogues. Pure data.

Each template key (``<reader>.<what happened>``, see ``routing``) has a short subject, a short body in
plain words and, for the few messages that ask for an action, an SMS text. Every text is written
``_("...")`` so that ``pybabel extract`` finds it, as the web front's texts are (``docs/notifications.md``,
"Languages"): the English text is the message id, and ``../locale/<lang>/LC_MESSAGES/notifications.po``
holds its French, Arabic and Ukrainian translations, which :mod:`.templates` reads at start. English
needs no catalogue. ``_`` here only marks a text: it returns it as given.

Placeholders are ``{name}``, a plain field name filled from the event's data (the rules, and how values
are written in each language, are in :mod:`.templates`). Subjects have no placeholders: they show in
inbox lists and on locked screens; SMS texts carry at most a date (``minimisation``). A new wording
keeps its template key (keys are stored with each delivery); its English text is a new message id, which
``pybabel update`` offers translators as a fuzzy match of the old one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def _(message: str) -> str:
    """Mark ``message`` for extraction (``pybabel extract`` looks for ``_("...")``); returns it as given."""
    return message


@dataclass(frozen=True)
class Message:
    """One template in one language. ``unnamed`` is the body for an event older than the values that name
    the home (``postal_code`` and ``commune``, which listings added to its events later): the same text
    with "your home" alone, used when the event lacks one of them (``templates.render``)."""

    subject: str
    body: str
    sms: str | None = None
    unnamed: str | None = None


TEMPLATES: Mapping[str, Message] = {
    # --- owners ---------------------------------------------------------------------------------------
    "owner.unit_published": Message(
        subject=_("Your home is online"),
        body=_(
            "Your home ({postal_code}) is published on Abri. Associations can now propose a household to you, to move "
            "in from {available_from}."
            "\n\nWe will tell you about every proposal."
        ),
    ),
    "owner.unit_updated": Message(
        subject=_("Your changes are online"),
        body=_("The details of your home ({postal_code}) were updated on Abri.\n\nIf this was not you, please contact the Abri team."),
    ),
    "owner.unit_withdrawn": Message(
        subject=_("Your home is withdrawn"),
        body=_("Your home was withdrawn from Abri. Associations no longer see it.\n\nIf this was not you, please contact the Abri team."),
    ),
    "owner.unit_returned_to_draft_ban": Message(
        subject=_("Your home is back to draft: letting ban"),
        body=_(
            "A letting ban now applies to the energy class of your home in {postal_code} {commune} (loi 2021-1104, art. 160): "
            "no new lease or renewal may be signed for it. Your home has left the market on Abri and is back to draft; "
            "associations no longer see it."
            "\n\nTo let it again, you can renovate it to a better energy class and have a new energy diagnosis (DPE) made, "
            "then enter it in Abri and publish your home again."
            "\n\nPublic aids exist for renovation work, such as MaPrimeRénov'. France Rénov' advisers, a public service, "
            "can advise you: https://france-renov.gouv.fr"
        ),
        unnamed=_(
            "A letting ban now applies to the energy class of your home (loi 2021-1104, art. 160): no new lease or renewal "
            "may be signed for it. Your home has left the market on Abri and is back to draft; associations no longer see it."
            "\n\nTo let it again, you can renovate it to a better energy class and have a new energy diagnosis (DPE) made, "
            "then enter it in Abri and publish your home again."
            "\n\nPublic aids exist for renovation work, such as MaPrimeRénov'. France Rénov' advisers, a public service, "
            "can advise you: https://france-renov.gouv.fr"
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a letting ban now applies to your home, which is back to draft. Open Abri to see what you can do."),
    ),
    "owner.unit_returned_to_draft_dpe": Message(
        subject=_("Your home is back to draft: energy diagnosis expired"),
        body=_(
            "The energy diagnosis (DPE) of your home in {postal_code} {commune} is no longer valid (décret 2020-1610): no new "
            "lease or renewal may be signed for it without a valid diagnosis. Your home has left the market on Abri and is "
            "back to draft; associations no longer see it."
            "\n\nTo let it again, you can order a new DPE from a certified diagnostician, enter it in Abri and publish your "
            "home again."
            "\n\nIf work is needed, public aids exist for renovation, such as MaPrimeRénov'. France Rénov' advisers, a public "
            "service, can advise you: https://france-renov.gouv.fr"
        ),
        unnamed=_(
            "The energy diagnosis (DPE) of your home is no longer valid (décret 2020-1610): no new lease or renewal may be "
            "signed for it without a valid diagnosis. Your home has left the market on Abri and is back to draft; "
            "associations no longer see it."
            "\n\nTo let it again, you can order a new DPE from a certified diagnostician, enter it in Abri and publish your "
            "home again."
            "\n\nIf work is needed, public aids exist for renovation, such as MaPrimeRénov'. France Rénov' advisers, a public "
            "service, can advise you: https://france-renov.gouv.fr"
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: the energy diagnosis of your home has expired and your home is back to draft. Open Abri to see what to do."),
    ),
    "owner.unit_returned_to_draft_rules": Message(
        subject=_("Your home is back to draft"),
        body=_(
            "Your home in {postal_code} {commune} no longer meets these letting rules: {rules}. It has left the market on Abri "
            "and is back to draft; associations no longer see it."
            "\n\nOpen your home in Abri: each rule is shown next to its field. Once your home meets them, you can publish "
            "it again."
        ),
        unnamed=_(
            "Your home no longer meets these letting rules: {rules}. It has left the market on Abri and is back to draft; "
            "associations no longer see it."
            "\n\nOpen your home in Abri: each rule is shown next to its field. Once your home meets them, you can publish "
            "it again."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: your home no longer meets a letting rule and is back to draft. Open Abri to see what to correct."),
    ),
    "owner.letting_ban_announced": Message(
        subject=_("A letting ban will reach your home"),
        body=_(
            "Your home in {postal_code} {commune} is of energy class {energy_class}. From {deadline}, a home of this class may "
            "no longer be let: no new lease or renewal may be signed for it (loi 2021-1104, art. 160; {overseas}). If your "
            "home is still offered on Abri on that day, it will leave the market and go back to draft."
            "\n\nTo keep letting it, you can renovate it to a better energy class and have a new energy diagnosis (DPE) made "
            "before that day, then enter it in Abri."
            "\n\nPublic aids exist for renovation work, such as MaPrimeRénov'. France Rénov' advisers, a public service, "
            "can advise you: https://france-renov.gouv.fr"
        ),
        unnamed=_(
            "From {deadline}, a home of energy class {energy_class} may no longer be let: no new lease or renewal may be "
            "signed for it (loi 2021-1104, art. 160; {overseas}). If your home is still offered on Abri on that day, it will "
            "leave the market and go back to draft."
            "\n\nTo keep letting it, you can renovate it to a better energy class and have a new energy diagnosis (DPE) made "
            "before that day, then enter it in Abri."
            "\n\nPublic aids exist for renovation work, such as MaPrimeRénov'. France Rénov' advisers, a public service, "
            "can advise you: https://france-renov.gouv.fr"
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: from {deadline}, your home may no longer be let because of its energy class. Open Abri to see what you can do."),
    ),
    "owner.dpe_expiry_announced": Message(
        subject=_("The energy diagnosis of your home ends soon"),
        body=_(
            "The energy diagnosis (DPE) of your home in {postal_code} {commune} will no longer be valid from {deadline} "
            "(décret 2020-1610). From that day, no new lease or renewal may be signed for it without a valid diagnosis; if "
            "your home is still offered on Abri then, it will leave the market and go back to draft."
            "\n\nTo keep letting it, you can order a new DPE from a certified diagnostician before that day, then enter it "
            "in Abri."
            "\n\nIf work is needed, public aids exist for renovation, such as MaPrimeRénov'. France Rénov' advisers, a public "
            "service, can advise you: https://france-renov.gouv.fr"
        ),
        unnamed=_(
            "The energy diagnosis (DPE) of your home will no longer be valid from {deadline} (décret 2020-1610). From that "
            "day, no new lease or renewal may be signed for it without a valid diagnosis; if your home is still offered on "
            "Abri then, it will leave the market and go back to draft."
            "\n\nTo keep letting it, you can order a new DPE from a certified diagnostician before that day, then enter it "
            "in Abri."
            "\n\nIf work is needed, public aids exist for renovation, such as MaPrimeRénov'. France Rénov' advisers, a public "
            "service, can advise you: https://france-renov.gouv.fr"
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: the energy diagnosis of your home is no longer valid from {deadline}. Open Abri to see what to do."),
    ),
    "owner.placement_proposed": Message(
        subject=_("A household is proposed to you"),
        body=_(
            "An association proposes a household for your home."
            "\n\nNumber of people: {household_size}. Monthly resources: {resources_band}. {guarantee_required}"
            "\n\nPlease answer in Abri before {answer_by}. You will learn who the household is only if you accept."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a household is proposed for your home. Please answer on Abri before {answer_by}."),
    ),
    "owner.placement_proposed_association_tenant": Message(
        subject=_("An association proposes to rent your home"),
        body=_(
            "An association proposes to rent your home to house a household it supports. Under this scheme the association "
            "is your tenant: it signs the lease with you and pays the rent. {guarantee_required}"
            "\n\nPlease answer in Abri before {answer_by}."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a household is proposed for your home. Please answer on Abri before {answer_by}."),
    ),
    "owner.placement_withdrawn": Message(
        subject=_("The proposal is withdrawn"),
        body=_("The association withdrew its proposal for your home. You have nothing to do.\n\nYour home stays visible to associations."),
    ),
    "owner.placement_expired": Message(
        subject=_("The proposal has expired"),
        body=_(
            "The proposal for your home expired without your answer."
            "\n\nYour home stays visible to associations, who can make you other proposals."
        ),
    ),
    "owner.unit_reserved": Message(
        subject=_("Your home is reserved"),
        body=_(
            "You accepted the proposal: your home ({postal_code}) is reserved for this household and no longer "
            "appears in searches."
            "\n\nThe association will contact you for the next steps: the guarantee if needed, then signing the lease."
        ),
    ),
    "owner.unit_republished": Message(
        subject=_("Your home is offered again"),
        body=_(
            "The letting did not go ahead. Your home ({postal_code}) is visible to associations again, and they can "
            "propose another household to you."
        ),
    ),
    "owner.unit_let": Message(
        subject=_("Your home is let"),
        body=_("The lease is signed: your home ({postal_code}) is let.\n\nThank you for housing a household with Abri."),
    ),
    "owner.unit_lease_ended": Message(
        subject=_("The lease of your home ended"),
        body=_(
            "The lease of your home ({postal_code}) ended on {ended_on}. Your home is back to draft on Abri: associations "
            "do not see it."
            "\n\nTo let it again, check its rent, the date from which it is available and its diagnoses (a valid energy "
            "diagnosis, DPE, is needed to sign a lease), then publish it again."
        ),
    ),
    "owner.lease_slid": Message(
        subject=_("The lease is in the household's name"),
        body=_(
            "The sliding lease of your home has passed to the household: it is now your tenant, in its own name. The "
            "association is no longer the tenant."
            "\n\nOpen Abri to see the details."
        ),
    ),
    "owner.sliding_review_due": Message(
        subject=_("Review of your home's sliding lease"),
        body=_(
            "The joint review of the sliding lease of your home, with the association and the household, is due by "
            "{next_review_by}. The association will contact you to set a date."
        ),
    ),
    "owner.sliding_review_overdue": Message(
        subject=_("The review of your home's sliding lease is late"),
        body=_(
            "The joint review of the sliding lease of your home was due by {next_review_by} and has not been recorded. "
            "The association has been told and will contact you to set a date."
        ),
    ),
    "owner.slide_agreed": Message(
        subject=_("Your agreement to the slide is recorded"),
        body=_(
            "Your agreement that the sliding lease of your home passes to the household's name is recorded. The association "
            "will record the slide, and we will tell you when the lease is in the household's name."
            "\n\nIf this was not you, please contact the Abri team."
        ),
    ),
    "owner.guarantee_activated": Message(
        subject=_("The rent guarantee is active"),
        body=_(
            "The rent guarantee for your home is active for the lease signed on {lease_signed_on}. It covers rent of "
            "{rent_and_charges_cents} a month, charges included."
            "\n\nIf rent goes unpaid, report it in Abri."
        ),
    ),
    "owner.guarantee_activation_refused": Message(
        subject=_("The guarantee is not active"),
        body=_(
            "The rent guarantee cannot be activated for your lease: {reason}."
            "\n\nThe association has been told. Open Abri to see what happens next."
        ),
    ),
    "owner.guarantee_ended": Message(
        subject=_("End of the rent guarantee"),
        body=_("The rent guarantee for your home ends on {ended_on}, with the end of the tenancy. It covers rent due up to that date."),
    ),
    "owner.claim_validated": Message(
        subject=_("Your unpaid-rent claim is validated"),
        body=_(
            "The guarantee fund validated your unpaid-rent claim. Amount to be paid to you: {payable_cents}."
            "\n\nTo be paid, send the subrogation receipt from Abri."
        ),
    ),
    "owner.claim_paid": Message(
        subject=_("The fund has paid you"),
        body=_("The guarantee fund paid you {amount_cents} for your unpaid-rent claim."),
    ),
    "owner.claim_rejected": Message(
        subject=_("Your unpaid-rent claim is rejected"),
        body=_("The guarantee fund rejected your unpaid-rent claim. Reasons: {reasons}.\n\nOpen Abri to see the details."),
    ),
    "owner.daily_digest": Message(
        subject=_("Your Abri summary"),
        body=_("Here is what happened since your last summary:\n\n{items}\n\nOpen Abri to see the details."),
    ),
    # --- associations ---------------------------------------------------------------------------------
    "association.placement_accepted": Message(
        subject=_("Proposal accepted"),
        body=_(
            "The owner accepted your proposal. The home is reserved for the household."
            "\n\nNext steps: the guarantee if one is requested, then signing the lease."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: the owner accepted your proposal. Open Abri for the next steps."),
    ),
    "association.placement_declined": Message(
        subject=_("Proposal declined"),
        body=_(
            "The owner declined your proposal. Reason: {reason}."
            "\n\nThis has no consequence for the household: you can propose it for another home."
        ),
    ),
    "association.placement_expired": Message(
        subject=_("Proposal expired"),
        body=_("The owner did not answer in time: your proposal has expired.\n\nYou can propose the household for another home."),
    ),
    "association.placement_fell_through": Message(
        subject=_("The letting has stopped"),
        body=_(
            "The letting stopped before the lease was signed. Reason: {reason}."
            "\n\nThe home is online again. You can propose the household for another home."
        ),
    ),
    "association.guarantee_requested": Message(
        subject=_("Guarantee to file"),
        body=_("The owner accepted: the letting now waits for a rent guarantee.\n\nFile the guarantee with a fund in Abri."),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a rent guarantee file is waiting to be filed. Open Abri."),
    ),
    "association.lease_signed": Message(
        subject=_("Lease signed"),
        body=_("The lease is signed. The tenancy starts on {lease_starts_on}."),
    ),
    "association.sliding_reviewed": Message(
        subject=_("Sliding lease review recorded"),
        body=_("The review of the sliding lease is recorded. Outcome: {outcome}."),
    ),
    "association.sliding_review_due": Message(
        subject=_("Sliding lease review due soon"),
        body=_(
            "The joint review of a sliding lease is due by {next_review_by}. Set a date with the household and the owner, "
            "then record the review in Abri."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a sliding lease review is due by {next_review_by}. Set a date with the household and the owner."),
    ),
    "association.sliding_review_overdue": Message(
        subject=_("Sliding lease review overdue"),
        body=_(
            "The joint review of a sliding lease was due by {next_review_by} and has not been recorded. Hold it with the "
            "household and the owner as soon as you can, then record it in Abri. The owner has been told."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a sliding lease review was due by {next_review_by} and is not recorded. Open Abri."),
    ),
    "association.slide_agreed": Message(
        subject=_("The owner agrees to the slide"),
        body=_("The owner agreed that the sliding lease passes to the household's name. You can now record the slide in Abri."),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: the owner agreed that a sliding lease passes to the household. Open Abri to record the slide."),
    ),
    "association.lease_slid": Message(
        subject=_("The lease has slid"),
        body=_("The lease is now in the household's name. The association is no longer the tenant of the home."),
    ),
    "association.file_under_review": Message(
        subject=_("Guarantee file under review"),
        body=_("The guarantee file passed the pre-check. The fund must answer before {review_deadline}."),
    ),
    "association.file_ineligible": Message(
        subject=_("Guarantee file not eligible"),
        body=_(
            "The guarantee file does not meet the fund's rules: {failed_rules}."
            "\n\nOpen Abri to see the details and choose another solution."
        ),
    ),
    "association.file_information_requested": Message(
        subject=_("The fund asks for information"),
        body=_("The fund asks for information about a guarantee file.\n\nRead its request and answer in Abri."),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: the fund asks for information about a guarantee file. Open Abri to answer."),
    ),
    "association.file_approved": Message(
        subject=_("Guarantee granted"),
        body=_(
            "The fund granted the rent guarantee. It covers up to {max_rent_cents} a month, charges included."
            "\n\nThe visa is valid until {valid_until}: the lease must be signed before that date."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: guarantee granted. Visa valid until {valid_until}. Open Abri."),
    ),
    "association.file_rejected": Message(
        subject=_("Guarantee refused"),
        body=_("The fund refused the rent guarantee. Reasons: {reasons}.\n\nOpen Abri to see the details."),
    ),
    "association.visa_revoked": Message(
        subject=_("Guarantee visa revoked"),
        body=_(
            "The guarantee visa is no longer valid: {reason}. It can no longer be used to sign a lease."
            "\n\nOpen Abri to see what happens next."
        ),
    ),
    "association.guarantee_activated": Message(
        subject=_("Guarantee active"),
        body=_("The rent guarantee is active for the lease signed on {lease_signed_on}."),
    ),
    "association.guarantee_activation_refused": Message(
        subject=_("Guarantee not activated"),
        body=_("The rent guarantee could not be activated: {reason}.\n\nThe owner has been told. Open Abri to see the options."),
    ),
    # --- funds ----------------------------------------------------------------------------------------
    "fund.file_submitted": Message(
        subject=_("New guarantee file to review"),
        body=_("A guarantee file is waiting for your decision in the queue. Answer expected before {review_deadline}."),
    ),
    "fund.guarantee_activated": Message(
        subject=_("Guarantee activated"),
        body=_(
            "A guarantee is active for a lease signed on {lease_signed_on}, for rent of {rent_and_charges_cents} a month, charges included."
        ),
    ),
    "fund.guarantee_ended": Message(
        subject=_("A guarantee ends"),
        body=_("A guarantee ends on {ended_on}, with the end of the tenancy."),
    ),
    "fund.claim_filed": Message(
        subject=_("New unpaid-rent claim"),
        body=_(
            "An owner reports unpaid rent of {arrears_cents}. Amount payable under the caps: {payable_cents}."
            "\n\nThe claim is waiting for your decision."
        ),
    ),
    # --- households (issue 20): plain, easy words, short sentences (FALC); never another person's data --------
    "household.home_proposed": Message(
        subject=_("A home is proposed to you"),
        body=_(
            "Good news. Your social worker proposed a home for you."
            "\n\nThe owner will answer before {answer_by}. We will tell you the answer."
            "\n\nYou have nothing to do now."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a home is proposed to you. The owner will answer before {answer_by}. Open Abri to see it."),
    ),
    "household.owner_accepted": Message(
        subject=_("The owner said yes"),
        body=_(
            "The owner said yes to the home proposed to you. The home is kept for you.\n\nYour social worker will tell you the next steps."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: the owner said yes to the home proposed to you. Open Abri to see it."),
    ),
    "household.owner_declined": Message(
        subject=_("The owner said no"),
        body=_(
            "The owner said no to the home proposed to you."
            "\n\nIt is not your fault. Your social worker will look for another home with you."
        ),
    ),
    "household.guarantee_granted": Message(
        subject=_("Your rent guarantee is accepted"),
        body=_(
            "Good news. A fund accepts to guarantee your rent. It helps you to sign the lease."
            "\n\nYour social worker will tell you the next steps."
        ),
    ),
    "household.guarantee_refused": Message(
        subject=_("Your rent guarantee is refused"),
        body=_(
            "The fund does not accept to guarantee your rent."
            "\n\nYour social worker will explain why. Together, you will look for another solution."
        ),
    ),
    "household.lease_signed": Message(
        subject=_("Your lease is signed"),
        body=_("Your lease is signed. It starts on {lease_starts_on}.\n\nYour social worker will help you to move in."),
    ),
    "household.sliding_review_due": Message(
        subject=_("A meeting about your lease"),
        body=_(
            "You will meet your social worker and the owner before {next_review_by}. You will talk about your lease: can it "
            "be in your name?"
            "\n\nYour social worker will give you the date."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a meeting about your lease will take place before {next_review_by}. Your social worker will give you the date."),
    ),
    "household.lease_slid": Message(
        subject=_("Your lease is in your name"),
        body=_("Good news. Your lease is now in your name. You are the tenant of your home.\n\nYou pay the rent to the owner."),
    ),
    "association.conversation_handed_over": Message(
        subject=_("A household asks for your help"),
        body=_(
            "A household you support handed its conversation with Abri's assistant to your association: the assistant could "
            "not answer it, or the household wants a person. Read the conversation in Abri and get back to the household."
        ),
    ),
    "association.conversation_handed_over_urgent": Message(
        subject=_("Urgent: a household asks for your help"),
        body=_(
            "A household you support wrote to Abri's assistant about an urgency ({categories}) and handed the conversation to "
            "your association. The emergency numbers were shown to it at once. Read the conversation in Abri and contact the "
            "household as soon as you can."
        ),
        # TRANSLATORS: an SMS: at most 160 characters, dates written out in full.
        sms=_("Abri: a household you support signalled an urgency to the assistant and asks for your help. Open Abri now."),
    ),
    "association.tell_household": Message(
        subject=_("Tell the household"),
        body=_(
            "Abri cannot tell the household of this placement itself: it has no account, or it did not agree to be contacted."
            "\n\nPlease tell it in person: {step}."
        ),
    ),
}
"""Every message in English: template key → :class:`Message`."""

HOME_KINDS: Mapping[str | None, str] = {
    "studio": _("a studio in {place}"),
    "apartment": _("an apartment in {place}"),
    "house": _("a house in {place}"),
    "room": _("a room in {place}"),
    None: _("a home in {place}"),
}
"""A home named in words by its kind, ``{place}`` being its commune and postal code ("Paris (75011)"):
``homes.py``."""

HOME_LINE = _("The home: {home}")
"""The line below a message that names the home it is about."""
OPEN_LINE = _("Open in Abri: {url}")
"""The line below an e-mail that links to the page where its reader acts (``links.py``)."""

REASONS: Mapping[str, str] = {
    # declined proposals (matching)
    "unit_no_longer_available": _("the home is no longer available"),
    "prefers_another_proposal": _("the owner chose another proposal"),
    "guarantee_insufficient": _("the guarantee is not enough for the owner"),
    "other": _("another reason"),
    # placements that fell through (matching)
    "owner_withdrew": _("the owner withdrew"),
    "household_withdrew": _("the household withdrew"),
    "consent_withdrawn": _("the household withdrew its consent"),
    "household_erased": _("the household's data were erased"),
    "guarantee_refused": _("the guarantee was refused"),
    "lease_not_signed_in_time": _("the lease was not signed in time"),
    # revoked visas (guarantees)
    "fraud": _("fraud"),
    "error": _("an error in the file"),
    "file_withdrawn": _("the file was withdrawn"),
    "placement_ended": _("the letting stopped"),
    # refused activations (guarantees)
    "visa_revoked": _("the visa was revoked"),
    "visa_expired": _("the visa has expired"),
    "lease_signed_before_visa": _("the lease was signed before the visa"),
    "lease_signed_before_majority": _("the lease was signed before the tenant's 18th birthday"),
    "lease_signed_after_deadline": _("the lease was signed after the deadline"),
    "rent_above_visa_max": _("the rent is above the visa's maximum"),
    # the funds' eligibility rules (guarantees: pre-check failures and rejections)
    "age_or_situation": _("age or situation outside the fund's criteria"),
    "close_family": _("close family ties between owner and tenant"),
    "rent_cap": _("rent above the cap"),
    "student_rent_cap": _("rent above the student cap"),
    "rent_burden": _("rent too high for the resources"),
    "energy_class": _("energy class of the home not accepted"),
    "departement": _("département not covered by the fund"),
    # the funds' review reasons (guarantees: rejections)
    "documents_missing": _("documents missing"),
    "documents_inconsistent": _("documents inconsistent"),
    "resources_not_proven": _("resources not proven"),
    "situation_not_proven": _("situation not proven"),
    "already_guaranteed": _("already covered by a guarantee"),
    "information_not_provided": _("requested information not provided"),
    # rejected claims (guarantees)
    "declaration_late": _("claim made too late"),
    "formal_notice_missing": _("formal notice missing"),
    "not_covered": _("unpaid rent not covered by the guarantee"),
    "amounts_not_proven": _("amounts not proven"),
    "duplicate": _("duplicate claim"),
}
"""Coded reasons of every event, in words (one vocabulary: a code means the same wherever it appears)."""

RULES: Mapping[str, str] = {
    # listings' publishing rules (domain/rules.py), which may return a published unit to draft
    "energy_letting_ban": _("a letting ban applies to its energy class"),
    "final_energy_decency": _("its final energy use is above the decency limit"),
    "minimum_size": _("its surface or ceiling height is below the minimum"),
    "coherent_energy_class": _("its energy class does not match its energy figures"),
    "coherent_numbers": _("some of its figures are not consistent"),
    "deposit_cap": _("the deposit is above the legal cap"),
    "dpe_validity": _("its energy diagnosis (DPE) is no longer valid"),
    "intermediated_letting_unfurnished": _("intermediated letting is for unfurnished homes"),
    "intermediated_letting_rooms": _("its number of rooms does not fit intermediated letting"),
    "loc_avantages_unfurnished": _("Loc'Avantages is for unfurnished homes"),
    "loc_avantages_energy": _("its energy class is not accepted by Loc'Avantages"),
    "loc_avantages_intermediary": _("this Loc'Avantages level needs an intermediary"),
    "loc_avantages_reference_rent": _("no Loc'Avantages reference rent is known for its commune"),
    "loc_avantages_rent": _("its rent is above the Loc'Avantages ceiling"),
    # the official commune table (abri_kit.communes), which listings holds published units to as well
    "commune_merged": _("its commune has merged into another: choose the new commune"),
    "commune_unknown": _("its commune is not in the official table"),
    "postal_code_mismatch": _("its postal code is not one of its commune's"),
}
"""Listings' rules that refused a unit, in words (a rule listings adds before this table knows it is shown as its id)."""

CODES: Mapping[str, Mapping[str, str]] = {
    "reason": REASONS,
    "reasons": REASONS,
    "failed_rules": REASONS,
    "rules": RULES,
    "overseas": {  # which calendar of the letting bans (loi 2021-1104, art. 160) a unit's commune follows
        "true": _("calendar of the overseas départements"),
        "false": _("calendar of mainland France"),
    },
    "outcome": {
        "continue": _("the sliding lease continues until the next review"),
        "ready_to_slide": _("the household is ready: the lease can pass to its name"),
    },
    "step": {  # what the association passes on to a household that cannot be told (routing.PASS_ON)
        "household.home_proposed": _("a home is proposed to it, and the owner will answer"),
        "household.owner_accepted": _("the owner said yes, and the home is kept for it"),
        "household.owner_declined": _("the owner said no; it is not the household's fault"),
        "household.guarantee_granted": _("the fund accepts to guarantee its rent"),
        "household.guarantee_refused": _("the fund does not accept to guarantee its rent"),
        "household.lease_signed": _("its lease is signed, and the day it starts"),
        "household.sliding_review_due": _("the meeting about its sliding lease is due soon"),
        "household.lease_slid": _("its lease is now in its name"),
    },
    "categories": {  # the kinds of urgency the assistant recognises (abri_contracts.assistant.UrgencyCategory)
        "eviction_now": _("an eviction now"),
        "no_shelter": _("no place to sleep"),
        "violence": _("violence"),
        "child_in_danger": _("a child in danger"),
        "suicide": _("thoughts of suicide"),
        "health": _("a health emergency"),
    },
    "guarantee_required": {
        "true": _("A rent guarantee will be requested from a fund."),
        "false": _("No rent guarantee is planned."),
    },
    "resources_band": {  # the bands of matching's resources_band()
        "under 800 €": _("under €800"),
        "800 to 1,200 €": _("€800 to €1,200"),
        "1,200 to 1,800 €": _("€1,200 to €1,800"),
        "1,800 to 2,500 €": _("€1,800 to €2,500"),
        "2,500 € or more": _("€2,500 or more"),
    },
}
"""Fields whose values are codes, shown in words: field → code → phrase (booleans as ``"true"`` /
``"false"``)."""
