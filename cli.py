"""Command line of Syria Ceasefire Monitor: ``python cli.py COMMAND ...``.

Each command is a thin wrapper over the same ``geo/`` functions the app uses.
Exit status: 0 success, 2 refused input (every problem printed), 1 other error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

INTERRUPTED = "interrupted: the store holds all of this command's changes or none (writes are atomic)"


def main(argv: list[str] | None = None) -> int:
    # Imported here so that Ctrl-C while the libraries load is caught below, not a traceback.
    from cli_commands import load_all
    from cli_commands.problems import cli_text, store_text
    from geo.safetext import terminal_safe
    from geo.schema import InputError, summarise
    from geo.store import StoreError

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
        shown, rest = summarise(exc.problems)
        for problem in shown:
            print(f"  {terminal_safe(cli_text(problem))}", file=sys.stderr)
        for kind, n in rest:  # a file with millions of problems prints a hundred lines, not millions
            print(f"  ... and {n:,} more of the same kind: {terminal_safe(kind)}", file=sys.stderr)
        return 2
    except StoreError as exc:  # the workspace store cannot be used: say which file and what to do
        print(f"error: {store_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # writes are atomic (temporary file + os.replace): all of a write or nothing
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``| head``): not an error of ours; silence the final flush
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the one catch-all: a user sees one line, never a traceback (exit 1)
        if os.environ.get("MONITOR_DEBUG"):
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc} (set MONITOR_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # while parsing arguments or loading the libraries
        print(INTERRUPTED, file=sys.stderr)
        sys.exit(130)
