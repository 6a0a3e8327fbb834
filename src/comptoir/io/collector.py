"""Pausing Python's cyclic garbage collector during a large import.

A 100,000-row file becomes millions of long-lived objects (cells, parsed values, planned
rows). Each full collection walks all of them again, and allocation-heavy work triggers
collections all the time: measured on the product import, that was a third of its time.
Reference counting still frees almost everything while the collector is paused; it runs
again, once, when the last import running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    global _running, _was_enabled
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _was_enabled:
                gc.enable()
