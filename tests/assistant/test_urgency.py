"""The assistant's urgency signals (pure): the normalisation people's typing needs, the lexicons as data (each
category said in each language, a pair needing both its parts), and messages of each category caught while the
knowledge base's own words (an eviction procedure asked about calmly, the winter truce) are not."""

from __future__ import annotations

import pytest

from abri_assistant.domain.urgency import CATEGORIES, LANGUAGES, Language, normalise, parse_lexicon
from abri_assistant.lexicons import lexicon, lexicons

pytestmark = pytest.mark.unit


def test_the_text_is_folded_as_people_type_it() -> None:
    assert normalise("  Je   suis EXPULSÉE demain’ ", "fr") == "je suis expulsee demain'"
    assert normalise("أُسْرَةٌ في الشّارع إلى", "ar") == "اسره في الشارع الي"  # vowel marks gone, letters folded
    assert normalise("Мене вб’ють, їжак, Йосип", "uk") == "мене вб'ють, їжак, йосип"  # й and ї are letters, not accents


def test_every_language_says_every_category() -> None:
    for language, found in lexicons().items():
        assert set(found.rules) == set(CATEGORIES)
        assert all(found.rules[category] for category in CATEGORIES), language


def test_a_pair_needs_both_its_parts_and_an_unknown_category_is_refused() -> None:
    pair = parse_lexicon("fr", {"eviction_now": {"together": [{"pattern": "expuls", "with": "demain"}]}})
    assert [s.category for s in pair.signals("Expulsion demain matin")] == ["eviction_now"]
    assert pair.signals("Comment se passe une expulsion ?") == []
    with pytest.raises(ValueError, match="unknown categories"):
        parse_lexicon("fr", {"floods": {"patterns": ["eau"]}})


URGENT = {
    "fr": [
        ("eviction_now", "Les huissiers reviennent vendredi avec la police pour nous sortir du logement"),
        ("no_shelter", "je vais dormir dehors cette nuit, le foyer est plein"),
        ("violence", "Mon copain m'a encore frappée hier soir"),
        ("child_in_danger", "le petit de la voisine est en danger, il crie tout le temps"),
        ("suicide", "j'ai des idées noires tout le temps"),
        ("health", "il y a une fuite de gaz dans l'immeuble"),
    ],
    "en": [
        ("eviction_now", "the bailiffs said they will evict us on Monday"),
        ("no_shelter", "I have nowhere to sleep and it's raining"),
        ("violence", "my boyfriend threatened to kill me if I leave"),
        ("child_in_danger", "my son is not safe at his father's place"),
        ("suicide", "sometimes I think about suicide"),
        ("health", "my dad has chest pain and is sweating a lot"),
    ],
    "ar": [
        ("eviction_now", "الشرطة ستأتي غدا لإخلاء الشقة"),
        ("no_shelter", "ليس لدي مكان أنام فيه"),
        ("violence", "زوجي يهددني بالقتل"),
        ("child_in_danger", "طفلي في خطر في البيت"),
        ("suicide", "أفكر في الانتحار"),
        ("health", "ابنتي فاقدة الوعي"),
    ],
    "uk": [
        ("eviction_now", "поліція прийде завтра нас виселяти"),
        ("no_shelter", "мені нікуди йти, я на вокзалі"),
        ("violence", "колишній погрожує мене вбити"),
        ("child_in_danger", "сусідську дитину б'ють щодня"),
        ("suicide", "думаю про самогубство"),
        ("health", "у квартирі запах газу"),
    ],
}
CALM = {
    "fr": ["Comment se déroule une procédure d'expulsion ?", "C'est quoi la trêve hivernale ?", "Mon loyer me tue, y a-t-il des aides ?"],
    "en": [
        "What is the winter truce on evictions?",
        "How does an eviction procedure work in France?",
        "Does the flat need a smoke detector?",
    ],
    "ar": ["ما هي الهدنة الشتوية للطرد؟", "كيف تتم إجراءات الإخلاء في فرنسا؟"],
    "uk": ["Що таке зимовий мораторій на виселення?", "Як відбувається процедура виселення у Франції?"],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_category_is_caught_and_the_knowledge_bases_own_words_are_not(language: Language) -> None:
    found = lexicon(language)
    for category, message in URGENT[language]:
        assert category in [s.category for s in found.signals(message)], (category, message)
    for message in CALM[language]:
        assert found.signals(message) == [], message
