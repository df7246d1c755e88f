"""The `summarise` command: parses arguments, reads inputs, prints results. Nothing else prints.

One module per command group registers its commands on the shared `app`; shared options,
output settings and exit codes live in `common`.
"""

from __future__ import annotations

import importlib

from summariser.cli.root import app

for _group in (
    "run",
    "view",
    "export",
    "batch",
    "evals",
    "logs",
):  # registers the commands, in this order in --help
    importlib.import_module(f"summariser.cli.{_group}")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="summarise")
