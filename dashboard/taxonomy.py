"""ACLED's event taxonomy, so that users' ACLED exports and our record line up type for type.

Types and sub-types follow the ACLED Codebook (2019 onward). Each type also carries a
URL-safe slug, its French label and the marker symbol that is the map's second cue beside colour.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class EventType:
    name: str
    slug: str
    label_fr: str
    symbol: str  # plotly marker symbol
    subtypes: tuple[str, ...]


_TYPES = (
    EventType("Battles", "battles", "Combats", "circle",
              ("Armed clash", "Government regains territory", "Non-state actor overtakes territory")),
    EventType("Explosions/Remote violence", "explosions", "Explosions/violence à distance", "star",
              ("Chemical weapon", "Air/drone strike", "Suicide bomb",
               "Shelling/artillery/missile attack", "Remote explosive/landmine/IED", "Grenade")),
    EventType("Violence against civilians", "violence-against-civilians",
              "Violence contre les civils", "triangle-up",
              ("Sexual violence", "Attack", "Abduction/forced disappearance")),
    EventType("Strategic developments", "strategic-developments", "Évolutions stratégiques",
              "diamond",
              ("Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
               "Headquarters or base established", "Looting/property destruction",
               "Non-violent transfer of territory", "Other")),
    EventType("Protests", "protests", "Manifestations", "square",
              ("Excessive force against protesters", "Protest with intervention", "Peaceful protest")),
    EventType("Riots", "riots", "Émeutes", "x", ("Violent demonstration", "Mob violence")),
)

SUBTYPES_FR = MappingProxyType({
    "Armed clash": "Affrontement armé",
    "Government regains territory": "Le gouvernement reprend du territoire",
    "Non-state actor overtakes territory": "Un acteur non étatique prend du territoire",
    "Chemical weapon": "Arme chimique", "Air/drone strike": "Frappe aérienne ou de drone",
    "Suicide bomb": "Attentat-suicide",
    "Shelling/artillery/missile attack": "Bombardement, tir d'artillerie ou de missile",
    "Remote explosive/landmine/IED": "Explosif à distance, mine ou engin explosif improvisé",
    "Grenade": "Grenade", "Sexual violence": "Violence sexuelle", "Attack": "Attaque",
    "Abduction/forced disappearance": "Enlèvement ou disparition forcée",
    "Agreement": "Accord", "Arrests": "Arrestations",
    "Change to group/activity": "Changement de groupe ou d'activité",
    "Disrupted weapons use": "Usage d'armes déjoué",
    "Headquarters or base established": "Quartier général ou base établi",
    "Looting/property destruction": "Pillage ou destruction de biens",
    "Non-violent transfer of territory": "Transfert non violent de territoire",
    "Other": "Autre",
    "Excessive force against protesters": "Force excessive contre des manifestants",
    "Protest with intervention": "Manifestation avec intervention",
    "Peaceful protest": "Manifestation pacifique",
    "Violent demonstration": "Manifestation violente", "Mob violence": "Violence collective",
})

EVENT_TYPES = MappingProxyType({t.name: t for t in _TYPES})
TYPE_BY_SLUG = MappingProxyType({t.slug: t for t in _TYPES})


def type_label(name: str, lang: str) -> str:
    """An ACLED type or sub-type in the page's language."""
    if lang == "en":
        return name
    return EVENT_TYPES[name].label_fr if name in EVENT_TYPES else SUBTYPES_FR.get(name, name)


def event_type(value: str) -> EventType:
    """Accept a type by slug or by its ACLED name, in any case; raise KeyError otherwise."""
    wanted = value.strip().lower()
    for t in _TYPES:
        if wanted in (t.slug, t.name.lower()):
            return t
    raise KeyError(value)
