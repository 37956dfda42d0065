"""The panels beside the map: what an event's details and the area list say, rendered to
text the way the page shows it."""
from __future__ import annotations

import datetime as dt

from dash.development.base_component import Component

from dashboard.layout import areas_panel, details_panel


def text_of(node) -> str:
    """The visible text of a Dash component tree."""
    if isinstance(node, (list, tuple)):
        return " ".join(text_of(n) for n in node)
    if isinstance(node, Component):
        return text_of(getattr(node, "children", None))
    return "" if node is None else str(node)


def test_conflicting_tolls_show_the_range_and_who_claimed_what(record):
    event = next(e for e in record.events if e.id == "2015-02-16-derna")
    text = text_of(details_panel(record, event, "en"))
    assert "7 (7–50)" in text
    assert "Human Rights Watch: at least 7 civilians" in text
    assert "air force chief: 30–50 militants" in text
    assert event.provenance and event.provenance not in text, "maintainers' notes stay out"
    french = text_of(details_panel(record, event, "fr"))
    assert "au moins 7" in french


def test_actors_are_named_as_they_were_on_the_events_day(record):
    early = next(e for e in record.events if "is" in e.actors and e.date < dt.date(2014, 11, 13))
    text = text_of(details_panel(record, early, "en"))
    named = record.factions["is"].short_on(early.date, "en")
    assert named != record.factions["is"].short_on(dt.date(2016, 1, 1), "en")
    assert f"Actors {named}" in text, "IS is not named before it existed"


def test_the_area_list_says_how_each_area_is_assessed(record):
    day = dt.date(2014, 11, 1)
    areas = [a for a in record.areas if a.valid_on(day)]
    text = text_of(areas_panel(record, areas, "en", day))
    assumed = next(a for a in areas if a.assessment == "assumed")
    assert "Assumed (inferred, not reported):" in text and assumed.assessment_note in text
    assert "IYSC ·" in text and "IS ·" not in text, "no group is named before it existed"


def _buttons(node) -> list:
    """Every html.Button in a Dash component tree, in order."""
    if isinstance(node, (list, tuple)):
        return [b for n in node for b in _buttons(n)]
    if isinstance(node, Component):
        own = [node] if type(node).__name__ == "Button" else []
        return own + _buttons(getattr(node, "children", None))
    return []


def test_the_event_list_offers_every_event_latest_first_and_marks_the_selected_one(record):
    from dashboard.layout import EVENT_LIST_MAX, event_list
    events = [e for e in record.events if dt.date(2016, 1, 1) <= e.date <= dt.date(2016, 6, 30)]
    chosen = events[len(events) // 2].id
    buttons = _buttons(event_list(record, events, chosen, "en"))
    assert [b.id["event"] for b in buttons] == \
        [e.id for e in sorted(events, key=lambda e: (e.date, e.id), reverse=True)]
    assert [b.id["event"] for b in buttons if getattr(b, "aria-current", None) == "true"] \
        == [chosen]
    first = max(events, key=lambda e: (e.date, e.id))
    assert text_of(buttons[0]).strip().startswith(f"{first.date.day} ")
    assert first.place in text_of(buttons[0])
    everything = list(record.events)
    assert len(everything) > EVENT_LIST_MAX
    capped = event_list(record, everything, None, "fr")
    assert len(_buttons(capped)) == EVENT_LIST_MAX
    assert f"sur {len(everything)}" in text_of(capped)
    assert text_of(event_list(record, [], None, "en")) == "No event is shown."
