"""The message catalogue, as data, and its rendering in the reader's language. Pure.

Each template key (``<reader>.<what happened>``, see ``routing``) has, per language, a short subject, a
short body in plain words and, for the few messages that ask for an action, an SMS text. French is the
default; English, Arabic (right to left) and Ukrainian follow. Placeholders are ``{name}``: a plain
field name, nothing else (no attribute access, index, conversion or format spec: checked when the module
loads), filled from the event's data (the contract model's ``model_dump()``, Python values, not JSON).

Subjects have no placeholders: they show in inbox lists and on locked screens. SMS texts carry at most a
date (``minimisation``). Values are formatted for the reader's language with Babel:

- ``date`` → long date (``format_date(..., format="long")``: "29 mars 2026");
- aware ``datetime`` → long date and short time in the reader's zone ("31 mars 2026, 10:00");
- ``int`` in a field named ``*_cents`` → an amount in euros (``format_currency``, exact ``Decimal``);
- other ``int`` → a number; ``str``, ``UUID`` → as given;
- a coded field (:data:`CODES`: reasons, outcomes, bands) → its phrase in the language (a list → a
  list in words, "a, b et c"); a code not in the table is shown as it is (a producer may add a code
  before the catalogue knows it; a code is never personal data).

A value missing for a placeholder (or ``None``) raises :class:`MissingValue`: the service treats it as a
bug, never sends a message with a hole in it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from string import Formatter
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("fr", "en", "ar", "uk")
DEFAULT_LANGUAGE = "fr"
LOCALES: Mapping[str, str] = {"fr": "fr_FR", "en": "en_GB", "ar": "ar", "uk": "uk_UA"}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_ZONE = "Europe/Paris"
SMS_MAX_CHARS = 160
"""One SMS of the GSM alphabet. Arabic and Cyrillic texts travel as UCS-2 (70 characters a segment), so
the provider may split them; the limit keeps every text short in any case."""
CURRENCY = "EUR"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    INBOX = "inbox"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class Message:
    """One template in one language."""

    subject: str
    body: str
    sms: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A message ready for a channel: ``text`` is what the channel sends as plain text (the body, or the
    SMS text on the SMS channel), ``html`` the same text escaped in ``<p dir lang>`` paragraphs."""

    subject: str
    text: str
    html: str
    sms: str | None
    direction: Literal["ltr", "rtl"]
    language: str


class TemplateError(Exception):
    """A template that cannot be rendered as asked: a bug in the catalogue or in its caller."""


class UnknownTemplate(TemplateError):
    def __init__(self, template: str) -> None:
        super().__init__(f"no template {template!r} in the catalogue")
        self.template = template


class MissingValue(TemplateError):
    def __init__(self, template: str, language: str, field: str) -> None:
        super().__init__(f"template {template!r} ({language}) needs a value for {field!r}")
        self.template = template
        self.language = language
        self.field = field


def _t(fr: str, en: str, ar: str, uk: str) -> Mapping[str, str]:
    return {"fr": fr, "en": en, "ar": ar, "uk": uk}


REASONS: Mapping[str, Mapping[str, str]] = {
    # declined proposals (matching)
    "unit_no_longer_available": _t(
        "le logement n'est plus disponible", "the home is no longer available", "المسكن لم يعد متاحًا", "житло більше не доступне"
    ),
    "prefers_another_proposal": _t(
        "le propriétaire a retenu une autre proposition",
        "the owner chose another proposal",
        "اختار المالك اقتراحًا آخر",
        "власник обрав іншу пропозицію",
    ),
    "guarantee_insufficient": _t(
        "la garantie ne suffit pas au propriétaire",
        "the guarantee is not enough for the owner",
        "الضمان غير كافٍ للمالك",
        "гарантії недостатньо для власника",
    ),
    "other": _t("autre motif", "another reason", "سبب آخر", "інша причина"),
    # placements that fell through (matching)
    "owner_withdrew": _t("le propriétaire s'est retiré", "the owner withdrew", "انسحب المالك", "власник відмовився"),
    "household_withdrew": _t("le ménage s'est retiré", "the household withdrew", "انسحبت الأسرة", "домогосподарство відмовилося"),
    "guarantee_refused": _t("la garantie a été refusée", "the guarantee was refused", "رُفض الضمان", "у гарантії відмовлено"),
    "lease_not_signed_in_time": _t(
        "le bail n'a pas été signé à temps",
        "the lease was not signed in time",
        "لم يُوقَّع عقد الإيجار في الوقت المحدد",
        "договір оренди не підписали вчасно",
    ),
    # revoked visas (guarantees)
    "fraud": _t("fraude", "fraud", "احتيال", "шахрайство"),
    "error": _t("erreur dans le dossier", "an error in the file", "خطأ في الملف", "помилка в заявці"),
    "file_withdrawn": _t("le dossier a été retiré", "the file was withdrawn", "تم سحب الملف", "заявку відкликано"),
    "placement_ended": _t("le projet de location s'est arrêté", "the letting stopped", "توقف مشروع الإيجار", "оренду зупинено"),
    # refused activations (guarantees)
    "visa_revoked": _t("le visa a été révoqué", "the visa was revoked", "أُلغيت التأشيرة", "візу відкликано"),
    "visa_expired": _t("le visa a expiré", "the visa has expired", "انتهت صلاحية التأشيرة", "термін дії візи минув"),
    "lease_signed_before_visa": _t(
        "le bail a été signé avant le visa",
        "the lease was signed before the visa",
        "وُقّع العقد قبل التأشيرة",
        "договір підписали до отримання візи",
    ),
    "lease_signed_after_deadline": _t(
        "le bail a été signé après la date limite",
        "the lease was signed after the deadline",
        "وُقّع العقد بعد الموعد النهائي",
        "договір підписали після кінцевого терміну",
    ),
    "rent_above_visa_max": _t(
        "le loyer dépasse le maximum du visa",
        "the rent is above the visa's maximum",
        "الإيجار أعلى من الحد الأقصى للتأشيرة",
        "орендна плата перевищує максимум візи",
    ),
    # the funds' eligibility rules (guarantees: pre-check failures and rejections)
    "age_or_situation": _t(
        "âge ou situation hors des critères du fonds",
        "age or situation outside the fund's criteria",
        "العمر أو الوضع خارج معايير الصندوق",
        "вік або ситуація поза критеріями фонду",
    ),
    "close_family": _t(
        "lien de famille proche entre propriétaire et locataire",
        "close family ties between owner and tenant",
        "قرابة عائلية قريبة بين المالك والمستأجر",
        "близька спорідненість між власником і орендарем",
    ),
    "rent_cap": _t("loyer au-dessus du plafond", "rent above the cap", "الإيجار أعلى من السقف", "орендна плата вища за ліміт"),
    "student_rent_cap": _t(
        "loyer au-dessus du plafond étudiant",
        "rent above the student cap",
        "الإيجار أعلى من سقف الطلاب",
        "орендна плата вища за студентський ліміт",
    ),
    "rent_burden": _t(
        "taux d'effort trop élevé",
        "rent too high for the resources",
        "الإيجار مرتفع جدًا مقارنة بالموارد",
        "оренда зависока порівняно з доходом",
    ),
    "energy_class": _t(
        "classe énergie du logement non acceptée",
        "energy class of the home not accepted",
        "فئة الطاقة للمسكن غير مقبولة",
        "енергетичний клас житла не прийнятний",
    ),
    "departement": _t(
        "département non couvert par le fonds",
        "département not covered by the fund",
        "المقاطعة غير مشمولة بالصندوق",
        "департамент не охоплений фондом",
    ),
    # the funds' review reasons (guarantees: rejections)
    "documents_missing": _t("pièces manquantes", "documents missing", "وثائق ناقصة", "бракує документів"),
    "documents_inconsistent": _t("pièces incohérentes", "documents inconsistent", "وثائق غير متطابقة", "документи не узгоджуються"),
    "resources_not_proven": _t("ressources non justifiées", "resources not proven", "الموارد غير مثبتة", "дохід не підтверджено"),
    "situation_not_proven": _t("situation non justifiée", "situation not proven", "الوضع غير مثبت", "ситуацію не підтверджено"),
    "already_guaranteed": _t("déjà couvert par une garantie", "already covered by a guarantee", "مشمول بضمان آخر مسبقًا", "уже є гарантія"),
    "information_not_provided": _t(
        "informations demandées non fournies",
        "requested information not provided",
        "المعلومات المطلوبة لم تُقدَّم",
        "запитану інформацію не надано",
    ),
    # rejected claims (guarantees)
    "declaration_late": _t("déclaration trop tardive", "claim made too late", "تصريح متأخر", "заяву подано запізно"),
    "formal_notice_missing": _t(
        "mise en demeure manquante", "formal notice missing", "الإنذار الرسمي غير موجود", "немає офіційної вимоги про сплату"
    ),
    "not_covered": _t(
        "impayé non couvert par la garantie",
        "unpaid rent not covered by the guarantee",
        "الإيجار غير المدفوع غير مشمول بالضمان",
        "несплата не покривається гарантією",
    ),
    "amounts_not_proven": _t("montants non justifiés", "amounts not proven", "المبالغ غير مثبتة", "суми не підтверджено"),
    "duplicate": _t("déclaration en double", "duplicate claim", "تصريح مكرر", "повторна заява"),
}
"""Coded reasons of every event, in words (one vocabulary: a code means the same wherever it appears)."""

CODES: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "reason": REASONS,
    "reasons": REASONS,
    "failed_rules": REASONS,
    "outcome": {
        "continue": _t(
            "le bail glissant continue jusqu'au prochain point",
            "the sliding lease continues until the next review",
            "يستمر عقد الإيجار الانزلاقي حتى المراجعة القادمة",
            "«ковзна» оренда триває до наступного перегляду",
        ),
        "ready_to_slide": _t(
            "le ménage est prêt : le bail peut glisser à son nom",
            "the household is ready: the lease can pass to its name",
            "الأسرة جاهزة: يمكن نقل العقد إلى اسمها",
            "домогосподарство готове: договір можна переоформити на нього",
        ),
    },
    "guarantee_required": {
        "true": _t(
            "Une garantie des loyers sera demandée à un fonds.",
            "A rent guarantee will be requested from a fund.",
            "سيُطلب ضمان للإيجار من صندوق ضمان.",
            "Буде запитано гарантію оплати оренди від фонду.",
        ),
        "false": _t(
            "Pas de garantie des loyers prévue.",
            "No rent guarantee is planned.",
            "لا يوجد ضمان إيجار مُخطط له.",
            "Гарантія оплати оренди не передбачена.",
        ),
    },
    "resources_band": {  # the bands of matching's resources_band()
        "under 800 €": _t("moins de 800 €", "under €800", "أقل من 800 €", "менше 800 €"),
        "800 to 1,200 €": _t("de 800 à 1 200 €", "€800 to €1,200", "من 800 إلى 1200 €", "від 800 до 1 200 €"),
        "1,200 to 1,800 €": _t("de 1 200 à 1 800 €", "€1,200 to €1,800", "من 1200 إلى 1800 €", "від 1 200 до 1 800 €"),
        "1,800 to 2,500 €": _t("de 1 800 à 2 500 €", "€1,800 to €2,500", "من 1800 إلى 2500 €", "від 1 800 до 2 500 €"),
        "2,500 € or more": _t("2 500 € ou plus", "€2,500 or more", "2500 € أو أكثر", "2 500 € або більше"),
    },
}
"""Fields whose values are codes, shown in words: field → code → language → phrase (booleans as
``"true"`` / ``"false"``)."""

CATALOGUE: Mapping[str, Mapping[str, Message]] = {
    # --- owners ---------------------------------------------------------------------------------------
    "owner.unit_published": {
        "fr": Message(
            "Votre logement est en ligne",
            "Votre logement ({postal_code}) est publié sur Abri. Les associations peuvent maintenant vous proposer un ménage, "
            "pour une entrée à partir du {available_from}.\n\nNous vous prévenons à chaque proposition.",
        ),
        "en": Message(
            "Your home is online",
            "Your home ({postal_code}) is published on Abri. Associations can now propose a household to you, "
            "to move in from {available_from}.\n\nWe will tell you about every proposal.",
        ),
        "ar": Message(
            "مسكنك منشور الآن",
            "تم نشر مسكنك ({postal_code}) على Abri. يمكن للجمعيات الآن أن تقترح عليك أسرة تسكن فيه ابتداءً من {available_from}."
            "\n\nسنُعلمك بكل اقتراح.",
        ),
        "uk": Message(
            "Ваше житло опубліковано",
            "Ваше житло ({postal_code}) опубліковано на Abri. Заселення можливе з {available_from}, і вже зараз асоціації "
            "можуть запропонувати вам домогосподарство.\n\nМи повідомимо вас про кожну пропозицію.",
        ),
    },
    "owner.unit_updated": {
        "fr": Message(
            "Vos modifications sont en ligne",
            "Les informations de votre logement ({postal_code}) ont été mises à jour sur Abri."
            "\n\nSi ce n'est pas vous, contactez l'équipe Abri.",
        ),
        "en": Message(
            "Your changes are online",
            "The details of your home ({postal_code}) were updated on Abri.\n\nIf this was not you, please contact the Abri team.",
        ),
        "ar": Message("تم نشر تعديلاتك", "تم تحديث معلومات مسكنك ({postal_code}) على Abri.\n\nإذا لم تقم بهذا التعديل، اتصل بفريق Abri."),
        "uk": Message(
            "Ваші зміни опубліковано",
            "Інформацію про ваше житло ({postal_code}) оновлено на Abri.\n\nЯкщо це були не ви, зверніться до команди Abri.",
        ),
    },
    "owner.unit_withdrawn": {
        "fr": Message(
            "Votre logement est retiré",
            "Votre logement a été retiré d'Abri. Les associations ne le voient plus.\n\nSi ce n'est pas vous, contactez l'équipe Abri.",
        ),
        "en": Message(
            "Your home is withdrawn",
            "Your home was withdrawn from Abri. Associations no longer see it.\n\nIf this was not you, please contact the Abri team.",
        ),
        "ar": Message("تم سحب مسكنك", "تم سحب مسكنك من Abri. لم تعد الجمعيات تراه.\n\nإذا لم تقم بذلك، اتصل بفريق Abri."),
        "uk": Message(
            "Ваше житло знято з публікації",
            "Ваше житло знято з Abri. Асоціації більше його не бачать.\n\nЯкщо це були не ви, зверніться до команди Abri.",
        ),
    },
    "owner.placement_proposed": {
        "fr": Message(
            "Un ménage vous est proposé",
            "Une association vous propose un ménage pour votre logement.\n\nNombre de personnes : {household_size}. "
            "Ressources par mois : {resources_band}. {guarantee_required}\n\nRépondez dans Abri avant le {answer_by}. "
            "L'identité du ménage vous est donnée seulement si vous acceptez.",
            "Abri : un ménage vous est proposé. Répondez sur Abri avant le {answer_by}.",
        ),
        "en": Message(
            "A household is proposed to you",
            "An association proposes a household for your home.\n\nNumber of people: {household_size}. "
            "Monthly resources: {resources_band}. {guarantee_required}\n\nPlease answer in Abri before {answer_by}. "
            "You will learn who the household is only if you accept.",
            "Abri: a household is proposed for your home. Please answer on Abri before {answer_by}.",
        ),
        "ar": Message(
            "اقتراح أسرة لمسكنك",
            "تقترح عليك جمعية أسرة لمسكنك.\n\nعدد الأفراد: {household_size}. الموارد الشهرية: {resources_band}. "
            "{guarantee_required}\n\nيرجى الرد على Abri قبل {answer_by}. لن تعرف هوية الأسرة إلا إذا قبلت الاقتراح.",
            "Abri: اقتراح أسرة لمسكنك. يرجى الرد على Abri قبل {answer_by}.",
        ),
        "uk": Message(
            "Вам пропонують домогосподарство",
            "Асоціація пропонує домогосподарство для вашого житла.\n\nКількість осіб: {household_size}. "
            "Дохід на місяць: {resources_band}. {guarantee_required}\n\nДайте відповідь в Abri до {answer_by}. "
            "Хто ці люди, ви дізнаєтеся, лише якщо погодитеся.",
            "Abri: для вашого житла є пропозиція. Дайте відповідь в Abri до {answer_by}.",
        ),
    },
    "owner.placement_withdrawn": {
        "fr": Message(
            "La proposition est retirée",
            "L'association a retiré sa proposition pour votre logement. Vous n'avez rien à faire."
            "\n\nVotre logement reste visible des associations.",
        ),
        "en": Message(
            "The proposal is withdrawn",
            "The association withdrew its proposal for your home. You have nothing to do.\n\nYour home stays visible to associations.",
        ),
        "ar": Message("تم سحب الاقتراح", "سحبت الجمعية اقتراحها لمسكنك. لا يلزمك أي إجراء.\n\nيبقى مسكنك ظاهرًا للجمعيات."),
        "uk": Message(
            "Пропозицію відкликано",
            "Асоціація відкликала свою пропозицію щодо вашого житла. Вам нічого не потрібно робити.\n\nВаше житло й далі бачать асоціації.",
        ),
    },
    "owner.placement_expired": {
        "fr": Message(
            "La proposition a expiré",
            "La proposition pour votre logement a expiré sans réponse de votre part.\n\n"
            "Votre logement reste visible des associations, qui peuvent vous faire d'autres propositions.",
        ),
        "en": Message(
            "The proposal has expired",
            "The proposal for your home expired without your answer."
            "\n\nYour home stays visible to associations, who can make you other proposals.",
        ),
        "ar": Message(
            "انتهت مهلة الاقتراح",
            "انتهت مهلة الاقتراح الخاص بمسكنك دون رد منك.\n\nيبقى مسكنك ظاهرًا للجمعيات، ويمكنها أن تقدم لك اقتراحات أخرى.",
        ),
        "uk": Message(
            "Термін пропозиції минув",
            "Термін пропозиції щодо вашого житла минув без вашої відповіді.\n\n"
            "Ваше житло й далі бачать асоціації, і вони можуть надіслати вам інші пропозиції.",
        ),
    },
    "owner.unit_reserved": {
        "fr": Message(
            "Votre logement est réservé",
            "Vous avez accepté la proposition : votre logement ({postal_code}) est réservé pour ce ménage et n'apparaît plus "
            "dans les recherches.\n\nL'association vous contacte pour la suite : la garantie si besoin, puis la signature du bail.",
        ),
        "en": Message(
            "Your home is reserved",
            "You accepted the proposal: your home ({postal_code}) is reserved for this household and no longer appears in searches."
            "\n\nThe association will contact you for the next steps: the guarantee if needed, then signing the lease.",
        ),
        "ar": Message(
            "مسكنك محجوز",
            "لقد قبلت الاقتراح: مسكنك ({postal_code}) محجوز لهذه الأسرة ولم يعد يظهر في البحث.\n\n"
            "ستتصل بك الجمعية للخطوات التالية: الضمان إذا لزم، ثم توقيع عقد الإيجار.",
        ),
        "uk": Message(
            "Ваше житло заброньовано",
            "Ви прийняли пропозицію: ваше житло ({postal_code}) заброньовано для цього домогосподарства, і воно більше "
            "не з’являється в пошуку.\n\nАсоціація зв’яжеться з вами щодо наступних кроків: гарантія, якщо потрібно, "
            "потім підписання договору оренди.",
        ),
    },
    "owner.unit_republished": {
        "fr": Message(
            "Votre logement est de nouveau proposé",
            "Le projet de location n'a pas abouti. Votre logement ({postal_code}) est de nouveau visible des associations, "
            "qui peuvent vous proposer un autre ménage.",
        ),
        "en": Message(
            "Your home is offered again",
            "The letting did not go ahead. Your home ({postal_code}) is visible to associations again, "
            "and they can propose another household to you.",
        ),
        "ar": Message(
            "مسكنك معروض من جديد",
            "لم يكتمل مشروع الإيجار. أصبح مسكنك ({postal_code}) ظاهرًا للجمعيات من جديد، ويمكنها أن تقترح عليك أسرة أخرى.",
        ),
        "uk": Message(
            "Ваше житло знову пропонується",
            "Оренда не відбулася. Ваше житло ({postal_code}) знову бачать асоціації, і вони можуть запропонувати вам "
            "інше домогосподарство.",
        ),
    },
    "owner.unit_let": {
        "fr": Message(
            "Votre logement est loué", "Le bail est signé : votre logement ({postal_code}) est loué.\n\nMerci de loger un ménage avec Abri."
        ),
        "en": Message(
            "Your home is let", "The lease is signed: your home ({postal_code}) is let.\n\nThank you for housing a household with Abri."
        ),
        "ar": Message("تم تأجير مسكنك", "تم توقيع عقد الإيجار: مسكنك ({postal_code}) مؤجَّر الآن.\n\nشكرًا لإسكانك أسرة مع Abri."),
        "uk": Message(
            "Ваше житло здано в оренду",
            "Договір оренди підписано: ваше житло ({postal_code}) здано.\n\nДякуємо, що надаєте житло разом з Abri.",
        ),
    },
    "owner.lease_slid": {
        "fr": Message(
            "Le bail est au nom du ménage",
            "Le bail glissant de votre logement a glissé : le ménage devient votre locataire, à son nom. "
            "L'association n'est plus locataire.\n\nOuvrez Abri pour voir le détail.",
        ),
        "en": Message(
            "The lease is in the household's name",
            "The sliding lease of your home has passed to the household: it is now your tenant, in its own name. "
            "The association is no longer the tenant.\n\nOpen Abri to see the details.",
        ),
        "ar": Message(
            "عقد الإيجار أصبح باسم الأسرة",
            "انتقل عقد الإيجار الانزلاقي لمسكنك إلى الأسرة: أصبحت الأسرة مستأجرتك المباشرة، والعقد باسمها. لم تعد الجمعية هي المستأجرة."
            "\n\nافتح Abri لمعرفة التفاصيل.",
        ),
        "uk": Message(
            "Договір оренди тепер на ім’я домогосподарства",
            "Договір «ковзної» оренди вашого житла перейшов до домогосподарства: тепер воно є вашим орендарем від власного імені. "
            "Асоціація більше не є орендарем.\n\nВідкрийте Abri, щоб побачити деталі.",
        ),
    },
    "owner.guarantee_activated": {
        "fr": Message(
            "La garantie des loyers est active",
            "La garantie des loyers de votre logement est active pour le bail signé le {lease_signed_on}. "
            "Elle couvre un loyer de {rent_and_charges_cents} par mois, charges comprises.\n\nEn cas d'impayé, déclarez-le dans Abri.",
        ),
        "en": Message(
            "The rent guarantee is active",
            "The rent guarantee for your home is active for the lease signed on {lease_signed_on}. "
            "It covers rent of {rent_and_charges_cents} a month, charges included.\n\nIf rent goes unpaid, report it in Abri.",
        ),
        "ar": Message(
            "ضمان الإيجار مفعّل",
            "ضمان الإيجار لمسكنك مفعّل لعقد الإيجار الموقّع في {lease_signed_on}. يغطي إيجارًا قدره {rent_and_charges_cents} "
            "شهريًا، شاملًا المصاريف.\n\nفي حال عدم دفع الإيجار، صرّح بذلك على Abri.",
        ),
        "uk": Message(
            "Гарантія оплати оренди діє",
            "Для договору, підписаного {lease_signed_on}, діє гарантія оплати оренди вашого житла. Вона покриває орендну плату "
            "{rent_and_charges_cents} на місяць, з урахуванням комунальних платежів.\n\nЯкщо оренду не сплатять, повідомте про це в Abri.",
        ),
    },
    "owner.guarantee_activation_refused": {
        "fr": Message(
            "La garantie n'est pas activée",
            "La garantie des loyers ne peut pas être activée pour votre bail : {reason}."
            "\n\nL'association est prévenue. Ouvrez Abri pour voir la suite.",
        ),
        "en": Message(
            "The guarantee is not active",
            "The rent guarantee cannot be activated for your lease: {reason}."
            "\n\nThe association has been told. Open Abri to see what happens next.",
        ),
        "ar": Message(
            "لم يُفعَّل الضمان", "لا يمكن تفعيل ضمان الإيجار لعقدك: {reason}.\n\nتم إبلاغ الجمعية. افتح Abri لمعرفة الخطوات التالية."
        ),
        "uk": Message(
            "Гарантію не активовано",
            "Гарантію оплати оренди не можна активувати для вашого договору: {reason}.\n\n"
            "Асоціацію повідомлено. Відкрийте Abri, щоб дізнатися, що далі.",
        ),
    },
    "owner.guarantee_ended": {
        "fr": Message(
            "Fin de la garantie des loyers",
            "La garantie des loyers de votre logement prend fin le {ended_on}, avec la fin de la location. "
            "Elle couvre les loyers dus jusqu'à cette date.",
        ),
        "en": Message(
            "End of the rent guarantee",
            "The rent guarantee for your home ends on {ended_on}, with the end of the tenancy. It covers rent due up to that date.",
        ),
        "ar": Message(
            "انتهاء ضمان الإيجار",
            "ينتهي ضمان الإيجار لمسكنك في {ended_on} مع انتهاء الإيجار. وهو يغطي الإيجارات المستحقة حتى هذا التاريخ.",
        ),
        "uk": Message(
            "Завершення гарантії оплати оренди",
            "Гарантія оплати оренди вашого житла завершується {ended_on} разом із закінченням оренди. "
            "Вона покриває орендну плату, що припадає до цієї дати.",
        ),
    },
    "owner.claim_validated": {
        "fr": Message(
            "Votre déclaration d'impayé est validée",
            "Le fonds de garantie a validé votre déclaration d'impayé. Montant à vous verser : {payable_cents}.\n\n"
            "Pour être payé, envoyez la quittance subrogative depuis Abri.",
        ),
        "en": Message(
            "Your unpaid-rent claim is validated",
            "The guarantee fund validated your unpaid-rent claim. Amount to be paid to you: {payable_cents}.\n\n"
            "To be paid, send the subrogation receipt from Abri.",
        ),
        "ar": Message(
            "تم قبول تصريحك بالإيجار غير المدفوع",
            "قبل صندوق الضمان تصريحك بالإيجار غير المدفوع. المبلغ الذي سيُدفع لك: {payable_cents}.\n\n"
            "لكي تحصل على المبلغ، أرسل إيصال الحلول من Abri.",
        ),
        "uk": Message(
            "Вашу заяву про несплату підтверджено",
            "Гарантійний фонд підтвердив вашу заяву про несплату оренди. Сума до виплати вам: {payable_cents}.\n\n"
            "Щоб отримати виплату, надішліть квитанцію про суброгацію через Abri.",
        ),
    },
    "owner.claim_paid": {
        "fr": Message("Le fonds vous a payé", "Le fonds de garantie vous a versé {amount_cents} pour votre déclaration d'impayé."),
        "en": Message("The fund has paid you", "The guarantee fund paid you {amount_cents} for your unpaid-rent claim."),
        "ar": Message("دفع لك الصندوق", "دفع لك صندوق الضمان {amount_cents} عن تصريحك بالإيجار غير المدفوع."),
        "uk": Message("Фонд здійснив виплату", "Гарантійний фонд виплатив вам {amount_cents} за вашою заявою про несплату оренди."),
    },
    "owner.claim_rejected": {
        "fr": Message(
            "Votre déclaration d'impayé est refusée",
            "Le fonds de garantie a refusé votre déclaration d'impayé. Motifs : {reasons}.\n\nOuvrez Abri pour voir le détail.",
        ),
        "en": Message(
            "Your unpaid-rent claim is rejected",
            "The guarantee fund rejected your unpaid-rent claim. Reasons: {reasons}.\n\nOpen Abri to see the details.",
        ),
        "ar": Message(
            "تم رفض تصريحك بالإيجار غير المدفوع",
            "رفض صندوق الضمان تصريحك بالإيجار غير المدفوع. الأسباب: {reasons}.\n\nافتح Abri لمعرفة التفاصيل.",
        ),
        "uk": Message(
            "Вашу заяву про несплату відхилено",
            "Гарантійний фонд відхилив вашу заяву про несплату оренди. Причини: {reasons}.\n\nВідкрийте Abri, щоб побачити деталі.",
        ),
    },
    "owner.daily_digest": {
        "fr": Message(
            "Votre résumé Abri", "Voici les nouvelles depuis votre dernier résumé :\n\n{items}\n\nOuvrez Abri pour voir le détail."
        ),
        "en": Message("Your Abri summary", "Here is what happened since your last summary:\n\n{items}\n\nOpen Abri to see the details."),
        "ar": Message("ملخصك من Abri", "إليك ما حدث منذ آخر ملخص:\n\n{items}\n\nافتح Abri لمعرفة التفاصيل."),
        "uk": Message(
            "Ваш підсумок Abri", "Ось що сталося від вашого останнього підсумку:\n\n{items}\n\nВідкрийте Abri, щоб побачити деталі."
        ),
    },
    # --- associations ---------------------------------------------------------------------------------
    "association.placement_accepted": {
        "fr": Message(
            "Proposition acceptée",
            "Le propriétaire a accepté votre proposition. Le logement est réservé pour le ménage.\n\n"
            "Prochaines étapes : la garantie si elle est demandée, puis la signature du bail.",
            "Abri : le propriétaire a accepté votre proposition. Ouvrez Abri pour la suite.",
        ),
        "en": Message(
            "Proposal accepted",
            "The owner accepted your proposal. The home is reserved for the household.\n\n"
            "Next steps: the guarantee if one is requested, then signing the lease.",
            "Abri: the owner accepted your proposal. Open Abri for the next steps.",
        ),
        "ar": Message(
            "تم قبول الاقتراح",
            "قبل المالك اقتراحك. المسكن محجوز للأسرة.\n\nالخطوات التالية: الضمان إذا طُلب، ثم توقيع عقد الإيجار.",
            "Abri: قبل المالك اقتراحك. افتح Abri للخطوات التالية.",
        ),
        "uk": Message(
            "Пропозицію прийнято",
            "Власник прийняв вашу пропозицію. Житло заброньовано для домогосподарства.\n\n"
            "Наступні кроки: гарантія, якщо її запитано, потім підписання договору оренди.",
            "Abri: власник прийняв вашу пропозицію. Відкрийте Abri, щоб дізнатися, що далі.",
        ),
    },
    "association.placement_declined": {
        "fr": Message(
            "Proposition refusée",
            "Le propriétaire a refusé votre proposition. Motif : {reason}.\n\n"
            "Ce refus est sans conséquence pour le ménage : vous pouvez le proposer pour un autre logement.",
        ),
        "en": Message(
            "Proposal declined",
            "The owner declined your proposal. Reason: {reason}."
            "\n\nThis has no consequence for the household: you can propose it for another home.",
        ),
        "ar": Message(
            "تم رفض الاقتراح",
            "رفض المالك اقتراحك. السبب: {reason}.\n\nلا يترتب على هذا الرفض أي أثر على الأسرة: يمكنك اقتراحها لمسكن آخر.",
        ),
        "uk": Message(
            "Пропозицію відхилено",
            "Власник відхилив вашу пропозицію. Причина: {reason}.\n\n"
            "Це ніяк не шкодить домогосподарству: ви можете запропонувати його для іншого житла.",
        ),
    },
    "association.placement_expired": {
        "fr": Message(
            "Proposition expirée",
            "Le propriétaire n'a pas répondu à temps : votre proposition a expiré."
            "\n\nVous pouvez proposer le ménage pour un autre logement.",
        ),
        "en": Message(
            "Proposal expired",
            "The owner did not answer in time: your proposal has expired.\n\nYou can propose the household for another home.",
        ),
        "ar": Message("انتهت مهلة الاقتراح", "لم يرد المالك في الوقت المحدد: انتهت مهلة اقتراحك.\n\nيمكنك اقتراح الأسرة لمسكن آخر."),
        "uk": Message(
            "Термін пропозиції минув",
            "Власник не відповів вчасно: термін вашої пропозиції минув.\n\nВи можете запропонувати домогосподарство для іншого житла.",
        ),
    },
    "association.placement_fell_through": {
        "fr": Message(
            "Le projet de location s'arrête",
            "Le projet de location s'arrête avant la signature du bail. Motif : {reason}.\n\n"
            "Le logement est remis en ligne. Vous pouvez proposer le ménage pour un autre logement.",
        ),
        "en": Message(
            "The letting has stopped",
            "The letting stopped before the lease was signed. Reason: {reason}.\n\n"
            "The home is online again. You can propose the household for another home.",
        ),
        "ar": Message(
            "توقف مشروع الإيجار",
            "توقف مشروع الإيجار قبل توقيع العقد. السبب: {reason}.\n\nأُعيد نشر المسكن. يمكنك اقتراح الأسرة لمسكن آخر.",
        ),
        "uk": Message(
            "Оренду зупинено",
            "Оренду зупинено до підписання договору. Причина: {reason}.\n\n"
            "Житло знову опубліковано. Ви можете запропонувати домогосподарство для іншого житла.",
        ),
    },
    "association.guarantee_requested": {
        "fr": Message(
            "Garantie à déposer",
            "Le propriétaire a accepté : la location attend maintenant une garantie des loyers.\n\n"
            "Déposez le dossier de garantie auprès d'un fonds dans Abri.",
            "Abri : un dossier de garantie des loyers est à déposer. Ouvrez Abri.",
        ),
        "en": Message(
            "Guarantee to file",
            "The owner accepted: the letting now waits for a rent guarantee.\n\nFile the guarantee with a fund in Abri.",
            "Abri: a rent guarantee file is waiting to be filed. Open Abri.",
        ),
        "ar": Message(
            "ملف ضمان يجب تقديمه",
            "قبل المالك: يحتاج الإيجار الآن إلى ضمان للإيجار.\n\nقدّم ملف الضمان إلى صندوق على Abri.",
            "Abri: يجب تقديم ملف ضمان الإيجار. افتح Abri.",
        ),
        "uk": Message(
            "Потрібно подати гарантію",
            "Власник погодився: тепер для оренди потрібна гарантія оплати.\n\nПодайте заявку на гарантію до фонду в Abri.",
            "Abri: потрібно подати заявку на гарантію оплати оренди. Відкрийте Abri.",
        ),
    },
    "association.lease_signed": {
        "fr": Message("Bail signé", "Le bail est signé. La location commence le {lease_starts_on}."),
        "en": Message("Lease signed", "The lease is signed. The tenancy starts on {lease_starts_on}."),
        "ar": Message("تم توقيع عقد الإيجار", "تم توقيع عقد الإيجار. يبدأ الإيجار في {lease_starts_on}."),
        "uk": Message("Договір оренди підписано", "Договір оренди підписано.\n\nПочаток оренди: {lease_starts_on}"),
    },
    "association.sliding_reviewed": {
        "fr": Message("Point du bail glissant enregistré", "Le point d'étape du bail glissant est enregistré. Conclusion : {outcome}."),
        "en": Message("Sliding lease review recorded", "The review of the sliding lease is recorded. Outcome: {outcome}."),
        "ar": Message("تم تسجيل مراجعة عقد الإيجار الانزلاقي", "تم تسجيل المراجعة الدورية لعقد الإيجار الانزلاقي. النتيجة: {outcome}."),
        "uk": Message("Перегляд «ковзної» оренди записано", "Плановий перегляд договору «ковзної» оренди записано. Висновок: {outcome}."),
    },
    "association.lease_slid": {
        "fr": Message("Le bail a glissé", "Le bail est maintenant au nom du ménage. L'association n'est plus locataire du logement."),
        "en": Message(
            "The lease has slid", "The lease is now in the household's name. The association is no longer the tenant of the home."
        ),
        "ar": Message("انتقل عقد الإيجار إلى الأسرة", "أصبح عقد الإيجار الآن باسم الأسرة. لم تعد الجمعية مستأجرة المسكن."),
        "uk": Message(
            "Договір переоформлено на домогосподарство",
            "Договір оренди тепер на ім’я домогосподарства. Асоціація більше не є орендарем житла.",
        ),
    },
    "association.file_under_review": {
        "fr": Message(
            "Dossier de garantie à l'examen",
            "Le dossier de garantie a passé le contrôle préalable. Le fonds doit répondre avant le {review_deadline}.",
        ),
        "en": Message(
            "Guarantee file under review", "The guarantee file passed the pre-check. The fund must answer before {review_deadline}."
        ),
        "ar": Message("ملف الضمان قيد الدراسة", "اجتاز ملف الضمان الفحص الأولي. يجب أن يرد الصندوق قبل {review_deadline}."),
        "uk": Message(
            "Заявку на гарантію розглядають", "Заявка на гарантію пройшла попередню перевірку. Фонд має відповісти до {review_deadline}."
        ),
    },
    "association.file_ineligible": {
        "fr": Message(
            "Dossier de garantie non recevable",
            "Le dossier de garantie ne remplit pas les règles du fonds : {failed_rules}.\n\n"
            "Ouvrez Abri pour voir le détail et choisir une autre solution.",
        ),
        "en": Message(
            "Guarantee file not eligible",
            "The guarantee file does not meet the fund's rules: {failed_rules}."
            "\n\nOpen Abri to see the details and choose another solution.",
        ),
        "ar": Message(
            "ملف الضمان غير مقبول",
            "ملف الضمان لا يستوفي قواعد الصندوق: {failed_rules}.\n\nافتح Abri لمعرفة التفاصيل واختيار حل آخر.",
        ),
        "uk": Message(
            "Заявка на гарантію не відповідає умовам",
            "Заявка на гарантію не відповідає правилам фонду: {failed_rules}."
            "\n\nВідкрийте Abri, щоб побачити деталі й обрати інше рішення.",
        ),
    },
    "association.file_information_requested": {
        "fr": Message(
            "Le fonds demande des informations",
            "Le fonds demande des informations sur un dossier de garantie.\n\nLisez sa demande et répondez dans Abri.",
            "Abri : le fonds demande des informations sur un dossier de garantie. Ouvrez Abri pour répondre.",
        ),
        "en": Message(
            "The fund asks for information",
            "The fund asks for information about a guarantee file.\n\nRead its request and answer in Abri.",
            "Abri: the fund asks for information about a guarantee file. Open Abri to answer.",
        ),
        "ar": Message(
            "الصندوق يطلب معلومات",
            "يطلب الصندوق معلومات عن ملف ضمان.\n\nاقرأ طلبه وأجب على Abri.",
            "Abri: يطلب الصندوق معلومات عن ملف ضمان. افتح Abri للرد.",
        ),
        "uk": Message(
            "Фонд просить інформацію",
            "Фонд просить додаткову інформацію щодо заявки на гарантію.\n\nПрочитайте запит і дайте відповідь в Abri.",
            "Abri: фонд просить інформацію щодо заявки на гарантію. Відкрийте Abri, щоб відповісти.",
        ),
    },
    "association.file_approved": {
        "fr": Message(
            "Garantie accordée",
            "Le fonds a accordé la garantie des loyers. Elle couvre jusqu'à {max_rent_cents} par mois, charges comprises.\n\n"
            "Le visa est valable jusqu'au {valid_until} : le bail doit être signé avant cette date.",
            "Abri : garantie accordée. Visa valable jusqu'au {valid_until}. Ouvrez Abri.",
        ),
        "en": Message(
            "Guarantee granted",
            "The fund granted the rent guarantee. It covers up to {max_rent_cents} a month, charges included.\n\n"
            "The visa is valid until {valid_until}: the lease must be signed before that date.",
            "Abri: guarantee granted. Visa valid until {valid_until}. Open Abri.",
        ),
        "ar": Message(
            "تمت الموافقة على الضمان",
            "وافق الصندوق على ضمان الإيجار. يغطي حتى {max_rent_cents} شهريًا، شاملًا المصاريف.\n\n"
            "تأشيرة الضمان صالحة حتى {valid_until}: يجب توقيع عقد الإيجار قبل هذا التاريخ.",
            "Abri: تمت الموافقة على الضمان. التأشيرة صالحة حتى {valid_until}. افتح Abri.",
        ),
        "uk": Message(
            "Гарантію надано",
            "Фонд надав гарантію оплати оренди. Вона покриває до {max_rent_cents} на місяць, з урахуванням комунальних платежів.\n\n"
            "Віза гарантії дійсна до {valid_until}: договір оренди треба підписати до цієї дати.",
            "Abri: гарантію надано (віза дійсна до {valid_until}). Відкрийте Abri.",
        ),
    },
    "association.file_rejected": {
        "fr": Message(
            "Garantie refusée", "Le fonds a refusé la garantie des loyers. Motifs : {reasons}.\n\nOuvrez Abri pour voir le détail."
        ),
        "en": Message("Guarantee refused", "The fund refused the rent guarantee. Reasons: {reasons}.\n\nOpen Abri to see the details."),
        "ar": Message("تم رفض الضمان", "رفض الصندوق ضمان الإيجار. الأسباب: {reasons}.\n\nافتح Abri لمعرفة التفاصيل."),
        "uk": Message(
            "У гарантії відмовлено", "Фонд відмовив у гарантії оплати оренди. Причини: {reasons}.\n\nВідкрийте Abri, щоб побачити деталі."
        ),
    },
    "association.visa_revoked": {
        "fr": Message(
            "Visa de garantie révoqué",
            "Le visa de garantie n'est plus valable : {reason}. Il ne peut plus servir à signer un bail."
            "\n\nOuvrez Abri pour voir la suite.",
        ),
        "en": Message(
            "Guarantee visa revoked",
            "The guarantee visa is no longer valid: {reason}. It can no longer be used to sign a lease."
            "\n\nOpen Abri to see what happens next.",
        ),
        "ar": Message(
            "تم إلغاء تأشيرة الضمان",
            "لم تعد تأشيرة الضمان صالحة: {reason}. لم يعد ممكنًا استخدامها لتوقيع عقد إيجار.\n\nافتح Abri لمعرفة الخطوات التالية.",
        ),
        "uk": Message(
            "Візу гарантії відкликано",
            "Віза гарантії більше не дійсна: {reason}. Її вже не можна використати для підписання договору оренди.\n\n"
            "Відкрийте Abri, щоб дізнатися, що далі.",
        ),
    },
    "association.guarantee_activated": {
        "fr": Message("Garantie active", "La garantie des loyers est active pour le bail signé le {lease_signed_on}."),
        "en": Message("Guarantee active", "The rent guarantee is active for the lease signed on {lease_signed_on}."),
        "ar": Message("الضمان مفعّل", "ضمان الإيجار مفعّل لعقد الإيجار الموقّع في {lease_signed_on}."),
        "uk": Message("Гарантія діє", "Для договору, підписаного {lease_signed_on}, діє гарантія оплати оренди."),
    },
    "association.guarantee_activation_refused": {
        "fr": Message(
            "Garantie non activée",
            "La garantie des loyers n'a pas pu être activée : {reason}."
            "\n\nLe propriétaire est prévenu. Ouvrez Abri pour voir les solutions.",
        ),
        "en": Message(
            "Guarantee not activated",
            "The rent guarantee could not be activated: {reason}.\n\nThe owner has been told. Open Abri to see the options.",
        ),
        "ar": Message("تعذّر تفعيل الضمان", "تعذّر تفعيل ضمان الإيجار: {reason}.\n\nتم إبلاغ المالك. افتح Abri لمعرفة الحلول الممكنة."),
        "uk": Message(
            "Гарантію не активовано",
            "Гарантію оплати оренди не вдалося активувати: {reason}."
            "\n\nВласника повідомлено. Відкрийте Abri, щоб побачити можливі рішення.",
        ),
    },
    # --- funds ----------------------------------------------------------------------------------------
    "fund.file_submitted": {
        "fr": Message(
            "Nouveau dossier de garantie à examiner",
            "Un dossier de garantie attend votre décision dans la file. Réponse attendue avant le {review_deadline}.",
        ),
        "en": Message(
            "New guarantee file to review",
            "A guarantee file is waiting for your decision in the queue. Answer expected before {review_deadline}.",
        ),
        "ar": Message("ملف ضمان جديد للدراسة", "ملف ضمان ينتظر قرارك في قائمة الانتظار. الرد مطلوب قبل {review_deadline}."),
        "uk": Message(
            "Нова заявка на гарантію для розгляду",
            "Заявка на гарантію чекає на ваше рішення в черзі. Відповідь очікується до {review_deadline}.",
        ),
    },
    "fund.guarantee_activated": {
        "fr": Message(
            "Garantie activée",
            "Une garantie est active pour un bail signé le {lease_signed_on}, "
            "pour un loyer de {rent_and_charges_cents} par mois, charges comprises.",
        ),
        "en": Message(
            "Guarantee activated",
            "A guarantee is active for a lease signed on {lease_signed_on}, "
            "for rent of {rent_and_charges_cents} a month, charges included.",
        ),
        "ar": Message(
            "تم تفعيل ضمان", "ضمان مفعّل لعقد إيجار موقّع في {lease_signed_on}، لإيجار قدره {rent_and_charges_cents} شهريًا، شاملًا المصاريف."
        ),
        "uk": Message(
            "Гарантію активовано",
            "Гарантія діє для договору оренди, підписаного {lease_signed_on}, з орендною платою {rent_and_charges_cents} на місяць, "
            "з урахуванням комунальних платежів.",
        ),
    },
    "fund.guarantee_ended": {
        "fr": Message("Fin d'une garantie", "Une garantie prend fin le {ended_on}, avec la fin de la location."),
        "en": Message("A guarantee ends", "A guarantee ends on {ended_on}, with the end of the tenancy."),
        "ar": Message("انتهاء ضمان", "ينتهي ضمان في {ended_on} مع انتهاء الإيجار."),
        "uk": Message("Завершення гарантії", "Гарантія завершується {ended_on} разом із закінченням оренди."),
    },
    "fund.claim_filed": {
        "fr": Message(
            "Nouvelle déclaration d'impayé",
            "Un propriétaire déclare un impayé de {arrears_cents}. Montant payable selon les plafonds : {payable_cents}.\n\n"
            "La déclaration attend votre décision.",
        ),
        "en": Message(
            "New unpaid-rent claim",
            "An owner reports unpaid rent of {arrears_cents}. Amount payable under the caps: {payable_cents}."
            "\n\nThe claim is waiting for your decision.",
        ),
        "ar": Message(
            "تصريح جديد بإيجار غير مدفوع",
            "يصرّح مالك بإيجار غير مدفوع قدره {arrears_cents}. المبلغ القابل للدفع حسب السقوف: {payable_cents}.\n\nالتصريح ينتظر قرارك.",
        ),
        "uk": Message(
            "Нова заява про несплату оренди",
            "Власник повідомляє про несплату оренди на суму {arrears_cents}. Сума до виплати в межах лімітів: {payable_cents}.\n\n"
            "Заява чекає на ваше рішення.",
        ),
    },
}
"""Every message: template key → language → :class:`Message`."""

DIGEST_TEMPLATE = "owner.daily_digest"

_FORMATTER = Formatter()


def placeholders(text: str) -> frozenset[str]:
    """The placeholder names of a text; raises :class:`TemplateError` on anything but a plain ``{name}``."""
    names = set()
    for _, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not (name.isidentifier() and name.isascii()) or spec or conversion:
            raise TemplateError(
                f"placeholder {{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} is not a plain name"
            )
        names.add(name)
    return frozenset(names)


def fields_of(template: str, channel: Channel | str) -> frozenset[str]:
    """The placeholders the template uses on a channel (in French, which every language matches)."""
    message = _entries(template)[DEFAULT_LANGUAGE]
    if Channel(channel) is Channel.SMS:
        return placeholders(message.sms) if message.sms is not None else frozenset()
    return placeholders(message.body)


def has_sms(template: str) -> bool:
    """Whether the template has an SMS text (only messages that ask for an action do)."""
    return _entries(template)[DEFAULT_LANGUAGE].sms is not None


def language_of(tag: str | None) -> str:
    """The catalogue language for a language tag (``"fr-FR"``, ``"ar_MA"``, ``"UK"``): its primary
    subtag when the catalogue has it, else French."""
    primary = (tag or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def direction_of(language: str) -> Literal["ltr", "rtl"]:
    return "rtl" if language_of(language) in RIGHT_TO_LEFT else "ltr"


def subject(template: str, language: str | None) -> str:
    """The template's subject in the language (subjects have no placeholders)."""
    return _message(template, language_of(language)).subject


def render(template: str, language: str | None, values: Mapping[str, Any], channel: Channel | str, *, zone: str = DEFAULT_ZONE) -> Rendered:
    """The template in the reader's language (French when the language is not in the catalogue), for a
    channel: the SMS text on the SMS channel, else the body. Times are shown in ``zone``, the reader's.

    Raises :class:`UnknownTemplate`, :class:`MissingValue` (a placeholder without a value), and
    :class:`TemplateError` for an SMS asked of a template that has none."""
    lang = language_of(language)
    message = _message(template, lang)
    sms: str | None = None
    if Channel(channel) is Channel.SMS:
        if message.sms is None:
            raise TemplateError(f"template {template!r} has no SMS text")
        text = sms = _fill(message.sms, template, lang, values, zone)
    else:
        text = _fill(message.body, template, lang, values, zone)
    direction = direction_of(lang)
    return Rendered(subject=message.subject, text=text, html=to_html(text, lang), sms=sms, direction=direction, language=lang)


def to_html(text: str, language: str) -> str:
    """Plain text as minimal HTML: escaped, one ``<p dir lang>`` per paragraph, line breaks kept."""
    attributes = f'dir="{direction_of(language)}" lang="{language_of(language)}"'
    paragraphs = [part for part in text.split("\n\n") if part.strip()]
    return "\n".join(f"<p {attributes}>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)


def format_value(field: str, value: Any, language: str, zone: str = DEFAULT_ZONE) -> str:
    """One value as the reader reads it (see the module docstring for the rules by type)."""
    lang = language_of(language)
    locale = LOCALES[lang]
    if field in CODES:
        if isinstance(value, list | tuple | frozenset | set):
            return format_list([_code(field, item, lang) for item in value], locale=locale)
        return _code(field, value, lang)
    if isinstance(value, bool):
        raise TemplateError(f"{field!r}: a yes/no value is shown only through CODES")
    if isinstance(value, int) and field.endswith("_cents"):
        return format_currency(Decimal(value).scaleb(-2), CURRENCY, locale=locale)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TemplateError(f"{field!r}: times carry their time zone")
        local = value.astimezone(ZoneInfo(zone))
        pattern = str(get_datetime_format("long", locale=locale)).replace("'", "")
        return pattern.replace("{0}", format_time(local, "short", locale=locale)).replace("{1}", format_date(local, "long", locale=locale))
    if isinstance(value, date):
        return format_date(value, format="long", locale=locale)
    if isinstance(value, int):
        return format_decimal(value, locale=locale)
    if isinstance(value, str | UUID):
        return str(value)
    raise TemplateError(f"{field!r}: cannot show a {type(value).__name__}")


def _code(field: str, value: Any, language: str) -> str:
    key = str(value).lower() if isinstance(value, bool) else str(value)
    phrases = CODES[field].get(key)
    return phrases[language] if phrases is not None else key


def _fill(text: str, template: str, language: str, values: Mapping[str, Any], zone: str) -> str:
    parts: list[str] = []
    for literal, name, _, _ in _FORMATTER.parse(text):
        parts.append(literal)
        if name is not None:
            if values.get(name) is None:
                raise MissingValue(template, language, name)
            parts.append(format_value(name, values[name], language, zone))
    return "".join(parts)


def _entries(template: str) -> Mapping[str, Message]:
    entries = CATALOGUE.get(template)
    if entries is None:
        raise UnknownTemplate(template)
    return entries


def _message(template: str, language: str) -> Message:
    entries = _entries(template)
    return entries.get(language) or entries[DEFAULT_LANGUAGE]


def _check(catalogue: Mapping[str, Mapping[str, Message]]) -> None:
    for key, entries in catalogue.items():
        for language, message in entries.items():
            if placeholders(message.subject):
                raise TemplateError(f"{key} ({language}): a subject has no placeholders")
            placeholders(message.body)
            if message.sms is not None:
                placeholders(message.sms)


_check(CATALOGUE)
