"""A one-paragraph account of the selected day, generated from the data.

It is both the reader's summary and the map's text alternative for screen readers, so every
number on the map (who holds what, how much, what happened in the window) is in it.
"""
from __future__ import annotations

from dashboard.i18n import date_words, number, t
from dashboard.records import Record
from dashboard.state import ViewState
from dashboard.taxonomy import type_label
from dashboard import view
from dashboard.view import Shown, event_window

PHRASES = {
    "en": {"on": "On {day}", "holds": "{who} held {km2} km² ({places})",
           "contests": "{who} and {rivals} contested {km2} km² ({places})",
           "nothing": "no control area is recorded for this day",
           "events": "{n} {events} between {start} and {end} {are} shown",
           "events_upto": "{n} {events} up to {end} {are} shown",
           "one": ("event", "is"), "many": ("events", "are"),
           "types": "{list}", "deaths": "with {n} reported deaths where tolls are known",
           "hidden": "control areas are not shown",
           "capped": "; beyond {n} events the map counts them per grid cell (zoom in to "
                     "see single events)",
           "and": " and "},
    "fr": {"on": "Le {day}", "holds": "{who} tenait {km2} km² ({places})",
           "contests": "{who} et {rivals} se disputaient {km2} km² ({places})",
           "nothing": "aucune zone de contrôle n'est enregistrée pour ce jour",
           "events": "{n} {events} entre le {start} et le {end} {are}",
           "events_upto": "{n} {events} jusqu'au {end} {are}",
           "one": ("événement", "est affiché"), "many": ("événements", "sont affichés"),
           "types": "{list}", "deaths": "avec {n} morts signalés là où un bilan est connu",
           "hidden": "les zones de contrôle ne sont pas affichées",
           "capped": " ; au-delà de {n} événements, la carte les compte par case (zoomer "
                     "pour les voir un à un)",
           "and": " et "},
}


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + PHRASES[lang]["and"] + items[-1]


def day_summary(record: Record, state: ViewState, shown: Shown,
                aggregated: bool = False) -> str:
    """In words, what the map shows (`shown`, from the one view query); `aggregated`: the
    map counts the events per cell (view.aggregates)."""
    lang, p = state.lang, PHRASES[state.lang]
    short = {fid: f.short_on(state.day, lang) for fid, f in record.factions.items()}
    areas = shown.areas
    groups: dict[tuple, list] = {}
    for area in areas:
        groups.setdefault((area.faction, area.status, area.contested_with), []).append(area)
    clauses = []
    for (fid, status, rivals), members in sorted(groups.items(), key=lambda kv: -sum(a.km2 for a in kv[1])):
        km2 = number(sum(a.km2 for a in members), lang)
        names = [a.name[lang] for a in sorted(members, key=lambda a: -a.km2)]
        places = "; ".join(names)
        if status == "held":
            clauses.append(p["holds"].format(who=short[fid], km2=km2, places=places))
        else:
            clauses.append(p["contests"].format(who=short[fid], km2=km2, places=places,
                                                rivals=_join([short[r] for r in rivals], lang)))
    hidden = "control" not in state.layers or state.mode != "explore"
    text = p["on"].format(day=date_words(state.day, lang)) + ", " + \
        (_join(clauses, lang) if clauses else p["hidden"] if hidden else p["nothing"]) + ". "
    start, end = event_window(state)
    events = shown.events
    noun, verb = p["one"] if len(events) == 1 else p["many"]
    if start:
        sentence = p["events"].format(n=number(len(events), lang), events=noun, are=verb,
                                      start=date_words(start, lang), end=date_words(end, lang))
    else:
        sentence = p["events_upto"].format(n=number(len(events), lang), events=noun, are=verb,
                                           end=date_words(end, lang))
    by_type = events.type_counts()
    if by_type:
        names = [f"{n} × {type_label(name, lang).lower()}"
                 for name, n in by_type.most_common()]
        sentence += " (" + ", ".join(names) + ")"
    deaths = events.deaths()
    if deaths:
        sentence += ", " + p["deaths"].format(n=number(deaths, lang))
    if aggregated:
        sentence += p["capped"].format(n=number(view.STEP_MARKERS, lang))
    return text + sentence + ". " + t("approximate", lang)
