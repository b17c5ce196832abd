"""The words of an intergenerational cohabitation contract's PDF in the four languages of Abri (French first: the
contract's language), and the summary of the charter it comes with (arrêté of 13 January 2020, CCH art. L631-17).

The service writes the document itself from the placement's data, so its words live here, beside it. The charter's
points are Abri's summary of the arrêté (``docs/domain-rules.md`` says from what it was read), not its text.
"""

from __future__ import annotations

from abri_matching.inventory_words import Language

W = dict[Language, str]

WORDS: dict[str, W] = {
    "title": {
        "fr": "Contrat de cohabitation intergénérationnelle solidaire",
        "en": "Intergenerational cohabitation contract",
        "ar": "عقد السكن المشترك التضامني بين الأجيال",
        "uk": "Договір солідарного міжпоколінного спільного проживання",
    },
    "law": {
        "fr": "Code de la construction et de l'habitation, art. L631-17 (loi n° 2018-1021, art. 117). Ce contrat relève du droit "
        "commun des contrats (code civil) ; la loi n° 89-462 du 6 juillet 1989 ne s'y applique pas : ce n'est pas un bail.",
        "en": "Code de la construction et de l'habitation, art. L631-17 (loi n° 2018-1021, art. 117). This contract falls under the "
        "general law of contracts (Civil Code); loi n° 89-462 of 6 July 1989 does not apply to it: it is not a lease.",
        "ar": "قانون البناء والسكن، المادة L631-17 (القانون رقم 2018-1021، المادة 117). يخضع هذا العقد للقانون العام للعقود "
        "(القانون المدني)؛ ولا ينطبق عليه القانون رقم 89-462 المؤرخ 6 يوليو 1989: فهو ليس عقد إيجار.",
        "uk": "Кодекс будівництва та житла, ст. L631-17 (закон № 2018-1021, ст. 117). Цей договір підпадає під загальне договірне "
        "право (Цивільний кодекс); закон № 89-462 від 6 липня 1989 р. до нього не застосовується: це не договір оренди.",
    },
    "parties": {"fr": "Les parties", "en": "The parties", "ar": "الطرفان", "uk": "Сторони"},
    "host": {
        "fr": "L'hôte, âgé de 60 ans ou plus, propriétaire ou locataire du logement",
        "en": "The host, aged 60 or over, owner or tenant of the home",
        "ar": "المضيف، في سن 60 أو أكثر، مالك المسكن أو مستأجره",
        "uk": "Господар віком від 60 років, власник або орендар житла",
    },
    "young": {
        "fr": "La personne accueillie, âgée de moins de 30 ans",
        "en": "The person hosted, under 30",
        "ar": "الشخص المستضاف، دون الثلاثين",
        "uk": "Особа, яку приймають, віком до 30 років",
    },
    "association": {
        "fr": "Structure d'accompagnement",
        "en": "Supporting association",
        "ar": "الجمعية المرافِقة",
        "uk": "Супровідна асоціація",
    },
    "name_line": {"fr": "Nom et prénom :", "en": "Full name:", "ar": "الاسم الكامل:", "uk": "Прізвище та ім'я:"},
    "room": {"fr": "La partie du logement", "en": "The part of the home", "ar": "الجزء من المسكن", "uk": "Частина житла"},
    "room_text": {
        "fr": "Une chambre de {area} m², {place}, et l'usage des pièces communes convenu entre les parties.",
        "en": "A room of {area} m², {place}, and the use of the common rooms the parties agree on.",
        "ar": "غرفة مساحتها {area} م²، {place}، واستعمال الغرف المشتركة الذي يتفق عليه الطرفان.",
        "uk": "Кімната площею {area} м², {place}, і користування спільними приміщеннями, про яке домовилися сторони.",
    },
    "address_line": {"fr": "Adresse :", "en": "Address:", "ar": "العنوان:", "uk": "Адреса:"},
    "duration": {"fr": "Durée", "en": "Duration", "ar": "المدة", "uk": "Тривалість"},
    "duration_text": {
        "fr": "Du {start} au {end}, comme les parties en sont librement convenues.",
        "en": "From {start} to {end}, as the parties freely agreed.",
        "ar": "من {start} إلى {end}، كما اتفق الطرفان بحرية.",
        "uk": "З {start} до {end}, як сторони вільно домовилися.",
    },
    "counterpart": {"fr": "Contrepartie financière", "en": "Financial counterpart", "ar": "المقابل المالي", "uk": "Фінансова компенсація"},
    "counterpart_text": {
        "fr": "{amount} par mois, charges comprises : une contrepartie modeste, librement convenue.",
        "en": "{amount} a month, charges included: a modest counterpart, freely agreed.",
        "ar": "{amount} شهريًا بما في ذلك الأعباء: مقابل متواضع متفق عليه بحرية.",
        "uk": "{amount} на місяць, включно з витратами: скромна компенсація, про яку вільно домовилися.",
    },
    "services": {"fr": "Menus services", "en": "Small services", "ar": "خدمات صغيرة", "uk": "Дрібні послуги"},
    "services_text": {
        "fr": "Rendus par la personne accueillie sans but lucratif pour aucune des parties, sans lien de subordination :",
        "en": "Given by the person hosted, for no profit to either party, without subordination:",
        "ar": "يقدّمها الشخص المستضاف دون غرض ربحي لأي من الطرفين ودون علاقة تبعية:",
        "uk": "Надаються особою, яку приймають, без мети прибутку для будь-якої зі сторін і без підпорядкування:",
    },
    "no_services": {
        "fr": "Aucun menu service n'est convenu.",
        "en": "No small service is agreed.",
        "ar": "لم يُتفق على أي خدمة صغيرة.",
        "uk": "Дрібних послуг не погоджено.",
    },
    "notice": {"fr": "Fin du contrat", "en": "Ending the contract", "ar": "إنهاء العقد", "uk": "Припинення договору"},
    "notice_text": {
        "fr": "Chaque partie peut y mettre fin en respectant un préavis d'un mois.",
        "en": "Either party may end it with one month's notice.",
        "ar": "يجوز لكل طرف إنهاؤه بإشعار مدته شهر واحد.",
        "uk": "Кожна сторона може його припинити, попередивши за один місяць.",
    },
    "tenant_host": {
        "fr": "Si l'hôte est locataire, il a informé son bailleur au préalable ; le bailleur ne peut s'y opposer.",
        "en": "If the host is a tenant, they informed their landlord beforehand; the landlord may not object.",
        "ar": "إذا كان المضيف مستأجرًا فقد أعلم مؤجّره مسبقًا؛ ولا يحق للمؤجّر الاعتراض.",
        "uk": "Якщо господар — орендар, він заздалегідь повідомив орендодавця; орендодавець не може заперечити.",
    },
    "signed_on": {"fr": "Signé le", "en": "Signed on", "ar": "وُقّع في", "uk": "Підписано"},
    "signatures": {"fr": "Signatures", "en": "Signatures", "ar": "التوقيعات", "uk": "Підписи"},
    "charter": {
        "fr": "La charte de la cohabitation intergénérationnelle solidaire (résumé)",
        "en": "The charter of intergenerational cohabitation (summary)",
        "ar": "ميثاق السكن المشترك التضامني بين الأجيال (ملخّص)",
        "uk": "Хартія солідарного міжпоколінного спільного проживання (стислий виклад)",
    },
    "charter_source": {
        "fr": "Arrêté du 13 janvier 2020 relatif à la charte de la cohabitation intergénérationnelle solidaire (JORF du 15 janvier 2020).",
        "en": "Arrêté of 13 January 2020 on the charter of intergenerational cohabitation (Journal officiel of 15 January 2020).",
        "ar": "قرار 13 يناير 2020 المتعلق بميثاق السكن المشترك التضامني بين الأجيال (الجريدة الرسمية، 15 يناير 2020).",
        "uk": "Наказ від 13 січня 2020 р. про хартію солідарного міжпоколінного спільного проживання (Journal officiel від 15.01.2020).",
    },
}

CHARTER: list[W] = [
    {
        "fr": "Un hôte de 60 ans ou plus, propriétaire ou locataire, accueille chez lui une personne de moins de 30 ans, "
        "contre une contrepartie financière modeste et, le cas échéant, de menus services rendus sans but lucratif.",
        "en": "A host of 60 or over, owner or tenant, welcomes one person under 30 into their home, for a modest "
        "financial counterpart and, if agreed, small services given for no profit.",
        "ar": "يستقبل مضيف في سن 60 أو أكثر، مالكًا كان أو مستأجرًا، شخصًا واحدًا دون الثلاثين في مسكنه، مقابل مبلغ متواضع "
        "وخدمات صغيرة بلا غرض ربحي إن اتُّفق عليها.",
        "uk": "Господар віком від 60 років, власник чи орендар, приймає у своєму житлі одну особу віком до 30 років "
        "за скромну компенсацію і, якщо домовлено, дрібні послуги без мети прибутку.",
    },
    {
        "fr": "Elle vise à rompre l'isolement des personnes âgées, à les aider à rester chez elles et à loger des jeunes.",
        "en": "It aims to break the isolation of older people, to help them stay at home, and to house young people.",
        "ar": "يهدف إلى كسر عزلة كبار السن ومساعدتهم على البقاء في منازلهم وإسكان الشباب.",
        "uk": "Вона має на меті долати самотність літніх людей, допомагати їм залишатися вдома і забезпечувати житлом молодь.",
    },
    {
        "fr": "Les menus services ne sont ni des soins ni ce qu'assure un professionnel ou un salarié à domicile ; ils sont rendus "
        "sans lien de subordination.",
        "en": "Small services are neither care nor what a professional or a paid home help provides; they are given without subordination.",
        "ar": "الخدمات الصغيرة ليست رعاية ولا ما يقدّمه مهني أو عامل منزلي بأجر؛ وتُقدَّم دون علاقة تبعية.",
        "uk": "Дрібні послуги — це не догляд і не те, що надає фахівець чи найманий домашній помічник; їх надають без підпорядкування.",
    },
    {
        "fr": "La structure qui met en relation rencontre chacun avant la cohabitation, vérifie que la partie louée offre les "
        "conditions d'hygiène et de confort nécessaires, informe le bailleur social le cas échéant et accompagne le binôme.",
        "en": "The structure that brings them together meets each before the cohabitation, checks that the part let offers the "
        "hygiene and comfort needed, informs a social landlord where there is one, and follows the pair.",
        "ar": "تلتقي الجهة التي تجمع بينهما بكل طرف قبل السكن المشترك، وتتحقق من أن الجزء المؤجَّر يوفّر شروط النظافة والراحة "
        "اللازمة، وتُعلم المؤجّر الاجتماعي عند وجوده، وترافق الثنائي.",
        "uk": "Організація, яка їх поєднує, зустрічається з кожним до початку спільного проживання, перевіряє, що частина житла "
        "має необхідні гігієнічні умови й зручності, за потреби повідомляє соціального орендодавця і супроводжує пару.",
    },
]


def words_in(language: Language) -> dict[str, str]:
    """Every word of the contract in ``language``."""
    return {key: by_language[language] for key, by_language in WORDS.items()}


def charter_in(language: Language) -> list[str]:
    """The charter's summary in ``language``."""
    return [point[language] for point in CHARTER]
