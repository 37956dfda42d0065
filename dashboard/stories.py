"""Stories: a guided sequence of views of one dataset, each with a caption that cites the
records it speaks of. The file format, its validation, the checkable claims, and where
stories are kept.

A story file is JSON (see README, "Stories"): {"format": "frontlines-story/1", "name",
"dataset", "title": {lang: text}, "languages": [...], "steps": [...]}. A step is
{"view": {URL keys}, "caption": {lang: text}, "events": [ids], "areas": [ids],
"movements": [ids], "highlights": [ids], "claims": [...]}.

Captions carry no sources of their own: their sources are the sources of the records the
step refers to, so a step must refer to at least one record. A claim is a fact a caption
states that the record can confirm on the step's day, e.g. {"holds": {"faction": "is",
"place": "sirte", "status": "held"}}: the place's point lies in an area that faction holds
(with that status) on that day. `check_story` refuses a story whose ids are missing from
its dataset (listing them all), whose views are not valid page URLs, or whose claims the
data contradicts.

Bundled stories live in the record's folder (`geodata/stories/`, read-only); imported ones
in `<datasets-dir>/.stories/NAME.json`, written atomically. Both are read from disk on each
request, so every worker sees an import at once.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from collections.abc import Mapping
from urllib.parse import urlencode

from shapely.geometry import Point

from dashboard import timeline
from dashboard.dataset import Dataset
from dashboard.dataset_names import NAME, WINDOWS_RESERVED
from dashboard.records import LANGUAGES, DataError
from dashboard.rows import STATUSES
from dashboard.state import ViewState, parse_state, state_to_search

FORMAT = "frontlines-story/1"
# The page URL's keys a step's view may set (the rest is the page's default).
VIEW_KEYS = ("date", "map", "window", "from", "to", "factions", "types", "layers", "mode", "a")
MAX_BYTES = 1_000_000
MAX_STEPS = 100
MAX_CAPTION = 1200
CLAIMS = ("holds", "does_not_hold")


class StoryError(ValueError):
    """A story that cannot be used; `problems` lists every reason (file, step, field)."""

    def __init__(self, problems: list[str], missing: list[str] | None = None):
        self.problems = problems
        self.missing = missing or []
        super().__init__("; ".join(problems))


class UnknownStory(KeyError):
    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Step:
    view: Mapping[str, str]
    caption: Mapping[str, str]
    events: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    movements: tuple[str, ...] = ()
    highlights: tuple[str, ...] = ()
    claims: tuple[Mapping[str, Any], ...] = ()

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.view["date"])

    def referenced(self) -> tuple[str, ...]:
        return self.events + self.areas + self.movements


@dataclass(frozen=True)
class Story:
    name: str
    dataset: str
    title: Mapping[str, str]
    languages: tuple[str, ...]
    steps: tuple[Step, ...]
    bundled: bool = False

    def as_json(self) -> dict:
        return {"format": FORMAT, "name": self.name, "dataset": self.dataset,
                "title": dict(self.title), "languages": list(self.languages),
                "steps": [{"view": dict(s.view), "caption": dict(s.caption),
                           "events": list(s.events), "areas": list(s.areas),
                           "movements": list(s.movements), "highlights": list(s.highlights),
                           "claims": [dict(c) for c in s.claims]} for s in self.steps]}


def story_name_problem(name: object) -> str | None:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return (f"story name {str(name)[:80]!r}: use 1-64 lower-case letters, digits, - or _, "
                "starting with a letter or digit")
    if name.lower() in WINDOWS_RESERVED:
        return f"story name {name!r} is reserved on Windows: choose another"
    return None


def _texts(value, languages, where: str, problems: list[str], limit: int) -> dict:
    if not isinstance(value, dict):
        problems.append(f"{where}: should be an object of texts by language "
                        f"({', '.join(languages)})")
        return {}
    out = {}
    for lang in languages:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: no text in {lang!r}")
        elif len(text) > limit:
            problems.append(f"{where}.{lang}: {len(text)} characters (at most {limit})")
        else:
            out[lang] = text.strip()
    return out


def _ids(step: dict, key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    value = step.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: field '{key}': should be a list of ids")
        return ()
    return tuple(value)


def parse_story(raw: Any, where: str = "story", bundled: bool = False) -> Story:
    """Check a story's shape (not yet against its dataset); StoryError lists every problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise StoryError([f"{where}: should be a JSON object"])
    if raw.get("format") != FORMAT:
        problems.append(f"{where}: field 'format': should be {FORMAT!r}")
    name = raw.get("name")
    if (problem := story_name_problem(name)) is not None:
        problems.append(f"{where}: field 'name': {problem}")
    dataset = raw.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        problems.append(f"{where}: field 'dataset': should name the dataset the story is about")
    languages = raw.get("languages")
    if not isinstance(languages, list) or not languages or \
            any(lang not in LANGUAGES for lang in languages):
        problems.append(f"{where}: field 'languages': should list some of {', '.join(LANGUAGES)}")
        languages = [lang for lang in (languages if isinstance(languages, list) else [])
                     if lang in LANGUAGES] or ["en"]
    title = _texts(raw.get("title"), languages, f"{where}: field 'title'", problems, 200)
    steps_raw = raw.get("steps")
    steps: list[Step] = []
    if not isinstance(steps_raw, list) or not steps_raw:
        problems.append(f"{where}: field 'steps': should be a non-empty list")
        steps_raw = []
    if len(steps_raw) > MAX_STEPS:
        problems.append(f"{where}: {len(steps_raw)} steps (at most {MAX_STEPS})")
        steps_raw = []
    for number, step in enumerate(steps_raw, start=1):
        at = f"{where}: step {number}"
        if not isinstance(step, dict):
            problems.append(f"{at}: should be an object")
            continue
        view = step.get("view")
        if not isinstance(view, dict) or not all(isinstance(v, str) for v in view.values()):
            problems.append(f"{at}: field 'view': should be an object of URL parameters "
                            "(text values)")
            view = {}
        unknown = [k for k in view if k not in VIEW_KEYS]
        if unknown:
            problems.append(f"{at}: field 'view': unknown key {unknown[0][:40]!r}; "
                            f"known: {', '.join(VIEW_KEYS)}")
        if "date" not in view:
            problems.append(f"{at}: field 'view': needs a 'date'")
        caption = _texts(step.get("caption"), languages, f"{at}: field 'caption'", problems,
                         MAX_CAPTION)
        events, areas, movements, highlights = (
            _ids(step, key, at, problems) for key in ("events", "areas", "movements",
                                                        "highlights"))
        claims = step.get("claims", [])
        if not isinstance(claims, list) or not all(
                isinstance(c, dict) and len(c) == 1 and next(iter(c)) in CLAIMS
                and isinstance(next(iter(c.values())), dict) for c in claims):
            problems.append(f"{at}: field 'claims': should be a list of "
                            f"{{{' | '.join(CLAIMS)}: {{faction, place, status?}}}}")
            claims = []
        if not (events or areas or movements):
            problems.append(f"{at}: refers to no event, area or movement: a caption's "
                            "sources are those of the records it refers to")
        stray = [h for h in highlights if h not in events + areas + movements]
        if stray:
            problems.append(f"{at}: field 'highlights': {', '.join(stray[:5])} not among the "
                            "step's events, areas or movements")
        steps.append(Step({k: view[k] for k in VIEW_KEYS if k in view}, caption, events, areas,
                          movements, highlights, tuple(claims)))
    if problems:
        raise StoryError(problems)
    return Story(name, dataset, title, tuple(languages), tuple(steps), bundled)


def claim_holds(data: Dataset, day: dt.date, claim: Mapping[str, Any]) -> str | None:
    """None when the record confirms the claim on `day`, else what it shows instead."""
    kind, body = next(iter(claim.items()))
    record = data.record
    faction, place_id = body.get("faction"), body.get("place")
    status = body.get("status")
    place = next((p for p in record.places if p.id == place_id), None)
    if faction not in record.factions:
        return f"claim {kind}: unknown faction {str(faction)[:40]!r}"
    if place is None:
        return f"claim {kind}: unknown place {str(place_id)[:40]!r}"
    if status is not None and status not in STATUSES:
        return f"claim {kind}: status {str(status)[:20]!r} is not one of {', '.join(STATUSES)}"
    point = Point(place.lon, place.lat)
    there = [a for a in timeline.control_at(record, day) if a.geometry.covers(point)]
    match = [a for a in there if a.faction == faction and (status is None or a.status == status)]
    holders = ", ".join(f"{a.faction} ({a.status}, {a.id})" for a in there) or "nobody"
    if kind == "holds" and not match:
        return f"claim holds {faction} {place_id} {status or ''}: on {day} the record has " \
               f"{holders}".replace("  ", " ")
    if kind == "does_not_hold" and match:
        return f"claim does_not_hold {faction} {place_id}: on {day} the record has {holders}"
    return None


def check_story(story: Story, data: Dataset) -> None:
    """Check a parsed story against its dataset; StoryError lists every problem, and
    `missing` every id the dataset lacks."""
    record = data.record
    problems: list[str] = []
    if story.dataset != record.meta.get("name"):
        problems.append(f"story {story.name}: belongs to dataset {story.dataset!r}, "
                        f"not {record.meta.get('name')!r}")
    events = data.events_by_id
    areas = {a.id: a for a in record.areas}
    movements = {m.id: m for m in record.movements}
    missing: list[str] = []
    for number, step in enumerate(story.steps, start=1):
        at = f"story {story.name}: step {number}"
        state = parse_state("?" + urlencode(step.view), record)
        for problem in state.problems:
            problems.append(f"{at}: view: {problem}")
        if state.problems:
            continue
        day = state.day
        for ids, table in ((step.events, events), (step.areas, areas),
                           (step.movements, movements)):
            missing += [i for i in ids if i not in table and i not in missing]
        for eid in step.events:
            if eid in events and events.get(eid).date > day:
                problems.append(f"{at}: event {eid} happens after the step's date {day}")
        for aid in step.areas:
            if aid in areas and not areas[aid].valid_on(day):
                problems.append(f"{at}: area {aid} is not on the map on {day}")
        for mid in step.movements:
            if mid in movements and movements[mid].start > day:
                problems.append(f"{at}: movement {mid} starts after the step's date {day}")
        for item in [*(events.get(i) for i in step.events), *(areas.get(i) for i in step.areas),
                     *(movements.get(i) for i in step.movements)]:
            if item is not None and not item.sources:
                problems.append(f"{at}: {item.id} has no sources")
        for claim in step.claims:
            if (wrong := claim_holds(data, day, claim)) is not None:
                problems.append(f"{at}: {wrong}")
    if missing:
        problems.insert(0, f"story {story.name}: ids not in dataset {record.meta.get('name')!r}: "
                           + ", ".join(missing))
    if problems:
        raise StoryError(problems, missing)


def load_story_text(text: str | bytes, where: str, bundled: bool = False) -> Story:
    if len(text) > MAX_BYTES:
        raise StoryError([f"{where}: {len(text)} bytes (a story file is at most {MAX_BYTES})"])
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoryError([f"{where}: not valid JSON: {exc}"]) from None
    return parse_story(raw, where, bundled)


def step_state(story: Story, index: int, data: Dataset, lang: str | None = None) -> ViewState:
    """The view of step `index` (0-based), in `lang` (default: the story's first language),
    with its first highlighted event selected and its highlighted areas and movements
    outlined."""
    step = story.steps[index]
    view = dict(step.view)
    view["lang"] = lang if lang in story.languages else story.languages[0]
    emphasised = [i for i in step.highlights if i in step.events]
    if emphasised:  # the first highlighted event is selected: drawn emphasised, detailed
        view["event"] = emphasised[0]
    outlined = [i for i in step.highlights if i in step.areas + step.movements]
    if outlined:  # highlighted areas and movements are drawn with a bright outline
        view["highlight"] = ",".join(outlined)
    if data.record.meta.get("bundled") is not True:
        view["dataset"] = data.record.meta.get("name", "")
    return parse_state("?" + urlencode(view), data.record)


def step_search(story: Story, index: int, data: Dataset, lang: str | None = None) -> str:
    """The page URL of a step: its view plus story=NAME&step=N (N from 1)."""
    search = state_to_search(step_state(story, index, data, lang), data.record)
    return search + "&" + urlencode({"story": story.name, "step": index + 1})


def step_sources(story: Story, index: int, data: Dataset) -> list:
    """The sources of the records the step refers to, each once, in order."""
    step = story.steps[index]
    areas = {a.id: a for a in data.record.areas}
    movements = {m.id: m for m in data.record.movements}
    items = [data.events_by_id.get(i) for i in step.events] + [areas[i] for i in step.areas] \
        + [movements[i] for i in step.movements]
    seen, out = set(), []
    for item in items:
        for source in item.sources:
            if source.url not in seen:
                seen.add(source.url)
                out.append(source)
    return out


class Stories:
    """The stories of every dataset: bundled (read-only) and imported (one file each)."""

    def __init__(self, bundled_dir: Path, datasets_dir: Path | None):
        self.bundled_dir = Path(bundled_dir) / "stories"
        self.imported_dir = Path(datasets_dir) / ".stories" if datasets_dir else None

    @classmethod
    def of(cls, registry) -> Stories:
        """The stories beside a registry's datasets (the same folders, so every worker and
        the command line agree)."""
        return cls(registry.bundled, registry.datasets_dir)

    def _files(self) -> list[tuple[Path, bool]]:
        found = []
        for folder, bundled in ((self.bundled_dir, True), (self.imported_dir, False)):
            if folder is not None and folder.is_dir():
                found += [(p, bundled) for p in sorted(folder.glob("*.json"))
                          if story_name_problem(p.stem) is None]
        return found

    def _read(self, path: Path, bundled: bool) -> Story:
        story = load_story_text(path.read_bytes(), path.name, bundled)
        if story.name != path.stem:
            raise StoryError([f"{path.name}: field 'name': {story.name!r} is not the file's "
                              f"name {path.stem!r}"])
        return story

    def get(self, name: str, registry) -> tuple[Story, Dataset]:
        """The story and its dataset, checked; UnknownStory or StoryError otherwise."""
        for path, bundled in self._files():
            if path.stem == name:
                story = self._read(path, bundled)
                data = self.dataset_of(story, registry)
                check_story(story, data)
                return story, data
        raise UnknownStory(f"no story named {str(name)[:64]!r}; known: "
                           f"{', '.join(p.stem for p, _ in self._files()) or 'none'}")

    @staticmethod
    def dataset_of(story: Story, registry) -> Dataset:
        from dashboard.registry import UnknownDataset
        try:
            return registry.get(story.dataset)
        except (UnknownDataset, DataError) as exc:
            raise StoryError([f"story {story.name}: dataset: {exc}"]) from None

    def describe(self, registry, dataset: str | None = None) -> list[dict]:
        """Every story (of one dataset if asked), with its problems if it has any."""
        out = []
        for path, bundled in self._files():
            entry: dict[str, Any] = {"name": path.stem, "bundled": bundled}
            try:
                story = self._read(path, bundled)
                entry.update(dataset=story.dataset, title=dict(story.title),
                             languages=list(story.languages), steps=len(story.steps))
                if dataset is not None and story.dataset != dataset:
                    continue
                check_story(story, self.dataset_of(story, registry))
            except StoryError as exc:
                if dataset is not None and entry.get("dataset") not in (None, dataset):
                    continue
                entry["problems"] = exc.problems[:20]
            out.append(entry)
        return out

    def import_story(self, content: bytes, where: str, registry) -> Story:
        """Validate a story file against its dataset and store it (replacing an imported
        story of that name; a bundled story's name is refused)."""
        from dashboard.export import write_atomic
        if self.imported_dir is None:
            raise StoryError(["no datasets folder is configured to keep imported stories"])
        story = load_story_text(content, where)
        if (self.bundled_dir / f"{story.name}.json").exists():
            raise StoryError([f"{where}: story name {story.name!r} is a bundled story's: "
                              "choose another"])
        check_story(story, self.dataset_of(story, registry))
        story = replace(story, bundled=False)
        write_atomic(self.imported_dir / f"{story.name}.json",
                     json.dumps(story.as_json(), ensure_ascii=False, indent=1).encode())
        return story
