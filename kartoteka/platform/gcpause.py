"""Fewer garbage collections while a bulk job makes and drops many objects.

CPython runs a collection of the youngest generation every 700 net new container objects,
and every so often a full one, which walks every object the process holds — in a worker,
everything Django has loaded. An import makes a model instance, dictionaries and lists for
each row and frees nearly all of them by reference counting, so those collections find
almost nothing: they were a fifth of an import's time (finding 37 of docs/performance.md).

`fewer_collections()` freezes what the process already holds (moved out of the collector's
way until the job ends, then given back; a process that froze its objects itself, as the
web server's entry does, keeps them frozen) and raises the youngest generation's threshold
(a process that turned collection off keeps it off).
Reference cycles made meanwhile are still collected, just in larger, rarer rounds. The
settings are the process's: nested or concurrent jobs (threads of one worker) share them,
and the last to finish puts them back.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLD = 50_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()
_froze = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _active, _saved, _froze
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            if _saved[0]:
                gc.set_threshold(max(THRESHOLD, _saved[0]), *_saved[1:])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
                if _froze:
                    gc.unfreeze()
