"""The one atomic writer (geo.atomic): all or nothing, umask permissions, umask untouched."""

from __future__ import annotations

import os
import stat

import pytest

from geo.atomic import atomic_path, write_bytes, write_text


@pytest.fixture
def umask_027():
    """Run a test under umask 027, then restore the previous one."""
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


def _current_umask() -> int:
    """The process umask, read from /proc (Linux) so that reading does not change it."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    raise AssertionError("no Umask line in /proc/self/status")


def test_failure_mid_write_leaves_target_unchanged(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content\n")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary file left


def test_failure_before_first_write_leaves_no_file(tmp_path):
    target = tmp_path / "new.gpkg"
    with pytest.raises(ValueError), atomic_path(target, create=False) as tmp:
        assert not tmp.exists() and tmp.parent == tmp_path
        raise ValueError("refused")
    assert list(tmp_path.iterdir()) == []


def test_write_replaces_whole_content(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("a much longer old content\n")
    assert write_text(target, "new\n") == target
    assert target.read_bytes() == b"new\n"
    write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_mode_follows_umask_and_umask_is_unchanged(tmp_path, umask_027):
    target = tmp_path / "brief.png"
    write_bytes(target, b"png")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask_027 == 0o640
    assert _current_umask() == umask_027


def test_gdal_created_file_follows_umask(tmp_path, umask_027):
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.store import write_layer

    target = tmp_path / "out.gpkg"
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(36.3, 33.5)], crs="EPSG:4326")
    with atomic_path(target, create=False) as tmp:
        write_layer(frame, tmp, "localities")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _current_umask() == umask_027
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


def test_export_mode_follows_umask(tmp_path, umask_027):
    import geopandas as gpd

    from geo import export
    from geo.frames import empty_frame

    frame = gpd.GeoDataFrame(empty_frame("localities"))
    for fmt in export.FORMATS:
        out = tmp_path / f"loc.{fmt}"
        export.write("localities", frame, fmt, out)
        assert stat.S_IMODE(out.stat().st_mode) == 0o640, fmt
    assert _current_umask() == umask_027


def _app_files_containing(*needles: str) -> list[str]:
    """The project's own modules (not tests) whose text holds one of ``needles``."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    return sorted(
        str(p.relative_to(root))
        for folder in ("geo", "layers", "briefing", "cli_commands", "webapp", "pages", "scripts")
        for p in (root / folder).rglob("*.py")
        if any(n in p.read_text(encoding="utf-8") for n in needles)
    )


def test_no_module_changes_the_umask():
    """``os.umask`` sets a process-wide value: a threaded server must never call it."""
    assert _app_files_containing("os.umask(") == []


def test_one_atomic_writer():
    """Only geo.atomic swaps files in: every writer of a user-visible file goes through it."""
    assert _app_files_containing("os.replace(", "os.rename(", '.with_suffix(".csv.tmp")') == ["geo/atomic.py"]
