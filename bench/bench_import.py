"""Speed of a UCDP import into an empty store: ``python bench/bench_import.py [ROWS]``.

Writes ROWS (default 2000) synthetic UCDP GED rows spread over western Syria to a temporary
CSV, imports them with ``geo.importers.import_file`` (the shipped outline and governorates, as
``python cli.py import ucdp`` does) and prints the rows added and the time taken.  The unit test
``tests/test_importers.py::test_two_thousand_rows_all_added`` checks the result, not the time.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from geo.importers import import_file

HEADER = ["id", "year", "type_of_violence", "side_a", "side_b", "source_article", "source_office", "source_date",
          "source_headline", "source_original", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude",
          "longitude", "date_prec", "date_start", "date_end", "deaths_civilians", "low", "best", "high"]


def _row(i: int) -> list[str]:
    lat, lon = 35.0 + (i % 100) / 100, 37.0 + (i % 37) / 37
    return [str(i), "2017", "1", "Government of Syria", "Syrian insurgents", "", "SOHR", "2017-01-15", "", "", "1",
            f"place {i}", "", "", str(lat), str(lon), "1", "2017-01-15", "2017-01-15", "0", "1", "2", "3"]


def main(rows: int = 2000) -> None:
    """Import ``rows`` synthetic UCDP rows into a temporary store and print the time taken."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "ucdp.csv"
        with src.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([HEADER, *(_row(i) for i in range(rows))])
        t = time.perf_counter()
        report = import_file("ucdp", src, Path(tmp) / "store.gpkg")
        took = time.perf_counter() - t
    print(f"{rows} UCDP rows: {report.added} added in {took:.2f} s ({rows / took:,.0f} rows/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
