"""What a killed or failed run leaves behind, named so it can be found, and dealt with when
the app starts and before each import.

Temporary things carry the id of the process that made them: hidden entries in the datasets
folder (`.NAME.importing-PID-…` while an import builds a dataset, `.NAME.replaced-PID-…`
while it swaps the new one in, `.NAME.rejects.csv.writing-PID-…`) and `frontlines-KIND-PID-…`
folders in the system temp folder. One whose process is gone is abandoned (an entry with
the running process's own id may be in use by another of its threads, so it is kept). Names
without an id (made by older versions, or by callers that do not use scratch_dir) are
abandoned when they are older than the running process.

`tidy` finishes what an interrupted swap started, so a dataset is never missing: if NAME is
gone and `.NAME.replaced-…` exists, the old copy is put back; if NAME is there, the old copy
is deleted. It deletes abandoned temporaries and logs (warning level: something crashed)
each thing it did. It never raises: a leftover it cannot remove is logged and left.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path
from collections.abc import Iterator

log = logging.getLogger(__name__)

STARTED = time.time()  # when this process loaded the app: "older than the running process"
# held around the two renames of a swap and by tidy, so tidy never sees a swap of this
# process half done
SWAPPING = threading.Lock()

TEMP_KINDS = ("check", "read", "upload", "frames", "exports")
_TEMP = re.compile(r"frontlines-(?P<kind>" + "|".join(TEMP_KINDS) + r")-(?:(?P<pid>\d+)-)?\w+")
_DATASET_TEMP = re.compile(
    r"\.(?P<name>.+)\.(?P<kind>importing|replaced|writing)-(?:(?P<pid>\d+)-)?\w+")


def tagged(prefix: str) -> str:
    """A temporary name's prefix with this process's id: `prefix` + "PID-"."""
    return f"{prefix}{os.getpid()}-"


def scratch_dir(kind: str) -> tempfile.TemporaryDirectory:
    """A private folder `frontlines-KIND-PID-…` in the system temp folder, deleted on exit
    (and by the next start if this process is killed first)."""
    assert kind in TEMP_KINDS, kind
    return tempfile.TemporaryDirectory(prefix=tagged(f"frontlines-{kind}-"))


def tidy(datasets_dir: Path | None) -> list[str]:
    """Recover interrupted swaps in datasets_dir and delete abandoned temporaries there and
    in the system temp folder; return (and log) what was done."""
    done: list[str] = []
    if datasets_dir is not None:
        with SWAPPING:
            done += _tidy_datasets(Path(datasets_dir))
    done += _tidy_temp(Path(tempfile.gettempdir()))
    for line in done:
        log.warning(line)
    return done


def _tidy_datasets(folder: Path) -> list[str]:
    done = []
    # the newest old copy first: if several are left, it is the one to put back
    for entry, match in sorted(_entries(folder, _DATASET_TEMP),
                               key=lambda e: _mtime(e[0]), reverse=True):
        name, kind, pid = match["name"], match["kind"], _pid(match)
        target = folder / name
        if kind == "replaced":
            if not (_abandoned(entry, pid) or pid == os.getpid()):
                continue  # another process is between its two renames
            if not (target.exists() or target.is_symlink()):
                try:
                    os.rename(entry, target)
                    done.append(f"restored dataset {name!r} from its previous copy (an import "
                                "was stopped while replacing it)")
                except OSError as exc:
                    done.append(f"could not restore dataset {name!r} from {entry}: {exc}")
                continue
            done += _remove(entry, f"the previous copy of dataset {name!r}, left by an "
                                   "import stopped after replacing it")
        elif _abandoned(entry, pid):
            what = "an unfinished import" if kind == "importing" else "an unfinished rejects file"
            done += _remove(entry, f"{what} of dataset {name.removesuffix('.rejects.csv')!r}, "
                                   "left by a stopped import")
    return done


def _tidy_temp(folder: Path) -> list[str]:
    done = []
    for entry, match in _entries(folder, _TEMP):
        if entry.is_dir() and not entry.is_symlink() and _abandoned(entry, _pid(match)):
            done += _remove(entry, f"the temporary folder {entry.name} ({match['kind']}), "
                                   "left by a stopped process")
    return done


def _entries(folder: Path, pattern: re.Pattern) -> Iterator[tuple[Path, re.Match]]:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match:
            yield folder / name, match


def _pid(match: re.Match) -> int | None:
    return int(match["pid"]) if match["pid"] else None


def _abandoned(entry: Path, pid: int | None) -> bool:
    if pid is None or os.name == "nt":  # no id, or no safe liveness check: by age
        return _mtime(entry) < STARTED
    return pid != os.getpid() and not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):  # no such process; no such process id
        return False
    except PermissionError:  # exists, run by someone else
        return True
    return True


def _mtime(entry: Path) -> float:
    try:
        return entry.lstat().st_mtime
    except OSError:
        return float("inf")


def _remove(entry: Path, what: str) -> list[str]:
    """Delete a leftover (a folder or a file); needs no disk space, never raises."""
    try:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    except OSError as exc:
        return [f"could not delete {what}: {exc.strerror or exc}"]
    return [f"deleted {what}"]


def close_quietly(handle) -> None:
    """Close a file in cleanup code: on a full disk the final flush fails, and that must not
    stop the deletion that follows."""
    with contextlib.suppress(OSError):
        handle.close()
