"""Colour differences of the map palette under simulated colour-vision deficiencies.

Prints, for every pair of colours that must be told apart (``geo.colour_vision.palette_pairs``:
zones as drawn, translucent over the map background; truce-class colours; alleged-perpetrator
colours; every event colour on every zone), the CIEDE2000 difference with normal vision and
under the Machado et al. (2009) simulations of protanopia, deuteranopia and tritanopia
(severity 1.0), then the smallest figure of each group against its required minimum
(``geo.colour_vision.MIN_DIFFERENCE``, asserted by ``tests/test_colour_vision.py``).

Usage (from the repository root)::

    python bench/colour_check.py [--all]

Without ``--all`` only the 12 closest pairs of each group are listed.
"""

from __future__ import annotations

import argparse

from geo.colour_vision import INFORMATION_ONLY, MIN_DIFFERENCE, VISIONS, palette_table


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit status 1 when a group is under its minimum.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (``--all``).

    Returns
    -------
    int
        0 when every pair reaches its group's minimum, else 1.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="list every pair, not only the closest")
    args = parser.parse_args(argv)
    rows = palette_table()
    head = f"{'pair':<52}" + "".join(f"{v:>14}" for v in VISIONS)
    failed = False
    for group, required in MIN_DIFFERENCE.items():
        mine = sorted((r for r in rows if r["group"] == group), key=lambda r: r["min"])
        need = "information only" if group in INFORMATION_ONLY else f"required >= {required:g} under every vision"
        print(f"\n== {group}: {len(mine)} pairs, CIEDE2000, {need} ==")
        print(head)
        for r in mine if args.all else mine[:12]:
            print(f"{r['pair']:<52}" + "".join(f"{r[v]:>14.1f}" for v in VISIONS))
        low = mine[0]["min"]
        failed |= low < required
        verdict = "information" if group in INFORMATION_ONLY else ("ok" if low >= required else "TOO CLOSE")
        print(f"smallest: {low:.1f} ({mine[0]['pair']}) -> {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
