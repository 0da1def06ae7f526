"""An import's file read and its rows checked in a second process while this one writes.

Most of an import's time is Python: reading cells, the entity's validator (a phone number
the short way of `platform/phones.py` cannot take costs about 15 µs), building the records.
When no mapped column names another record (a company, an owner) and unknown choices are
not being added, reading a row and checking its values need nothing from the database and
nothing that earlier rows change. A forked child then does both for the batches ahead and
sends them through a pipe, and the import's own process only matches keys, runs the
database checks and writes: the two cores work at once. What the child sends is exactly
what `Run.read` and `bulk.check_input` give in process, so the results do not depend on
which way a file was read.

Limits: Linux only (a forked child that does pure Python is safe there), and not in Huey's
process workers (daemonic processes may not have children) or greenlet workers; files
smaller than `IMPORT_READER_PROCESS_MIN_BYTES` are read in process (forking costs more than
it saves).
The pipe holds a batch or two, so memory does not grow with the file. If the import's process
dies (SIGKILL), the child's next send fails and it exits; if the child dies, the import fails
with an error and can be resumed like any failed import.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from kartoteka.platform import bulk

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .engine import RowWork, Run


class ReaderFailed(RuntimeError):
    """The reading process stopped or raised; the import fails and can be resumed."""


def eligible(run: Run) -> bool:
    if not sys.platform.startswith("linux") or not run.job.file:
        return False
    if multiprocessing.current_process().daemon or "gevent" in sys.modules:
        return False  # a daemonic worker (Huey's -k process) may not fork; greenlets would block
    if run.job.add_choices or any(column.is_reference for column in run.columns):
        return False
    return run.job.size >= settings.IMPORT_READER_PROCESS_MIN_BYTES


def pack(works: list[RowWork]) -> list[tuple]:
    return [
        (w.line, w.cells, w.data, w.errors, w.created_at, w.key, w.action, w.checked) for w in works
    ]


def unpack(packed: list[tuple]) -> list[RowWork]:
    from .engine import RowWork

    return [
        RowWork(
            line=line, cells=cells, data=data, errors=errors, created_at=created_at,
            key=key, action=action, checked=checked,
        )
        for line, cells, data, errors, created_at, key, action, checked in packed
    ]  # fmt: skip


def check(run: Run, works: list[RowWork]) -> None:
    """What `bulk.validate_rows` would first do with each row that may become a record."""
    for work in works:
        if not work.errors and not work.action:
            work.checked = bulk.check_input(run.entity, run.user, work.data)


def _child(run: Run, after_line: int, conn: Any, parent_end: Any) -> None:
    # the parent's end, inherited: closed, so that a send fails once the parent is gone
    parent_end.close()
    try:
        for batch in run.batches(after_line):
            works = run.read(batch)
            check(run, works)
            conn.send(("batch", pack(works)))
        conn.send(("end", list(run.table.problems)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the import's process is gone: nobody to tell
    except BaseException as exc:  # noqa: BLE001 (reported to the parent, which fails the import)
        try:
            conn.send(("error", (f"{type(exc).__name__}: {exc}", traceback.format_exc())))
        except OSError:
            pass
    finally:
        conn.close()


class Reader:
    """`with Reader(run, after_line) as batches: for works in batches: …`"""

    def __init__(self, run: Run, after_line: int):
        self.run = run
        self.after_line = after_line
        self.process: Any = None
        self.conn: Any = None

    def __enter__(self) -> Reader:
        context = multiprocessing.get_context("fork")
        self.conn, child_end = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(self.run, self.after_line, child_end, self.conn), daemon=True
        )
        self.process.start()
        child_end.close()
        return self

    def __iter__(self) -> Iterator[list[RowWork]]:
        while True:
            try:
                kind, payload = self.conn.recv()
            except (EOFError, OSError) as exc:
                self.process.join(timeout=5)
                raise ReaderFailed(
                    _("the process reading the file stopped (exit code %(code)s).")
                    % {"code": self.process.exitcode}
                ) from exc
            if kind == "batch":
                yield unpack(payload)
            elif kind == "end":
                self.run.table.problems = payload
                return
            else:
                summary, details = payload
                log.error("import #%s: reading the file failed\n%s", self.run.job.pk, details)
                raise ReaderFailed(
                    _("reading the file failed: %(error)s") % {"error": summary[:300]}
                )

    def __exit__(self, *exc_info) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.process is not None:
            if self.process.is_alive():
                # SIGKILL, not SIGTERM: the child holds nothing to clean up, and it inherited
                # the signal handlers of its parent (a Huey worker's would only set a flag)
                self.process.kill()
            self.process.join()
            self.process.close()
