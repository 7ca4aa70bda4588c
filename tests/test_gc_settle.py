"""The loaded events are kept out of the collector's full passes (``webapp.session.settle_long_lived``).

Streamlit collects all generations after every rerun; the events' shapely points are objects the
collector tracks, so every rerun walked all of them (0.08-0.1 s at 100,000 events).  After a
store version is loaded they sit in the permanent generation, which ``gc.get_objects()`` (the
generations a collection walks) does not list.  How much time that saves is measured by the
benchmark (``python cli.py bench``), not here.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from webapp import session


@pytest.fixture
def thawed():
    """Each test starts and ends with nothing frozen (other tests never see this one's freeze)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def _walked_ids() -> set[int]:
    return {id(o) for o in gc.get_objects()}


def test_loaded_events_are_not_walked_by_later_collections(thawed, shipped_store):
    session.load_events.clear()
    events = session.load_events(str(shipped_store), 0.0)
    points = events.geometry.to_numpy()
    assert len(points) > 400 and gc.is_tracked(points[0])  # shapely points are tracked objects
    walked = _walked_ids()
    assert not any(id(p) in walked for p in points)
    assert gc.get_freeze_count() >= len(points)
    # A second call is served from the cache: nothing is collected or frozen again.
    frozen = gc.get_freeze_count()
    assert session.load_events(str(shipped_store), 0.0) is events
    assert gc.get_freeze_count() == frozen


class _Node:
    pass


def test_a_frozen_cycle_is_collected_at_the_next_store_version(thawed):
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # a reference cycle: only the collector frees it
    alive = weakref.ref(a)
    session.settle_long_lived(None)
    del a, b
    gc.collect()
    assert alive() is not None  # frozen: full passes skip it (the bound the docstring states)
    session.settle_long_lived(None)  # the next store version: unfrozen and collected first
    assert alive() is None


def test_objects_made_after_settling_are_walked_and_collected(thawed):
    session.settle_long_lived(None)
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    assert id(a) in _walked_ids()
    del a, b
    gc.collect()
    assert alive() is None
