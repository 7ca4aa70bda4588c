"""Reading text files in the encodings analysts' files come in.

Files may be gzip-compressed (``.csv.gz``). Accepted: UTF-8, UTF-8 with a byte-order mark (Excel), UTF-16 with a BOM, and Windows Arabic
(cp1256) when the decoded text is mostly Arabic letters. Anything else is refused with a
clear message rather than decoded into mojibake (pass an explicit ``encoding`` to override).

Limits, checked before reading (security audit, findings 1, 8, 9): only regular files are read (never a
device, a pipe or a socket, even through a symbolic link); a file may hold at most ``LIMITS.file_mb``
MB, and a gzip file may expand to at most ``LIMITS.text_mb`` MB and at most ``LIMITS.ratio`` times its
size (decompressed in 1 MB steps, so a bomb is refused after reading little of it). Defaults 25 MB,
25 MB and 100; set ``MONITOR_MAX_FILE_MB``, ``MONITOR_MAX_TEXT_MB``, ``MONITOR_MAX_RATIO`` to change them.
An import holds about 5 times its text in memory (measured on the command line: a 343 MB UCDP-layout
CSV of 1M rows peaked at 1.65 GB, its 34 MB tenth at 0.39 GB; before issue 12 about 10-40 times), so the
defaults keep one import far under 1 GB; raise them only with the memory to match.
A CSV header may have at most ``MAX_COLUMNS`` columns and ``MAX_HEADER_CHARS`` characters.
An import reads at most ``LIMITS.rows`` rows or features (default 500,000; ``MONITOR_MAX_ROWS``): a
zipped shapefile of 2.7 million points fits in 24 MB and took 3.5 GB to read.  A zip
(:func:`check_archive`) may hold at most ``LIMITS.zip_members`` members (100,
``MONITOR_MAX_ZIP_MEMBERS``) that unpack to at most ``LIMITS.unpacked_mb`` MB together (250,
``MONITOR_MAX_UNPACKED_MB``), each at most ``LIMITS.ratio`` times its packed size, with relative
paths inside the archive and no links; all of it read from the zip's directory, before any member.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from geo.schema import InputError, Problem

_ARABIC = range(0x0600, 0x0700)
#: Arabic letters a text must hold to be read as Windows Arabic (unless they are 30 % of its letters).
MIN_ARABIC_LETTERS = 8
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Input limits (see module doc); read from the environment once, at import."""

    file_mb: int = int(os.environ.get("MONITOR_MAX_FILE_MB", "25"))
    text_mb: int = int(os.environ.get("MONITOR_MAX_TEXT_MB", "25"))
    ratio: int = int(os.environ.get("MONITOR_MAX_RATIO", "100"))
    #: Rows of a CSV, features of a GeoJSON or of a GeoPackage / shapefile layer.
    rows: int = int(os.environ.get("MONITOR_MAX_ROWS", "500000"))
    #: What a zip may unpack to (all members together), and how many members it may hold.
    unpacked_mb: int = int(os.environ.get("MONITOR_MAX_UNPACKED_MB", "250"))
    zip_members: int = int(os.environ.get("MONITOR_MAX_ZIP_MEMBERS", "100"))


LIMITS = Limits()
#: A CSV header longer than this, or with more columns, is not a table of events (audit finding 7).
MAX_HEADER_CHARS = 64 * 1024
MAX_COLUMNS = 500


def check_input_file(path, limits: Limits = LIMITS) -> Path:
    """``path`` when it is an existing regular file within the size limit; else ``InputError``.

    Parameters
    ----------
    path : str or Path
        The file an analyst gave (a symbolic link is followed: what it points to must be a file).
    limits : Limits
        The limits to apply (``LIMITS`` unless a caller or a test says otherwise).

    Returns
    -------
    Path
        ``path`` as a Path.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError([Problem(None, None, f"no such file: {path}", code="no_file")]) from None
    except OSError as exc:  # permission, a loop of links, a name too long
        raise InputError([Problem(None, None, f"{path.name} cannot be read ({exc.strerror})", code="unreadable")]) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError([Problem(None, None, f"{path} is a folder, not a file", code="not_file")])
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Problem(None, None, f"{path.name} is not a regular file (a device, a pipe or a socket): "
                                  "only files are read", code="not_file")])
    if info.st_size > limits.file_mb * _MB:
        raise InputError([Problem(None, None, f"{path.name} is {info.st_size / _MB:,.0f} MB, over the limit of "
                                  f"{limits.file_mb} MB", code="too_large")])
    return path


def _member_problem(info: zipfile.ZipInfo, limits: Limits) -> Problem | None:
    """Why one zip member is refused (an unsafe path, a link, a bomb), or None."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
        return Problem(None, None, f"the zip holds a member outside its own folder ({name!r})", code="unsafe_archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        return Problem(None, None, f"the zip holds a link ({name!r}): only files are read", code="unsafe_archive")
    if info.file_size > 10 * _MB and info.file_size > limits.ratio * max(info.compress_size, 1):
        return Problem(None, None, f"the zip member {name!r} expands {info.file_size / max(info.compress_size, 1):,.0f} "
                       f"times (limit {limits.ratio}): refused before unpacking it", code="too_large")
    return None


def check_archive(path, limits: Limits = LIMITS) -> None:
    """Refuse a zip whose directory lists too many members, too much to unpack, a bomb or an unsafe
    member (``InputError``); any other file passes.  Only the zip's directory is read.

    Parameters
    ----------
    path : str or Path
        A file already checked by :func:`check_input_file`.
    limits : Limits
        ``zip_members``, ``unpacked_mb`` and ``ratio`` apply.
    """
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError([Problem(None, None, f"the zip file is damaged: {exc}")]) from None
    if len(members) > limits.zip_members:
        raise InputError([Problem(None, None, f"the zip holds {len(members):,} members (limit {limits.zip_members:,})",
                                  code="too_large")])
    problems = [p for p in (_member_problem(m, limits) for m in members) if p is not None]
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.unpacked_mb * _MB:
        problems.append(Problem(None, None, f"the zip unpacks to {unpacked / _MB:,.0f} MB (limit {limits.unpacked_mb:,} MB)",
                                code="too_large"))
    if problems:
        raise InputError(problems)


def too_many_rows(count: int, what: str, limit: int) -> Problem | None:
    """The problem of an input holding more than ``limit`` rows or features, or None.

    Parameters
    ----------
    count : int
        How many the input holds (or at least holds, when it was not read to its end).
    what : str
        "rows" or "features", as the message names them.
    limit : int
        The most allowed (``Limits.rows``).

    Returns
    -------
    Problem or None
        A file-level problem with code ``too_large``.
    """
    if count <= limit:
        return None
    return Problem(None, None, f"the file holds more than {limit:,} {what}, the limit of one import",
                   code="too_large")


def _gunzip(data: bytes, limits: Limits) -> bytes:
    """``data`` decompressed, in 1 MB steps, refused as soon as a limit is passed."""
    out, size = [], 0
    cap = min(limits.text_mb * _MB, max(limits.ratio * len(data), 10 * _MB))
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(_MB):
                size += len(chunk)
                if size > cap:
                    raise InputError([Problem(None, None, (
                        f"the gzip file expands to more than {cap / _MB:,.0f} MB (limits: {limits.text_mb} MB, "
                        f"{limits.ratio} times the compressed size): refused before reading it all"),
                        code="too_large")])
                out.append(chunk)
    except (OSError, EOFError) as exc:
        raise InputError([Problem(None, None, f"the gzip file is damaged: {exc}")]) from None
    return b"".join(out)


def detect_encoding(data: bytes) -> str:
    """The encoding of ``data``: "utf-8-sig", "utf-16", "utf-8" or "cp1256".

    Parameters
    ----------
    data : bytes
        The raw file contents.

    Returns
    -------
    str
        The encoding name.

    Raises
    ------
    InputError
        When the bytes are neither UTF-8 nor plausibly cp1256 Arabic text.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text = data.decode("cp1256")
    except UnicodeDecodeError:
        text = ""
    high = [ch for ch in text if ord(ch) > 127]
    arabic = sum(1 for ch in high if ord(ch) in _ARABIC)
    letters = sum(1 for ch in text if ch.isalpha())
    # mostly Arabic among the non-ASCII characters, and more than a word's worth or a real part of
    # the letters: a few stray bytes in an English file decode to Arabic letters too (security
    # audit, finding 19: four bytes in an English report read as the word "السل")
    if high and arabic / len(high) >= 0.6 and (arabic >= MIN_ARABIC_LETTERS or arabic >= 0.3 * letters):
        return "cp1256"
    line = data[:first_bad].count(b"\n") + 1
    raise InputError(
        [
            Problem(
                None,
                None,
                f"the file is not UTF-8 (undecodable byte at line {line}) and does not look like "
                "Windows Arabic (cp1256): save it as UTF-8, or state its encoding",
                code="bad_encoding",
            )
        ]
    )


#: Leading bytes of binary files analysts hand over by mistake, and what to tell them.
_MAGIC = (
    (
        b"PK\x03\x04",
        "a zip archive (an Excel .xlsx workbook, or zipped files)",
        "save the sheet as 'CSV UTF-8', or import a zipped shapefile with FORMAT zip",
    ),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook (or another Office file)", "save the sheet as 'CSV UTF-8'"),
    (b"SQLite format 3\x00", "a GeoPackage / SQLite database", "import it with FORMAT gpkg"),
    (b"%PDF", "a PDF document", "save its text as a .txt file"),
)


def binary_kind(data: bytes) -> str:
    """Why ``data`` is not a text file ("a zip archive ...; save the sheet as ..."), "" if it may be.

    UTF-16 text (with its byte-order mark) is text; other bytes holding NUL are binary.

    Parameters
    ----------
    data : bytes
        The raw file contents (only the first 8192 bytes are searched for NUL).

    Returns
    -------
    str
        A message saying what the file is and what to do, or "" when it may be text.
    """
    for magic, what, advice in _MAGIC:
        if data.startswith(magic):
            return f"this is {what}, not a text file: {advice}"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ""
    if b"\x00" in data[:8192]:
        return "this is a binary file, not a text file"
    return ""


def read_text(path, encoding: str | None = None) -> tuple[str, str]:
    """The decoded text of a file (gzip-compressed or not) and the encoding used.

    Parameters
    ----------
    path : str or Path
        The file to read (gzip-compressed files are decompressed).
    encoding : str, optional
        The encoding to use; None to detect it (see :func:`decode`).

    Returns
    -------
    (str, str)
        The text and the encoding used. Raises ``InputError`` for a damaged gzip file, an empty file, a
        binary file or undecodable bytes.
    """
    return decode(_file_bytes(path), encoding)


def _file_bytes(path) -> bytes:
    """The bytes of a text file (gzip decompressed within the limits); ``InputError`` when empty or binary."""
    data = check_input_file(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, LIMITS)
    if not data.strip():
        raise InputError([Problem(None, None, "the file is empty")])
    binary = binary_kind(data)
    if binary:
        raise InputError([Problem(None, None, binary)])
    return data


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes: the one decoder of every importer and of the document ingest.

    Parameters
    ----------
    data : bytes
        The file's content (decompressed).
    encoding : str, optional
        The encoding the user stated; detected by :func:`detect_encoding` when None.

    Returns
    -------
    (str, str)
        The text and the encoding used.

    Raises
    ------
    InputError
        When the encoding cannot be decided, is unknown, or does not decode the bytes.
    """
    enc = encoding or detect_encoding(data)
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError) as exc:  # a stated encoding that does not fit, or no such codec
        raise InputError([Problem(None, None, f"cannot decode the file as {enc}: {exc}")]) from None


def read_csv(path, encoding: str | None = None, columns=None, limits: Limits = LIMITS) -> tuple[pd.DataFrame, str]:
    """A CSV file as a frame of strings (missing = ""), header names stripped.

    The delimiter is sniffed among comma, semicolon and tab. Raises ``InputError`` for an
    empty file, a file with a header but no data row, duplicated column names or rows that
    do not split into the header's fields. The parser reads the file's bytes (decoded as it goes),
    never a second copy of the whole text.

    Parameters
    ----------
    path : str or Path
        The CSV file (checked and decompressed as :func:`read_text` does).
    encoding : str, optional
        The encoding to use; None to detect it.
    columns : collection of str, optional
        Keep only these columns (names compared stripped; absent ones are simply not there);
        None keeps every column. Every row is still checked against the whole header.
    limits : Limits
        At most ``limits.rows`` data rows (counted while the rows are checked, before pandas
        reads them).

    Returns
    -------
    (DataFrame, str)
        The table (all columns str) and the encoding used.
    """
    data = _file_bytes(path)
    enc, sep, names = _header(data, encoding)
    problems = _ragged_rows(_lines(data, enc), sep, len(names), limits.rows)
    if problems:
        raise InputError(problems)
    wanted = None if columns is None else {str(c) for c in columns}
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            encoding=enc,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=False,
            usecols=None if wanted is None else (lambda name: str(name).strip() in wanted),
        )
    except pd.errors.EmptyDataError:
        raise InputError([Problem(None, None, "the file is empty")]) from None
    except pd.errors.ParserError as exc:
        raise InputError([Problem(None, None, f"the CSV does not parse: {exc}")]) from None
    df.columns = [str(c).strip() for c in df.columns]
    if len(df) == 0:
        raise InputError([Problem(None, None, "the file has a header but no data rows")])
    return df, enc


def _header(data: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """(encoding, delimiter, column names) of a CSV file's bytes; ``InputError`` for a header that is too
    long, too wide or names a column twice, and for bytes the encoding does not decode."""
    text, enc = decode(data, encoding)  # refuses undecodable bytes; only the header is kept
    newline = text.find("\n")
    first_line = text.lstrip("\ufeff")[: newline if newline >= 0 else len(text)].rstrip("\r")
    del text
    if len(first_line) > MAX_HEADER_CHARS:
        raise InputError([Problem(None, None, f"the header line is {len(first_line):,} characters long (limit "
                                  f"{MAX_HEADER_CHARS:,}): not a table of events", code="too_large")])
    sep = max([",", ";", "\t"], key=first_line.count)
    header = next(csv.reader([first_line], delimiter=sep))
    if len(header) > MAX_COLUMNS:
        raise InputError([Problem(None, None, f"the header has {len(header):,} columns (limit {MAX_COLUMNS:,})",
                                  code="too_large")])
    names = [h.strip() for h in header]
    seen, problems = set(), []
    for name in names:
        if name in seen:
            problems.append(Problem(None, name, "column name appears twice in the header"))
        seen.add(name)
    if problems:
        raise InputError(problems)
    return enc, sep, names


def _lines(data: bytes, enc: str):
    """The decoded lines of ``data`` one by one (split on "\\n" only, as the whole text would be),
    a leading byte-order mark dropped."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=enc, newline="\n")
    first = next(stream, None)
    if first is None:
        return
    yield first.lstrip("\ufeff")
    yield from stream


def _ragged_rows(lines, sep: str, width: int, max_rows: int) -> list[Problem]:
    """A problem for each data row whose field count differs from the header's; only the problem
    of the row limit once the file passes ``max_rows`` rows (it is not read further).

    pandas would silently shift such a row (a row with one field too many turns the first
    column into the index) or pad it with empty cells.  Rows are numbered as pandas numbers
    them (blank lines skipped). ``lines`` are the file's lines (:func:`_lines`).
    """
    problems = []
    try:
        records = csv.reader(lines, delimiter=sep)
        next(records, None)  # the header
        row = 0
        for fields in records:
            n = len(fields)
            if n == width and (n > 1 or fields[0].strip()):  # the common case first: one test per row
                row += 1
                if row > max_rows:
                    return [too_many_rows(row, "rows", max_rows)]
                continue
            if not fields or (n == 1 and not fields[0].strip()):
                continue  # pandas skips empty and whitespace-only lines, but keeps a line of bare separators
            row += 1
            if row > max_rows:
                return [too_many_rows(row, "rows", max_rows)]
            if n != width:
                problems.append(
                    Problem(
                        row,
                        None,
                        f"{len(fields)} fields where the header has {width} "
                        f"(an unquoted {'comma' if sep == ',' else 'separator'} in a value, or a missing one?)",
                    )
                )
    except csv.Error as exc:
        problems.append(Problem(None, None, f"the CSV does not parse: {exc}"))
    return problems
