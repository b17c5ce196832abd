"""The words of an inventory's PDF in the four languages of Abri (French first: the lease's language).

The service writes the PDF itself (the parties' copy, décret 2016-382 art. 3), so its few words live here,
beside it, rather than in the web front's catalogues: labels, the condition scale, the meters, the sides.
What the parties typed (rooms, items, notes) is printed as they typed it.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["fr", "en", "ar", "uk"]
LANGUAGES: tuple[Language, ...] = ("fr", "en", "ar", "uk")
RIGHT_TO_LEFT = frozenset({"ar"})

WORDS: dict[str, dict[Language, str]] = {
    "move_in": {
        "fr": "État des lieux d'entrée",
        "en": "Move-in inventory",
        "ar": "محضر حالة المسكن عند الدخول",
        "uk": "Акт стану житла при в'їзді",
    },
    "move_out": {
        "fr": "État des lieux de sortie",
        "en": "Move-out inventory",
        "ar": "محضر حالة المسكن عند الخروج",
        "uk": "Акт стану житла при виїзді",
    },
    "made_on": {"fr": "Établi le", "en": "Made on", "ar": "حُرّر في", "uk": "Складено"},
    "home": {"fr": "Logement", "en": "Home", "ar": "المسكن", "uk": "Житло"},
    "address": {"fr": "Adresse", "en": "Address", "ar": "العنوان", "uk": "Адреса"},
    "landlord": {"fr": "Bailleur", "en": "Landlord", "ar": "المؤجر", "uk": "Орендодавець"},
    "tenants": {"fr": "Locataire(s)", "en": "Tenant(s)", "ar": "المستأجر(ون)", "uk": "Орендар(і)"},
    "new_address": {
        "fr": "Nouvelle adresse du locataire",
        "en": "Tenant's new address",
        "ar": "العنوان الجديد للمستأجر",
        "uk": "Нова адреса орендаря",
    },
    "meters": {"fr": "Relevés des compteurs", "en": "Meter readings", "ar": "قراءات العدادات", "uk": "Показники лічильників"},
    "meter": {"fr": "Compteur", "en": "Meter", "ar": "العداد", "uk": "Лічильник"},
    "number": {"fr": "Numéro", "en": "Number", "ar": "الرقم", "uk": "Номер"},
    "reading": {"fr": "Index", "en": "Reading", "ar": "القراءة", "uk": "Показник"},
    "keys": {"fr": "Clés remises", "en": "Keys handed over", "ar": "المفاتيح المسلّمة", "uk": "Передані ключі"},
    "what": {"fr": "Pour", "en": "For", "ar": "لـ", "uk": "Для"},
    "count": {"fr": "Nombre", "en": "Count", "ar": "العدد", "uk": "Кількість"},
    "item": {"fr": "Élément", "en": "Item", "ar": "العنصر", "uk": "Елемент"},
    "condition": {"fr": "État", "en": "Condition", "ar": "الحالة", "uk": "Стан"},
    "note": {"fr": "Observations", "en": "Notes", "ar": "ملاحظات", "uk": "Примітки"},
    "at_move_in": {"fr": "À l'entrée", "en": "At move-in", "ar": "عند الدخول", "uk": "При в'їзді"},
    "at_move_out": {"fr": "À la sortie", "en": "At move-out", "ar": "عند الخروج", "uk": "При виїзді"},
    "photos": {"fr": "Photos", "en": "Photos", "ar": "صور", "uk": "Фото"},
    "photo_of": {"fr": "Photo de", "en": "Photo of", "ar": "صورة", "uk": "Фото:"},
    "signatures": {"fr": "Signatures", "en": "Signatures", "ar": "التوقيعات", "uk": "Підписи"},
    "signed_by_landlord": {
        "fr": "Signé pour le bailleur le",
        "en": "Signed for the landlord on",
        "ar": "وقّعه المؤجر في",
        "uk": "Підписано орендодавцем",
    },
    "signed_by_household": {
        "fr": "Signé par le locataire le",
        "en": "Signed by the tenant on",
        "ar": "وقّعه المستأجر في",
        "uk": "Підписано орендарем",
    },
    "not_signed": {"fr": "Pas encore signé", "en": "Not signed yet", "ar": "لم يوقَّع بعد", "uk": "Ще не підписано"},
    "draft": {
        "fr": "Projet : ce document n'est pas signé par les deux parties.",
        "en": "Draft: this document is not signed by both parties.",
        "ar": "مسودة: لم يوقّع الطرفان على هذه الوثيقة.",
        "uk": "Чернетка: документ ще не підписали обидві сторони.",
    },
    "digest": {
        "fr": "Empreinte SHA-256 du contenu signé",
        "en": "SHA-256 digest of the signed content",
        "ar": "بصمة SHA-256 للمحتوى الموقَّع",
        "uk": "Відбиток SHA-256 підписаного вмісту",
    },
    "completion": {
        "fr": "Demande du locataire de compléter l'état des lieux (loi 89-462, art. 3-2), le",
        "en": "The tenant's request to complete the inventory (loi 89-462, art. 3-2), on",
        "ar": "طلب المستأجر استكمال المحضر (القانون 89-462، المادة 3-2)، في",
        "uk": "Прохання орендаря доповнити акт (закон 89-462, ст. 3-2), від",
    },
    "comparison": {
        "fr": "Comparaison avec l'état des lieux d'entrée du",
        "en": "Compared with the move-in inventory of",
        "ar": "مقارنة بمحضر الدخول المؤرخ في",
        "uk": "Порівняння з актом при в'їзді від",
    },
    "change_worse": {"fr": "dégradé", "en": "worse", "ar": "أسوأ", "uk": "гірше"},
    "change_missing": {"fr": "manquant", "en": "missing", "ar": "مفقود", "uk": "відсутнє"},
    "change_same": {"fr": "inchangé", "en": "unchanged", "ar": "دون تغيير", "uk": "без змін"},
    "change_better": {"fr": "meilleur", "en": "better", "ar": "أفضل", "uk": "краще"},
    "change_added": {"fr": "ajouté", "en": "added", "ar": "مُضاف", "uk": "додано"},
    "new": {"fr": "Neuf", "en": "New", "ar": "جديد", "uk": "Новий"},
    "good": {"fr": "Bon état", "en": "Good", "ar": "حالة جيدة", "uk": "Добрий стан"},
    "fair": {"fr": "État d'usage", "en": "Fair (normal wear)", "ar": "حالة استعمال عادية", "uk": "Звичайне зношення"},
    "poor": {"fr": "Mauvais état", "en": "Poor", "ar": "حالة سيئة", "uk": "Поганий стан"},
    "unusable": {"fr": "Hors d'usage", "en": "Unusable", "ar": "غير صالح للاستعمال", "uk": "Непридатний"},
    "electricity": {"fr": "Électricité", "en": "Electricity", "ar": "الكهرباء", "uk": "Електроенергія"},
    "gas": {"fr": "Gaz", "en": "Gas", "ar": "الغاز", "uk": "Газ"},
    "cold_water": {"fr": "Eau froide", "en": "Cold water", "ar": "الماء البارد", "uk": "Холодна вода"},
    "hot_water": {"fr": "Eau chaude", "en": "Hot water", "ar": "الماء الساخن", "uk": "Гаряча вода"},
    "heating": {"fr": "Chauffage", "en": "Heating", "ar": "التدفئة", "uk": "Опалення"},
    "owner": {"fr": "le propriétaire", "en": "the owner", "ar": "المالك", "uk": "власник"},
    "social_worker": {"fr": "l'association", "en": "the association", "ar": "الجمعية", "uk": "асоціація"},
}


def words_in(language: Language) -> dict[str, str]:
    """Every word in ``language``."""
    return {key: by_language[language] for key, by_language in WORDS.items()}
