"""The dataset version printed on every export: code revision + a hash of the data behind it."""

from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from pathlib import Path

from geo.paths import DATA_DIR, ROOT


@lru_cache(maxsize=1)
def code_revision() -> str:
    """``git describe --always --dirty`` of the repository, or "" when git is not available."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _hash_files(paths, digest) -> None:
    for path in paths:
        digest.update(path.name.encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)


def data_hash(data_dir: Path = DATA_DIR, store_path: Path | None = None) -> str:
    """First 10 hex digits of a SHA-256 over the shipped data files and the workspace store."""
    digest = hashlib.sha256()
    data_dir = Path(data_dir)
    if data_dir.is_dir():
        _hash_files(sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix != ".md"), digest)
    if store_path is not None and Path(store_path).is_file():
        _hash_files([Path(store_path)], digest)
    return digest.hexdigest()[:10]


def dataset_version(data_dir: Path = DATA_DIR, store_path: Path | None = None) -> str:
    """E.g. ``"data 3fa9c01b2e · code e247ebf-dirty"`` (code part omitted without git)."""
    parts = [f"data {data_hash(data_dir, store_path)}"]
    rev = code_revision()
    if rev:
        parts.append(f"code {rev}")
    return " · ".join(parts)
