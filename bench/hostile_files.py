"""Feed the security audit's hostile files to ``python cli.py import`` and measure each run.

Usage::

    python bench/hostile_files.py                 # every case, a 30 MB "big" CSV
    python bench/hostile_files.py --huge          # plus the audit's 300 MB CSV (and ~3 M rows)
    python bench/hostile_files.py --only gzip_bomb,fifo --keep

The files are made in a temporary folder (removed at the end unless ``--keep``), each import runs
against a fresh temporary store, and a table is printed: file, seconds, peak RSS (MB, of the child
process, from ``os.wait4``), exit code, and the first line of what the command printed. Every child
runs under an address-space cap (``--cap-gb``, default 6) and a time limit (``--timeout``, default
600 s), so a regression cannot take the shared host down: a run stopped by them says so.

Cases (security audit 2026-11, findings 1, 7, 8, 9, 10): a gzip bomb (about 5 MB holding 2 GB of
CSV), a big CSV (``--big-mb``; 300 MB with ``--huge``), a CSV with 10^6 columns, a 50 MB CSV on one
line, GeoJSON nested 100,000 levels, ``/dev/zero``, a FIFO with no writer, a symbolic link to
``/dev/zero``, and a zip holding 10^5 members.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "event_id,date_start,lat,lon,actor1,actor2,fatalities,admin1_pcode\n"
MB = 1024 * 1024


def _row(i: int) -> str:
    return f"hb:{i},2017-01-{1 + i % 28:02d},{35.0 + (i % 997) / 1000:.3f},{37.0 + (i % 991) / 1000:.3f}," \
           f"Syrian Arab Army,Rebels,{i % 7},SY02\n"


def _rows(start: int, target_bytes: int, chunk_rows: int = 20_000):
    """CSV rows in chunks of text until about ``target_bytes`` (lazily: never the whole file in memory)."""
    done, i = 0, start
    while done < target_bytes:
        chunk = "".join(_row(j) for j in range(i, i + chunk_rows))
        i += chunk_rows
        done += len(chunk)
        yield chunk


def make_big_csv(path: Path, mb: int) -> list[str]:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for chunk in _rows(0, mb * MB):
            fh.write(chunk)
    return ["csv", str(path)]


def make_gzip_bomb(path: Path, gb: float) -> list[str]:
    block = (_row(0) * 20_000).encode()  # one row repeated: compresses about 1000:1
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(HEADER.encode())
        for _ in range(int(gb * 1024 * MB / len(block))):
            fh.write(block)
    return ["csv", str(path)]


def make_wide_csv(path: Path, columns: int = 1_000_000) -> list[str]:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        fh.write(",".join("1" for _ in range(columns)) + "\n")
    return ["csv", str(path)]


def make_single_line(path: Path, mb: int = 50) -> list[str]:
    cell = "A" * 1023 + ","
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(mb * 1024):
            fh.write(cell)
    return ["csv", str(path)]


def make_nested_geojson(path: Path, depth: int = 100_000) -> list[str]:
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"a": '
                    + "[" * depth + "]" * depth + '}, "geometry": {"type": "Point", "coordinates": [37.1, 36.2]}}]}',
                    encoding="utf-8")
    return ["geojson", str(path)]


def make_fifo(path: Path) -> list[str]:
    os.mkfifo(path)
    return ["csv", str(path)]


def make_devzero_link(path: Path) -> list[str]:
    path.symlink_to("/dev/zero")
    return ["csv", str(path)]


def make_many_member_zip(path: Path, members: int = 100_000) -> list[str]:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for i in range(members):
            zf.writestr(f"m/{i}.txt", b"x")
    return ["zip", str(path)]


def cases(folder: Path, args) -> list[tuple[str, object]]:
    """(label, maker) for every case; a maker returns the ``import`` arguments (format, file)."""
    big = [(f"big CSV {args.big_mb} MB", lambda: make_big_csv(folder / "big.csv", args.big_mb))]
    if args.huge:
        big.append(("big CSV 300 MB", lambda: make_big_csv(folder / "big300.csv", 300)))
    return [
        (f"gzip bomb ({args.bomb_gb:g} GB of CSV)", lambda: make_gzip_bomb(folder / "bomb.csv.gz", args.bomb_gb)),
        *big,
        ("CSV, 10^6 columns", lambda: make_wide_csv(folder / "wide.csv")),
        ("CSV, 50 MB on one line", lambda: make_single_line(folder / "oneline.csv")),
        ("GeoJSON nested 100,000 levels", lambda: make_nested_geojson(folder / "nested.geojson")),
        ("/dev/zero", lambda: ["csv", "/dev/zero"]),
        ("FIFO, no writer", lambda: make_fifo(folder / "fifo.csv")),
        ("symlink to /dev/zero", lambda: make_devzero_link(folder / "zero.csv")),
        ("zip, 10^5 members", lambda: make_many_member_zip(folder / "many.zip")),
    ]


def run_import(argv: list[str], store: Path, cap_gb: float, timeout_s: float) -> dict:
    """Run ``python cli.py import ARGV --store STORE``; seconds, peak RSS (MB), exit code, first line."""
    cap = int(cap_gb * 1024 * MB)

    def limit():  # in the child, before exec: a bomb that is not refused stops at the cap
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    out_path = store.with_suffix(".out")
    with open(out_path, "w+b") as out:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "import", *argv, "--store", str(store)],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit)
        note = ""
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout_s:
                proc.kill()
                note = f" (killed after {timeout_s:g} s)"
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)  # polling a child in a benchmark, not a test
        seconds = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = [ln for ln in out.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    if first.endswith("problem(s); nothing was written") and len(lines) > 1:  # the problem itself follows
        first += " / " + lines[1].strip()
    first += note
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "code": proc.returncode, "message": first}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=int, default=30, help="size of the big CSV case (default 30)")
    parser.add_argument("--huge", action="store_true", help="add the audit's 300 MB CSV")
    parser.add_argument("--bomb-gb", type=float, default=2.0, help="CSV inside the gzip bomb, GB (default 2)")
    parser.add_argument("--cap-gb", type=float, default=6.0, help="address-space cap of each import (default 6)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before an import is killed")
    parser.add_argument("--only", default="", help="comma-separated words: run the cases whose label has one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    print("| file | size | seconds | peak RSS MB | exit | first line of the message |")
    print("|---|---|---|---|---|---|")
    for n, (label, maker) in enumerate(cases(folder, args)):
        if words and not any(w in label.lower() for w in words):
            continue
        import_args = maker()
        target = Path(import_args[1])
        size = f"{target.stat().st_size / MB:,.1f} MB" if target.is_file() else "-"
        r = run_import(import_args, folder / f"store{n}.gpkg", args.cap_gb, args.timeout)
        message = r["message"].replace("|", "\\|")[:220]
        print(f"| {label} | {size} | {r['seconds']:.1f} | {r['rss_mb']:,.0f} | {r['code']} | {message} |", flush=True)
        if target.is_file() and not args.keep and target.parent == folder:
            target.unlink()
    if args.keep:
        print(f"files kept in {folder}")
    else:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
