"""One memo for what is worked out of read-only objects kept between reruns (a loaded frame, a
view's positions, a layer's cached data): keyed by the objects' identity, not their content.

The app's caches hand every session the same objects for the same store version and view, so a
value worked out of them (a sort order, formatted rows, a JSON text) can be kept beside them and
found again by ``id()``.  An ``id`` is only unique while its object lives, so each entry holds its
objects (or weak references to them) and a hit checks that they are the very same objects.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any


class IdentityMemo:
    """Values keyed by the identity of a few objects (and plain extra keys), the last few kept.

    Parameters
    ----------
    entries : int
        Most entries kept; the least recently used go first.
    weak : bool
        Hold weak references to the objects (an entry dies with them, e.g. a replaced store
        version's frame), not the objects themselves.

    Notes
    -----
    Thread-safe (Streamlit sessions run in threads).  The value is worked out outside the lock, so
    two threads may both work out a missing value; the last one is kept.  The objects must never
    change while they are keys.
    """

    def __init__(self, entries: int, *, weak: bool = False) -> None:
        self.entries = entries
        self.weak = weak
        self._items: dict = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()

    def get_or_make(self, objects: tuple, extra: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for ``objects`` (the same objects) and ``extra``, or ``make()``, kept.

        Parameters
        ----------
        objects : tuple
            The read-only objects the value is worked out of.
        extra : hashable
            Whatever else the value depends on (plain values).
        make : callable
            Works the value out; called only on a miss.

        Returns
        -------
        object
        """
        key = (tuple(id(o) for o in objects), extra)
        with self._lock:
            hit = self._items.pop(key, None)
            if hit is not None and self._same(hit[0], objects):
                self._items[key] = hit  # the most recently used last
                return hit[1]
        value = make()
        held = tuple(weakref.ref(o) for o in objects) if self.weak else objects
        with self._lock:
            self._items[key] = (held, value)
            while len(self._items) > self.entries:
                self._items.pop(next(iter(self._items)))
        return value

    def _same(self, held: tuple, objects: tuple) -> bool:
        if self.weak:
            return all(ref() is o for ref, o in zip(held, objects, strict=True))
        return all(h is o for h, o in zip(held, objects, strict=True))
