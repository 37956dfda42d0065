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

EVENT_TYPES = MappingProxyType({t.name: t for t in _TYPES})
TYPE_BY_SLUG = MappingProxyType({t.slug: t for t in _TYPES})


def event_type(value: str) -> EventType:
    """Accept a type by slug or by its ACLED name, in any case; raise KeyError otherwise."""
    wanted = value.strip().lower()
    for t in _TYPES:
        if wanted in (t.slug, t.name.lower()):
            return t
    raise KeyError(value)
