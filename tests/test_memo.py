"""geo.memo.IdentityMemo: values kept by the identity of read-only objects, bounded."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from geo.memo import IdentityMemo


def _counting():
    calls = []

    def make(value):
        def inner():
            calls.append(value)
            return value
        return inner

    return calls, make


@pytest.mark.parametrize("weak", [False, True])
def test_the_same_objects_hit_equal_ones_do_not(weak):
    memo = IdentityMemo(4, weak=weak)
    calls, make = _counting()
    a = np.arange(5)
    assert memo.get_or_make((a,), "x", make(1)) == 1
    assert memo.get_or_make((a,), "x", make(2)) == 1  # the very same array: kept
    assert memo.get_or_make((a.copy(),), "x", make(3)) == 3  # equal content, another object
    assert memo.get_or_make((a,), "y", make(4)) == 4  # the extra key counts
    assert calls == [1, 3, 4]


class _Box:
    """A plain object: CPython hands a freed one's id to the next one made."""


@pytest.mark.parametrize("weak", [False, True])
def test_an_id_reused_by_a_new_object_is_not_a_hit(weak):
    memo = IdentityMemo(4, weak=weak)
    a = _Box()
    memo.get_or_make((a,), (), lambda: "old")
    old_id = id(a)
    if not weak:  # the memo holds its objects: the id cannot be freed while the entry lives
        assert memo.get_or_make((a,), (), lambda: "new") == "old"
        return
    del a
    made = []  # kept alive, so each new box takes another free slot, until one takes a's
    while len(made) < 100_000 and (not made or id(made[-1]) != old_id):
        made.append(_Box())
    b = made[-1]
    assert id(b) == old_id  # the case under test did happen
    assert memo.get_or_make((b,), (), lambda: "new") == "new"


def test_weak_entries_let_their_objects_go_strong_ones_hold_them():
    import weakref

    for weak, alive in ((True, False), (False, True)):
        memo = IdentityMemo(4, weak=weak)
        a = np.arange(10)
        ref = weakref.ref(a)
        memo.get_or_make((a,), (), lambda: 1)
        del a
        gc.collect()
        assert (ref() is not None) is alive


def test_the_least_recently_used_go_first():
    memo = IdentityMemo(2)
    objs = [np.arange(i + 1) for i in range(3)]
    memo.get_or_make((objs[0],), (), lambda: 0)
    memo.get_or_make((objs[1],), (), lambda: 1)
    memo.get_or_make((objs[0],), (), lambda: "again")  # used: now the most recent
    memo.get_or_make((objs[2],), (), lambda: 2)  # evicts objs[1], the least recently used
    assert len(memo) == 2
    assert memo.get_or_make((objs[0],), (), lambda: "missed") == 0
    assert memo.get_or_make((objs[1],), (), lambda: "recomputed") == "recomputed"
