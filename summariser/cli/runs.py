"""What the commands that run the model share: the call-log cycle and the progress bar."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

from summariser.cli.common import OUTPUT, err, open_log

if TYPE_CHECKING:
    from summariser.backends import ChatBackend
    from summariser.backends.base import Observer


class CallLogRuns:
    """The call log's cycle for one command: a run is started, watched and finished per
    article (keyed by any hashable), and runs still open when the command ends are finished as
    "error: ..." (a SummariserError) or "interrupted". Without --log every method is a no-op.

    Use as a context manager around the work.
    """

    def __init__(self, enabled: bool, api_key: str | None, command: str,
                 steps: tuple[str, ...]) -> None:  # fmt: skip
        self.calls = open_log(enabled, api_key)
        self.command = command
        self.steps = steps
        self.runs: dict[object, int] = {}

    def observers(self, key: object, model: str, source: str, text: str | None) -> list[Observer]:
        """Start a run for `key`; returns the observers that log its model calls."""
        if self.calls is None:
            return []
        run_id = self.calls.start(self.command, model, source, text, self.steps)
        self.runs[key] = run_id
        return [self.calls.observer(run_id)]

    def watch(
        self, backend: ChatBackend, key: object, source: str, text: str | None
    ) -> ChatBackend:
        """`backend`, its calls logged in a new run for `key` (a shallow copy, with --log)."""
        if self.calls is None:
            return backend
        self.observers(key, backend.name, source, text)
        return self.calls.watch(backend, self.runs[key])

    def finish(self, key: object, status: str) -> None:
        """Close the run of `key` ("ok", "failed steps", "error line", ...), if one is open."""
        if self.calls is not None and key in self.runs:
            self.calls.finish(self.runs.pop(key), status)

    def __enter__(self) -> CallLogRuns:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.calls is None:
            return
        from summariser.errors import SummariserError

        status = f"error: {e}" if isinstance(e, SummariserError) else "interrupted"
        for key in list(self.runs):
            self.finish(key, status)
        self.calls.close()


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr (done of total, rate, time left; none with -q); yields the
    function that counts one article done. `total` None or 0: not known (a pipe)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err(), transient=True, disable=OUTPUT.quiet,
    ) as bar:  # fmt: skip
        task = bar.add_task(description, total=total or None, rate="")
        t0 = time.perf_counter()

        def advance() -> None:
            bar.advance(task)
            finished = bar.tasks[0].completed
            bar.update(task, rate=f"{finished / max(time.perf_counter() - t0, 1e-9):.1f}/s")

        yield advance
