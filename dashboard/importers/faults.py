"""Named points of an import where a test can kill it, to prove that a crash at any of them
loses nothing: the process kills itself (SIGKILL: no cleanup runs, as with `kill -9` or a
power cut) when FRONTLINES_KILL_IMPORT_AT names the stage it reaches. Unset, it does nothing.
"""
from __future__ import annotations

import os
import signal

ENV = "FRONTLINES_KILL_IMPORT_AT"
STAGES = ("reading", "merging", "written", "validated", "between-renames")
# into a PostGIS store (dashboard.postgis): part of the events copied, all of them, and the
# new version switched in with the old one's rows deleted, all before the commit
POSTGIS_STAGES = ("postgis-copying", "postgis-events-copied", "postgis-swapped")


def checkpoint(stage: str) -> None:
    if os.environ.get(ENV) == stage:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
