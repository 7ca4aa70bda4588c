"""The one atomic file writer: all of a write or nothing.

Every user-visible file the project writes (the workspace store, exports, briefings, the
vendor files, the build scripts' data files) goes through :func:`atomic_path` or one of its
two shorthands. The new content is written to a temporary file in the target's own folder
(so the final rename never crosses a file system), flushed to disk (``fsync``), then swapped
in with ``os.replace``. A crash or an exception before the swap leaves the target exactly as
it was, and removes the temporary file.

Permissions: the temporary file is created with mode ``0o666`` and the kernel applies the
process umask, as for any new file (GDAL does the same when it creates a file itself). The
umask is never read by setting it: ``os.umask`` changes a process-wide value, which another
thread of a server could see in between.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

#: Files SQLite (GeoPackage) may leave next to a database it was writing.
_SIDECARS = ("-journal", "-wal", "-shm")


@contextlib.contextmanager
def atomic_path(target, *, create: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; swap it in when the block ends without error.

    Parameters
    ----------
    target : str or PathLike
        The file to write. Its folder must exist (callers decide whether to create it).
    create : bool
        Create the (empty) temporary file before yielding, with the umask's permissions.
        Pass ``False`` when the writer must create the file itself (GDAL refuses to write
        a GeoPackage into an existing empty file): the path then does not exist yet.

    Yields
    ------
    Path
        The temporary file to write. When the block raises, it is removed (with any SQLite
        side files) and ``target`` is left untouched.
    """
    target = Path(target)
    tmp = _temporary_name(target, create=create)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        for leftover in (tmp, *(Path(str(tmp) + s) for s in _SIDECARS)):
            with contextlib.suppress(FileNotFoundError):  # already renamed, or never created
                leftover.unlink()


def write_bytes(target, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`); return the path.

    Parameters
    ----------
    target : str or PathLike
        The file to write.
    data : bytes
        Its whole new content.

    Returns
    -------
    Path
        ``target``.
    """
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (see :func:`atomic_path`); return the path.

    Parameters
    ----------
    target : str or PathLike
        The file to write.
    text : str
        Its whole new content (written as is: no newline translation).
    encoding : str
        The text encoding (UTF-8 unless said otherwise).

    Returns
    -------
    Path
        ``target``.
    """
    return write_bytes(target, text.encode(encoding))


def _temporary_name(target: Path, *, create: bool) -> Path:
    """A fresh hidden name next to ``target``; created empty (mode 0o666 & ~umask) if asked."""
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp{target.suffix}")
        if not create:
            if not tmp.exists():
                return tmp
            continue
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:  # a name already taken (vanishingly rare): draw another
            continue
        return tmp


def _fsync_file(path: Path) -> None:
    """Flush a written file's content to disk before the rename makes it visible."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    """Flush the folder entry of the rename (best effort: not every file system allows it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. a folder we may write into but not open for reading
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the rename is done anyway
        pass
    finally:
        os.close(fd)
