"""`gcpause.fewer_collections`: rarer collections during a bulk job, and the process's own
collector settings back as they were afterwards."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from kartoteka.platform import gcpause


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture(autouse=True)
def _collector_as_found():
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    yield
    gc.set_threshold(*threshold)
    if not frozen:
        gc.unfreeze()


def test_inside_collections_are_rarer_and_afterwards_everything_is_as_it_was():
    gc.unfreeze()
    before = gc.get_threshold()
    with gcpause.fewer_collections():
        assert gc.get_threshold() == (gcpause.THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_what_was_held_before_is_left_alone_during_the_job_and_collected_after():
    gc.unfreeze()
    node = Node()
    gone = weakref.ref(node)
    del node
    with gcpause.fewer_collections():
        gc.collect()
        assert gone() is not None  # frozen: a full collection does not walk it
        made = Node()
        made_gone = weakref.ref(made)
        del made
        gc.collect()
        assert made_gone() is None  # cycles made during the job are still collected
    gc.collect()
    assert gone() is None


def test_nested_and_concurrent_jobs_restore_the_settings_once_the_last_one_ends():
    gc.unfreeze()
    before = gc.get_threshold()
    inner_started, outer_may_end = threading.Event(), threading.Event()

    def other_job():
        with gcpause.fewer_collections():
            inner_started.set()
            outer_may_end.wait(5)

    with gcpause.fewer_collections():
        thread = threading.Thread(target=other_job)
        thread.start()
        inner_started.wait(5)
    assert gc.get_threshold()[0] == gcpause.THRESHOLD  # the other job is still running
    outer_may_end.set()
    thread.join(5)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_process_that_froze_its_objects_or_turned_collection_off_keeps_that():
    gc.freeze()
    with gcpause.fewer_collections():
        pass
    assert gc.get_freeze_count() > 0  # not given back: the process froze them itself
    gc.unfreeze()
    gc.set_threshold(0)
    with gcpause.fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0
