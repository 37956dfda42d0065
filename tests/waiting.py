"""The one polling loop of the tests that wait on a process or a server (a page waits on
its own state through Playwright)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(check: Callable[[], T], timeout: float, every: float = 0.1) -> T:
    """Ask `check` every `every` seconds (a script's polling interval) until it answers
    something true or `timeout` seconds have passed; its last answer."""
    deadline = time.monotonic() + timeout
    while not (answer := check()) and time.monotonic() < deadline:
        time.sleep(every)
    return answer
