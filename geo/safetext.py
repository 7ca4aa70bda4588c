"""Text that leaves the program: CSV cells a spreadsheet will not run, terminal lines that cannot drive
the terminal.

- :func:`csv_text` is the one way a table becomes CSV text for a user (CLI ``export``/``stats``/``check``/
  ``cite --csv`` and the web downloads): every text cell that a spreadsheet would read as a formula
  (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a line break and is not a plain number) gets
  a leading apostrophe (OWASP "CSV injection"). A carriage return inside a cell becomes a newline (the
  csv module would leave a lone CR unquoted, and it would split the row). Numbers, dates and empty cells
  are written as they are.
- :func:`terminal_safe` replaces control characters (ANSI escape sequences, BEL, ...) and Unicode
  bidirectional overrides in text printed to a terminal with a visible ``\\uXXXX`` form.

Pure functions; no I/O.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: C0/C1 controls except tab and newline, DEL, and the bidi embedding/override/isolate characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutralise_cell(value):
    """The cell as a spreadsheet should show it: text that would run as a formula gets a leading ``'``.

    Parameters
    ----------
    value : object
        A cell value. Only ``str`` values are changed.

    Returns
    -------
    object
        ``value`` itself, or for text: carriage returns made newlines, and ``"'"`` put in front when it
        starts with a formula character and is not a plain number (``-3.5`` stays as it is; ``=1+1``,
        ``@SUM(A1)``, ``-1+cmd|...`` do not).
    """
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised (:func:`neutralise_cell`).

    Parameters
    ----------
    frame : DataFrame
        Any table (geometry columns must already be text).

    Returns
    -------
    DataFrame
        The same shape and index; numeric and date columns unchanged.
    """
    out = pd.DataFrame(frame).copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text of ``frame`` for a user to open: header row, ``\\n`` line ends, formulas neutralised.

    Parameters
    ----------
    frame : DataFrame
        The table to write (the index is not written).

    Returns
    -------
    str
        The CSV text.
    """
    return neutralise(frame).to_csv(index=False, lineterminator="\n")


def csv_rows(rows: Iterable[Iterable]) -> str:
    """CSV text of plain rows (the first is the header), formulas neutralised.

    Parameters
    ----------
    rows : iterable of iterables
        The rows, header first.

    Returns
    -------
    str
        The CSV text with ``\\n`` line ends.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([neutralise_cell(v) for v in row])
    return buffer.getvalue()


def terminal_safe(text) -> str:
    """``text`` with control characters and bidi overrides shown as ``\\uXXXX`` (for terminal output).

    Parameters
    ----------
    text : object
        Anything; converted with ``str``.

    Returns
    -------
    str
        Printable text: an escape sequence such as ``ESC ] 0 ; title BEL`` can no longer retitle or clear
        the terminal, and U+202E can no longer reverse what follows it.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))
