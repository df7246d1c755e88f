"""The options that commands share, as `Annotated` types: `model: opt.Model = None`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from summariser.steps import STEPS

#: The default of --steps: every step.
ALL_STEPS = ",".join(STEPS)

Verbose = Annotated[
    int,
    typer.Option("--verbose", "-v", count=True, show_default=False,
                 help="Show model calls on stderr (-vv: library debug logs too)."),
]  # fmt: skip
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only data and errors: no progress or notes.")
]
Model = Annotated[
    str | None,
    typer.Option("--model", "-m", envvar="SUMMARISER_MODEL", show_default=False,
                 help="provider:model, e.g. local:qwen2.5-coder-1.5b (default) or "
                 "openai:gpt-4o-mini. See `summarise models`."),
]  # fmt: skip
Key = Annotated[
    str | None,
    typer.Option("--api-key", envvar="OPENAI_API_KEY", show_default=False, show_envvar=True,
                 help="API key for openai: models."),
]  # fmt: skip
Url = Annotated[
    str | None,
    typer.Option("--base-url", envvar="OPENAI_BASE_URL", show_default=False,
                 help="Any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"),
]  # fmt: skip


@dataclass(frozen=True)
class Ask:
    """Which model answers, and where: --model, --api-key, --base-url.

    An option group: a command parameter `ask: opt.Ask = opt.ASK` offers these three options in
    its place (see `root.App`) and receives them as one `Ask`.
    """

    model: Model = None
    api_key: Key = field(default=None, repr=False)  # never in a repr or a traceback
    base_url: Url = None


#: The default of an `Ask` parameter: the default model, key and server from the environment.
ASK = Ask()

Retries = Annotated[
    int | None,
    typer.Option("--max-retries", min=0, max=5, help="Re-asks after invalid model output."),
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Ignore and bypass the cache.")]
Steps = Annotated[str, typer.Option("--steps", help="Comma-separated record types to extract.")]
Concurrency = Annotated[
    int, typer.Option("--concurrency", "-j", min=1, max=256,
                      help="Articles in flight at once (an embedded model: K slots of one "
                      "engine, one model in memory).")
]  # fmt: skip
Report = Annotated[
    Path | None,
    typer.Option("--report", help="Folder for report.json, report.md, predictions.jsonl."),
]
Baseline = Annotated[
    Path | None, typer.Option("--baseline", help="An earlier report.json to diff against.")
]
Min = Annotated[
    list[str] | None,
    typer.Option("--min", help="Gate METRIC=NUMBER (repeatable); exit 1 below it."),
]
Log = Annotated[
    bool, typer.Option("--log/--no-log", help="Record every model call (`summarise logs`).")
]
AllowOutside = Annotated[
    bool,
    typer.Option("--allow-outside", help="Let gold article_path point outside the gold folder."),
]
