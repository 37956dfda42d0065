"""Actor names → faction ids, so that imported events join the registry's factions.

The rules, in order (the first that matches wins; each decision is listed in the report):
1. the user's mapping file (`actor,faction` CSV or a JSON object), matched without regard to
   case; a faction id it names that the registry lacks becomes a new faction of that id,
   named after the first actor mapped to it (the others become its aliases);
2. the registry (geodata/factions.json): the name equals a faction's id, name, short name or
   one of its aliases, without regard to case;
3. the same after dropping trailing qualifiers in brackets, as ACLED writes them:
   "Civilians (Libya)" → "Civilians", "Islamic State (Syria)" → "Islamic State";
4. an alias appears inside the name as whole words: "Military Forces of Libya (2014-)
   Libyan National Army" → lna. The longest alias wins (ties go to the registry's order);
   aliases of three letters or fewer (IS, UN, HoR, …) must match in the same case, so the
   English word "is" or "us" never maps to a faction;
5. otherwise the actor becomes its own faction: id slugified from the name (unique, at most
   32 characters), names en = fr = the actor, a colour from a colour-blind-safe cycle. Colour
   is never the only cue in the app (areas and events are labelled), so the cycle may repeat.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path

from dashboard.config import ROOT
from dashboard.importers.report import UsageError
from dashboard.records import FACTION_ID

REGISTRY = ROOT / "geodata" / "factions.json"
PALETTE_NOTE = "Okabe-Ito and Paul Tol's muted scheme (registry); Tol's muted and light " \
    "schemes for factions created by an import; safe for the common forms of colour-blindness"
# Paul Tol's muted colours the registry does not use, then his light scheme.
NEW_COLOURS = ("#CC6677", "#117733", "#88CCEE", "#999933", "#77AADD", "#EE8866", "#EEDD88",
               "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00")
_QUALIFIER = re.compile(r"\s*\([^()]*\)\s*$")
SHORT_NAME = 24


def load_registry(path: Path = REGISTRY) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["factions"]


def load_user_mapping(path: Path | str | None) -> dict[str, str]:
    """The user's actor → faction id table; a wrong file is a usage error, named and
    explained, because the import would otherwise map actors in ways nobody asked for."""
    if path is None:
        return {}
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() == ".json":
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("should be a JSON object {\"actor name\": \"faction id\"}")
            pairs = list(data.items())
        else:
            rows = list(csv.DictReader(text.splitlines()))
            if rows and not {"actor", "faction"} <= set(rows[0]):
                raise ValueError("should be a CSV with the columns actor,faction")
            pairs = [(r["actor"], r["faction"]) for r in rows]
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        raise UsageError(f"mapping file {path.name}: {exc}") from None
    mapping = {}
    for actor, faction in pairs:
        if not isinstance(actor, str) or not isinstance(faction, str) \
                or not FACTION_ID.match(faction.strip()):
            raise UsageError(f"mapping file {path.name}: {actor!r} → {faction!r}: a faction id "
                             "is lower-case letters, digits, - or _, starting with a letter")
        mapping[actor.strip().casefold()] = faction.strip()
    return mapping


def slugify(name: str, limit: int = 32) -> str:
    """Lower-case ASCII letters and digits joined by '-' (accents dropped); may be empty."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:limit].rstrip("-")


def faction_id(name: str) -> str:
    """A faction id for an actor name: its slug, starting with a letter as ids must."""
    slug = slugify(name, 30)
    if not slug:
        return "faction"
    return slug if slug[0].isalpha() else f"f-{slug}"


class UniqueIds:
    """Unique ids from slugs ('derna', 'derna-2', …) in constant time per id, however many
    share a slug; ids never exceed `limit` characters."""

    def __init__(self, taken=(), limit: int = 64):
        self.taken, self.limit, self.next = set(taken), limit, {}

    def make(self, base: str) -> str:
        n = self.next.get(base, 1)
        made = base
        while made in self.taken:
            n += 1
            made = f"{base[:self.limit - len(str(n)) - 1]}-{n}"
        self.next[base] = n
        self.taken.add(made)
        return made


class FactionResolver:
    """Decides each distinct actor name once (a big file repeats few names) and remembers
    which factions were used, so the dataset lists only those."""

    def __init__(self, registry: list[dict], user_mapping: dict[str, str]):
        self.registry = {f["id"]: f for f in registry}
        self.user_mapping = user_mapping
        self.exact: dict[str, tuple[str, str]] = {}
        for f in registry:
            for key in (f["id"], *f["name"].values(), *f["short"].values(), *f["aliases"]):
                self.exact.setdefault(key.casefold(), (f["id"], key))
        aliases = sorted(((a, f["id"]) for f in registry for a in f["aliases"]),
                         key=lambda pair: -len(pair[0]))  # stable: ties keep registry order
        self.patterns = [(alias, fid, re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)",
                                                 0 if len(alias) <= 3 else re.IGNORECASE))
                         for alias, fid in aliases]
        self.decisions: dict[str, tuple[str, str]] = {}  # actor name → (faction id, rule)
        self.created: dict[str, dict] = {}
        self.used: set[str] = set()
        self.ids = UniqueIds({*self.registry, *user_mapping.values()}, limit=32)

    def resolve(self, name: str) -> str:
        if name not in self.decisions:
            self.decisions[name] = self._decide(name)
        fid = self.decisions[name][0]
        self.used.add(fid)
        return fid

    def _decide(self, name: str) -> tuple[str, str]:
        wanted = self.user_mapping.get(name.casefold())
        if wanted is not None:
            if wanted in self.created:
                self.created[wanted]["aliases"].append(name)
            elif wanted not in self.registry:
                self._create(wanted, name)
            return wanted, "mapping file"
        if name.casefold() in self.exact:
            fid, key = self.exact[name.casefold()]
            return fid, f"registry: {key!r}"
        bare = name
        while _QUALIFIER.search(bare) and _QUALIFIER.sub("", bare):
            bare = _QUALIFIER.sub("", bare)
            if bare.casefold() in self.exact:
                fid, key = self.exact[bare.casefold()]
                return fid, f"registry: {key!r}, without the bracketed qualifier"
        for alias, fid, pattern in self.patterns:
            if pattern.search(name):
                return fid, f"registry alias {alias!r} inside the name"
        return self._create(self.ids.make(faction_id(name)), name), "new faction"

    def _create(self, fid: str, name: str) -> str:
        short = name if len(name) <= SHORT_NAME else name[:SHORT_NAME - 1] + "…"
        self.created[fid] = {"id": fid, "name": {"en": name, "fr": name},
                             "short": {"en": short, "fr": short}, "aliases": [name],
                             "colour": NEW_COLOURS[len(self.created) % len(NEW_COLOURS)]}
        return fid

    def factions(self) -> list[dict]:
        """The registry's factions that were used (in registry order), then the new ones."""
        return [f for fid, f in self.registry.items() if fid in self.used] \
            + [f for fid, f in self.created.items() if fid in self.used]
