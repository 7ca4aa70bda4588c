"""Command line of Syria Ceasefire Monitor: ``python cli.py COMMAND ...``.

Each command is a thin wrapper over the same ``geo/`` functions the app uses.
Exit status: 0 success, 2 refused input (every problem printed), 1 other error.
"""

from __future__ import annotations

import argparse
import sys

from cli_commands import load_all
from geo.schema import InputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python cli.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    runners = {}
    for name, (help_text, build) in load_all().items():
        p = sub.add_parser(name, help=help_text)
        runners[name] = build(p)
    args = parser.parse_args(argv)
    try:
        return int(runners[args.command](args) or 0)
    except InputError as exc:
        print(f"error: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
