"""The text each publishing rule applies, and where to read it: data, cited by every refusal.

The numbers themselves live in ``policy.py``; ``docs/domain-rules.md`` records, for each, the day it was
checked against the text. A rule absent from here is one of Abri's coherence checks (no law to cite).
"""

from __future__ import annotations

from abri_kit.legal import NO_SOURCE, LegalSource, Texts

LOI_89_462, LOI_CLIMAT, DECRET_DPE_VALIDITY = Texts.LOI_89_462, Texts.LOI_2021_1104, Texts.DECRET_2020_1610
DECRET_DECENCE = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000000217471"
ARRETE_DPE_CLASSES = "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000043353335"
ARRETE_SMALL_SURFACES = "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000049446315"
CGI_LOC_AVANTAGES = Texts.CGI
INTERMEDIATED_LETTING = "https://www.ecologie.gouv.fr/politiques-publiques/intermediation-locative"
CCH = Texts.CCH
COG = "https://www.insee.fr/fr/information/2560452"

SOURCES: dict[str, LegalSource] = {
    "energy_letting_ban": LegalSource("Loi 2021-1104 (Climat et résilience), art. 160; loi 89-462, art. 6", LOI_CLIMAT),
    "final_energy_decency": LegalSource("Décret 2002-120, art. 3 bis (décret 2021-19)", DECRET_DECENCE),
    "minimum_size": LegalSource("Décret 2002-120, art. 4", DECRET_DECENCE),
    "coherent_energy_class": LegalSource(
        "Arrêté du 31 mars 2021 (classes du DPE), modifié par l'arrêté du 25 mars 2024", ARRETE_DPE_CLASSES
    ),
    "deposit_cap": LegalSource("Loi 89-462, art. 22 (art. 25-6 meublé)", LOI_89_462),
    "dpe_validity": LegalSource("Décret 2020-1610 (validité des DPE); CCH, art. D126-19", DECRET_DPE_VALIDITY),
    "intermediated_letting_unfurnished": LegalSource(
        "Intermédiation locative (Solibail, Louez solidaire): logement non meublé", INTERMEDIATED_LETTING
    ),
    "intermediated_letting_rooms": LegalSource(
        "Intermédiation locative (Solibail, Louez solidaire): du studio au T5", INTERMEDIATED_LETTING
    ),
    "loc_avantages_unfurnished": LegalSource("CGI, art. 199 tricies (Loc'Avantages)", CGI_LOC_AVANTAGES),
    "loc_avantages_energy": LegalSource("CGI, art. 199 tricies (Loc'Avantages)", CGI_LOC_AVANTAGES),
    "loc_avantages_intermediary": LegalSource("CGI, art. 199 tricies (Loc'Avantages: Loc3 en intermédiation locative)", CGI_LOC_AVANTAGES),
    "loc_avantages_reference_rent": LegalSource("CGI, art. 199 tricies (Loc'Avantages)", CGI_LOC_AVANTAGES),
    "loc_avantages_rent": LegalSource("CGI, art. 199 tricies (Loc'Avantages)", CGI_LOC_AVANTAGES),
    "shared_room_size": LegalSource("Loi 89-462, art. 8-1 (colocation à baux multiples: 9 m² et 20 m³ par local privatif)", LOI_89_462),
    "shared_home_crowding": LegalSource(
        "CCH, art. R822-25 (anciennement code de la sécurité sociale, art. D542-14): normes de peuplement", CCH
    ),
    "shared_home_spaces": LegalSource("Décret 2002-120, art. 3 (équipements du logement décent)", DECRET_DECENCE),
    "cohabitation_room": LegalSource("CCH, art. L631-17 (cohabitation intergénérationnelle solidaire: une partie de son logement)", CCH),
    "cohabitation_alone": LegalSource("CCH, art. L631-17 (la loi 89-462 ne s'applique pas à ce contrat)", CCH),
    "cohabitation_host_age": LegalSource("CCH, art. L631-17 (une personne de soixante ans et plus)", CCH),
    "cohabitation_landlord_informed": LegalSource("CCH, art. L631-17 (le locataire informe préalablement son bailleur)", CCH),
    "commune_unknown": LegalSource("INSEE, Code officiel géographique", COG),
    "commune_merged": LegalSource("INSEE, Code officiel géographique", COG),
    "postal_code_mismatch": LegalSource(
        "La Poste, base officielle des codes postaux", "https://www.data.gouv.fr/fr/datasets/base-officielle-des-codes-postaux/"
    ),
}


def source_of(rule: str) -> LegalSource:
    """The text ``rule`` applies (no source: an Abri coherence check)."""
    return SOURCES.get(rule, NO_SOURCE)
