"""CLI command modules and their registry.

One module per family: ``data`` (import, export, stats), ``cite``, ``render``, ``check``. A module registers
a command with::

    @command("stats", "print counts as CSV")
    def build(parser):          # add arguments to the sub-parser
        parser.add_argument(...)
        return run              # run(args) -> exit status
"""

from __future__ import annotations

import importlib

COMMANDS: dict = {}
FAMILIES = ("data", "cite", "render", "check", "bench")


def command(name: str, help: str):
    def deco(build):
        COMMANDS[name] = (help, build)
        return build

    return deco


def load_all() -> dict:
    for family in FAMILIES:
        try:
            importlib.import_module(f"cli_commands.{family}")
        except ModuleNotFoundError as exc:  # a family not written yet
            if exc.name != f"cli_commands.{family}":
                raise
    return COMMANDS
