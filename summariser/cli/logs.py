"""`summarise logs`: recent runs, one run's prompts and answers, and where the log lives."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from summariser.cli import options as opt
from summariser.cli.common import (
    ERROR,
    ListFormat,
    configure_output,
    out,
    tell,
)
from summariser.cli.root import App, app

logs_app = App(
    help="Every model call: prompts, answers, re-asks and validation errors, per article. "
    "On by default for `run` (--no-log to skip), opt-in with --log for `batch` and `eval`.",
    no_args_is_help=False,
    rich_markup_mode=None,
)
app.add_typer(logs_app, name="logs")

FormatOpt = Annotated[
    ListFormat, typer.Option("--format", "-f", help="table for people, json for machines.")
]


@logs_app.callback(invoke_without_command=True)
def logs_list(
    ctx: typer.Context,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many runs.")] = 20,
    fmt: FormatOpt = ListFormat.table,
    verbose: opt.Verbose = 0,
    quiet: opt.Quiet = False,
) -> None:
    """List recent runs (newest first); `summarise logs show ID` prints one in full."""
    configure_output(verbose, quiet)
    if ctx.invoked_subcommand:
        return
    from rich.table import Table
    from rich.text import Text

    from summariser import logs

    with _unreadable_log():
        rows = logs.recent(count)
    if fmt is ListFormat.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("id", "started (UTC)", "command", "model", "source", "calls", "tokens",
                  "errors", "status")  # fmt: skip
    for col in table.columns:
        col.overflow = "fold"
    for r in rows:
        tokens = f"{r['prompt_tokens']}+{r['completion_tokens']}"
        started = str(r["started"])[5:16].replace("T", " ")  # MM-DD HH:MM
        cells = (r["id"], started, r["command"], r["model"], r["source"], r["attempts"],
                 tokens, r["errors"], r["status"])  # fmt: skip
        table.add_row(*(Text("" if c is None else str(c)) for c in cells))
    out().print(table)
    if not rows:
        tell(f"no runs logged yet in {logs.db_path()}")


@logs_app.command("show")
def logs_show(
    run_id: Annotated[int, typer.Argument(help="A run id from `summarise logs`.")],
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """Print one run: each model call's prompt, answer and validation error."""
    from summariser import logs

    with _unreadable_log():
        run = logs.show(run_id)
    if run is None:
        tell(f"error: no run {run_id} in {logs.db_path()}; see `summarise logs`")
        raise typer.Exit(ERROR)
    if fmt is ListFormat.json:
        print(json.dumps(run, indent=2, ensure_ascii=False))
        return
    print(_readable(run))


@logs_app.command("prune")
def logs_prune(
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep",
            min=0,
            help="Runs to keep, newest first (0: no limit). "
            "Default $SUMMARISER_LOGS_KEEP, else 10000.",
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            help="Days to keep (0: no limit). Default $SUMMARISER_LOGS_DAYS, else 30.",
        ),
    ] = None,
) -> None:
    """Delete old runs and their calls now (every log does this as it is written, too)."""
    from summariser import logs
    from summariser.errors import SummariserError

    try:
        with _unreadable_log():
            gone = logs.prune(keep, days)
    except SummariserError as e:
        tell(f"error: {e}")
        raise typer.Exit(ERROR) from None
    tell(f"{logs.db_path()}: {gone} run(s) deleted")


@logs_app.command("path")
def logs_path() -> None:
    """Print where the log database is ($SUMMARISER_LOGS_DB to move it)."""
    from summariser import logs

    print(logs.db_path())


@contextlib.contextmanager
def _unreadable_log() -> Iterator[None]:
    """A log database that cannot be read (corrupt, not a database, no permission): one line
    naming it and what to do, exit 1 (`run` only warns: it can do its job without the log)."""
    import sqlite3

    from summariser import logs

    try:
        yield
    except (OSError, sqlite3.Error) as e:
        tell(f"error: cannot read the call log {logs.db_path()}: {e}; move it away (a new one "
             "is started) or set SUMMARISER_LOGS_DB")  # fmt: skip
        raise typer.Exit(ERROR) from None


def _readable(run: dict[str, Any]) -> str:
    """A run as plain text; a message identical to an earlier call's is not repeated."""
    from summariser.render import clean

    lines = [
        f"run {run['id']} · {run['command']} · {clean(run['source'])} · {run['model']} · "
        f"{run['started']} · {run['status']} · {run['attempts']} calls · "
        f"{run['prompt_tokens']}+{run['completion_tokens']} tokens "
        f"({run['cached_tokens']} cached)"
    ]
    seen: dict[tuple[str, str], int] = {}
    for n, call in enumerate(run["calls"], 1):
        lines.append("")
        lines.append(
            f"── call {n}: {call['schema']} attempt {call['attempt']} · "
            f"{call['prompt_tokens']}+{call['completion_tokens']} tokens · "
            f"{call['seconds'] or 0:.2f} s"
        )
        for m in call["messages"]:
            key = (str(m.get("role")), str(m.get("content")))
            if key in seen:
                lines.append(f"[{m.get('role')}] (same as in call {seen[key]})")
                continue
            seen[key] = n
            lines.append(f"[{m.get('role')}]")
            lines.append(clean(m.get("content"), keep_newlines=True))
        lines.append("[answer]")
        lines.append(clean(call["answer"], keep_newlines=True) or "(none)")
        if call["error"]:
            lines.append("[error]")
            lines.append(clean(call["error"], keep_newlines=True))
    return "\n".join(lines)
