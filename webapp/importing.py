"""The Data page's import progress: each step of ``geo.importers.import_file`` in words, with the rows so far.

The importer tells its ``progress`` callback each step (``geo.importers.base.STEPS``: read, check,
write, derive) and the rows it works on; :class:`ImportProgress` is that callback for the Data page.
It words the steps with ``geo.importers.base.step_words``, the wording the command line's
``import`` shows too, and says how the import ended (finished with its row count, refused, or
stopped). Pure (no streamlit): ``pages/data.py`` draws it in an ``st.status`` box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from geo.importers.base import step_words


def _count(n: int, noun: str) -> str:
    """``1 row``, ``1,000 rows``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass
class ImportProgress:
    """The steps an import has told so far, worded for the Data page.

    Pass the object as the importer's ``progress`` option: ``import_file(..., progress=p)``.

    Parameters
    ----------
    file : str
        The file's name as the page shows it (the page escapes it for markdown).
    show : callable, optional
        Called with this object after each step (the page updates its status box).
    clock : callable, optional
        Seconds since some start (``time.monotonic``): each step's time since the import began.
    """

    file: str
    show: Callable[[ImportProgress], None] | None = None
    clock: Callable[[], float] = time.monotonic
    steps: list[tuple[str, int | None, float]] = field(default_factory=list)
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    def __call__(self, step: str, rows: int | None = None) -> None:
        """Record step ``step`` (working on ``rows`` rows when known) and show it."""
        self.steps.append((step, rows, self.clock() - self.start))
        if self.show is not None:
            self.show(self)

    @property
    def rows(self) -> int | None:
        """The rows of the file, as the first step that counted them said (None before any did)."""
        return next((rows for _, rows, _ in self.steps if rows is not None), None)

    def seconds(self) -> float:
        """Seconds since the import began."""
        return self.clock() - self.start

    def _words(self, index: int = -1) -> str:
        step, rows, _ = self.steps[index]
        return step_words(step, rows, self.file)

    def lines(self) -> list[str]:
        """One line per step so far, e.g. ``Checking 1,000 rows (started at 0.4 s)``."""
        words = [self._words(i) for i in range(len(self.steps))]
        return [f"{w[:1].upper()}{w[1:]} (started at {at:.1f} s)" for w, (_, _, at) in zip(words, self.steps, strict=True)]

    def label(self) -> str:
        """The status while the import runs, e.g. ``Importing events.csv: checking 1,000 rows``."""
        if not self.steps:
            return f"Importing {self.file}"
        return f"Importing {self.file}: {self._words()}"

    def finished_label(self) -> str:
        """The status once the import is written, e.g. ``Import of events.csv finished: 1,000 rows in 2.1 s``."""
        rows = f"{_count(self.rows, 'row')} " if self.rows is not None else ""
        return f"Import of {self.file} finished: {rows}in {self.seconds():.1f} s"

    def refused_label(self, problems: int) -> str:
        """The status when the file is refused (``problems`` problems): where it stopped, nothing written."""
        where = f" while {self._words()}" if self.steps else ""
        return f"Import of {self.file} refused{where}: {_count(problems, 'problem')}; nothing was written"

    def stopped_label(self) -> str:
        """The status when the store could not be written: where it stopped, nothing written."""
        where = f" while {self._words()}" if self.steps else ""
        return f"Import of {self.file} stopped{where}; nothing was written"
