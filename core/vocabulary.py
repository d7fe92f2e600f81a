"""The fixed vocabularies that commands read and messages show: life domains, urgency, roles of the people
concerned, the referral's fields; canonical key -> label per language."""
from __future__ import annotations

# Zelfredzaamheid-Matrix 2017 life domains: canonical key -> label per language.
LIFE_DOMAINS: dict[str, dict[str, str]] = {
    "financien": {"nl": "financiën", "en": "finances"},
    "werk_opleiding": {"nl": "werk & opleiding", "en": "work & education"},
    "tijdsbesteding": {"nl": "tijdsbesteding", "en": "daytime activities"},
    "huisvesting": {"nl": "huisvesting", "en": "housing"},
    "huiselijke_relaties": {"nl": "huiselijke relaties", "en": "domestic relations"},
    "geestelijke_gezondheid": {"nl": "geestelijke gezondheid", "en": "mental health"},
    "lichamelijke_gezondheid": {"nl": "lichamelijke gezondheid", "en": "physical health"},
    "middelengebruik": {"nl": "middelengebruik", "en": "substance use"},
    "basale_adl": {"nl": "basale ADL", "en": "basic ADL"},
    "instrumentele_adl": {"nl": "instrumentele ADL", "en": "instrumental ADL"},
    "sociaal_netwerk": {"nl": "sociaal netwerk", "en": "social network"},
    "maatschappelijke_participatie": {"nl": "maatschappelijke participatie", "en": "community participation"},
    "justitie": {"nl": "justitie", "en": "justice"},
}

# What people type for a life domain besides its name (Dutch and English alike; accents, case and "en"/"and"/"&"
# do not matter): short forms and the older ZRM names. Only words that point to one domain; "gezondheid" or "adl"
# alone could be two, and get a suggestion instead.
DOMAIN_ALIASES: dict[str, tuple[str, ...]] = {
    "financien": ("financiën", "financieel", "geld", "schulden", "schuld", "inkomen", "finance", "money", "debts",
                  "debt", "income"),
    "werk_opleiding": ("werk", "opleiding", "werk en opleiding", "school", "onderwijs", "baan", "work", "education",
                       "job", "employment"),
    "tijdsbesteding": ("dagbesteding", "vrije tijd", "daytime", "day activities", "leisure"),
    "huisvesting": ("wonen", "woning", "woonruimte", "housing", "home", "accommodation"),
    "huiselijke_relaties": ("relaties", "gezin", "thuis", "relationships", "family", "domestic"),
    "geestelijke_gezondheid": ("ggz", "psyche", "psychisch", "mentaal", "mental", "mental health"),
    "lichamelijke_gezondheid": ("lichamelijk", "somatiek", "somatisch", "physical", "physical health"),
    "middelengebruik": ("verslaving", "middelen", "drugs", "alcohol", "addiction", "substances", "substance use"),
    "basale_adl": ("adl basaal", "zelfzorg", "self-care", "self care", "basic adl"),
    "instrumentele_adl": ("iadl", "huishouden", "instrumental adl"),
    "sociaal_netwerk": ("netwerk", "sociale contacten", "network", "social network"),
    "maatschappelijke_participatie": ("participatie", "meedoen", "participation", "community participation"),
    "justitie": ("justitieel", "criminaliteit", "justice", "crime", "criminal justice"),
}

URGENCY = {
    "normal": {"nl": "normaal", "en": "normal"},
    "high": {"nl": "hoog", "en": "high"},
    "urgent": {"nl": "spoed", "en": "urgent"},
}

# Why a case closed: a fixed list, so that the figures can count them.
CLOSE_REASONS = {
    "goals_met": {"nl": "doelen bereikt", "en": "goals met"},
    "scaled_down": {"nl": "afgeschaald naar lokaal", "en": "scaled down to local"},
    "handed_over": {"nl": "overgedragen", "en": "handed over"},
    "not_needed": {"nl": "niet meer nodig", "en": "no longer needed"},
    "moved": {"nl": "betrokkene verhuisd", "en": "person moved"},
    "other": {"nl": "overig", "en": "other"},
}

# A person's role in the referral: the one at the centre, or their place in the family or group (a system).
SUBJECT_ROLES = {
    "subject": {"nl": "betrokkene", "en": "subject"},
    "family": {"nl": "gezinslid", "en": "family"},
    "victim": {"nl": "slachtoffer", "en": "victim"},
    "parent": {"nl": "ouder", "en": "parent"},
    "mother": {"nl": "moeder", "en": "mother"},
    "father": {"nl": "vader", "en": "father"},
    "child": {"nl": "kind", "en": "child"},
    "group_member": {"nl": "groepslid", "en": "group member"},
}

# How a ZVH works on a referral: around one person, around a whole system (a family or a group gets one plan), or
# on an area (serious local safety problems in a neighbourhood, with no single person at the centre).
APPROACHES = {
    "person": {"nl": "persoon", "en": "person"},
    "system": {"nl": "systeem", "en": "system"},
    "area": {"nl": "gebied", "en": "area"},
}
DEFAULT_APPROACH = "person"  # referrals and cases from before approaches existed are about a person
# What people also call them (either language).
APPROACH_ALIASES: dict[str, tuple[str, ...]] = {
    "person": ("persoonsgericht", "persoonsgerichte aanpak", "person-oriented", "individual"),
    "system": ("systeemgericht", "systeemgerichte aanpak", "gezin", "groep", "system-oriented", "family", "group"),
    "area": ("gebiedsgericht", "gebiedsgerichte aanpak", "wijk", "buurt", "area-oriented", "neighbourhood"),
}
SYSTEM_MIN_PERSONS = 2  # a system is a family or a group: at least two people

# The referral's fields: canonical (Dutch) name -> English name.
REFERRAL_FIELDS = {
    "aanpak": "approach", "betrokkene": "subject", "gebied": "area", "gemeente": "municipality", "thema": "theme",
    "leefgebieden": "domains", "reden": "reason", "doel": "goal", "partners": "partners", "geinformeerd": "informed",
    "urgentie": "urgency",
}
