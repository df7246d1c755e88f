"""Batches for HTTP models on asyncio: hundreds of requests in flight, CPU work on every core.

The event loop (this process) owns the network: one `AsyncOpenAI` client with the transport's
single retry layer (tenacity's AsyncRetrying), at most `concurrency` articles in flight (a
semaphore), streamed input and crash-safe output through `results.Results`.
Everything else, the parse, validation, grounding and the result cache, runs in worker
processes (one per core), so the loop never waits on CPU: each worker runs the ordinary
synchronous pipeline with a backend whose transport is a bridge to the loop. A worker thread that
needs an answer sends the request to the loop, which sends it over HTTP and hands back the
completion; instructor's validation and re-asks stay in the worker, exactly as on the thread path.

The embedded model and replayed OpenAI Batch results run on threads (`threads.run`);
`summariser.batch.run` chooses.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import multiprocessing as mp
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from summariser.backends import openai_compat
from summariser.backends.base import ChatBackend, Observer
from summariser.batch.articles import Article
from summariser.batch.results import Results, Tally, outcome
from summariser.batch.threads import Job
from summariser.cache import ResultCache
from summariser.errors import BackendError, ConfigError
from summariser.machine import cores

#: Up to this many articles in flight, the CPU work runs in threads of this process: at that
#: rate it needs well under a core, and starting worker processes (each imports the pipeline
#: and loads spaCy, seconds of CPU) would cost more than it saves.
IN_PROCESS = 8


def default_workers(concurrency: int) -> int:
    """Worker processes for `concurrency` articles in flight: 0 (threads of this process) up
    to `IN_PROCESS`, else one per core."""
    return 0 if concurrency <= IN_PROCESS else max(1, min(cores(), concurrency))


def run(
    articles: Iterator[Article],
    backend: ChatBackend,
    out: Path | None,
    job: Job,
    workers: int | None = None,
) -> Tally:
    """`threads.run` on asyncio for an HTTP backend: the same job, lines and Tally.

    `job.concurrency` articles are in flight at once (each makes its model calls one after
    another); `workers` processes do the CPU work, 0 runs it in threads of this process
    (default: `default_workers(job.concurrency)`).

    Raises:
        ConfigError: `backend` is not an HTTP backend (`summariser.batch.run` chooses).
        InputError: `out` cannot be used or written.
    """
    config = openai_compat.http_settings(backend)
    if config is None:
        raise ConfigError(f"{backend.name} is not an HTTP model: use summariser.batch.run")
    concurrency = max(1, job.concurrency)
    n_workers = default_workers(concurrency) if workers is None else min(workers, concurrency)
    runner = _Runner(config, backend, job, concurrency, n_workers)
    results = job.results(out, backend)
    try:
        return asyncio.run(runner.run(articles, results))
    finally:
        results.close()


# --- the loop's side ----------------------------------------------------------------------


@dataclass
class _Worker:
    """One worker process as the loop sees it."""

    process: Any  # multiprocessing.Process (spawn context)
    conn: Connection
    articles: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    alive: bool = True


class _Runner:
    def __init__(self, config: openai_compat.HttpSettings, backend: ChatBackend, job: Job,
                 concurrency: int, workers: int) -> None:  # fmt: skip
        self.config = config
        self.backend = backend
        self.concurrency = concurrency
        self.steps = tuple(job.steps)
        self.cache = job.cache
        self.n_workers = max(0, workers)
        self.stop = job.stop_event()
        self.watch = job.watch
        self.workers: list[_Worker] = []
        self.transport: openai_compat.AsyncTransport | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        #: Observers of each article in flight, by its number (only with `watch`).
        self.watchers: dict[int, list[Observer]] = {}
        self.local: _Local | None = None

    async def run(self, articles: Iterator[Article], results: Results) -> Tally:
        started = time.perf_counter()
        tally = Tally()
        loop = asyncio.get_running_loop()
        self.transport = openai_compat.AsyncTransport(self.config)
        if self.n_workers:
            self._start_workers(loop)
        else:
            self.local = _Local(self, loop)
        in_flight = 0
        failed: list[Exception] = []
        freed = asyncio.Event()
        seq = itertools.count()

        async def one(article: Article) -> None:
            nonlocal in_flight
            n = next(seq)
            try:
                if self.watch is not None:
                    self.watchers[n] = self.watch(article)
                results.write(article, await self._summarise(n, article), tally)
            except Exception as e:  # the output cannot be written (or a bug): start nothing
                failed.append(e)  # more; raised once the articles in flight are done
            finally:
                self.watchers.pop(n, None)
                in_flight -= 1
                freed.set()

        async def free_slot() -> bool:
            """Wait for fewer than `concurrency` articles in flight; False once `stop` is set
            (a signal handler sets it: polled)."""
            nonlocal in_flight
            while in_flight >= self.concurrency and not self.stop.is_set() and not failed:
                freed.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(freed.wait(), 0.1)
            if self.stop.is_set() or failed:
                return False
            in_flight += 1
            return True

        try:
            for article in articles:
                if self.stop.is_set() or failed:
                    break
                if not results.take(article, tally):
                    continue
                if not await free_slot():
                    break
                self._spawn(one(article))
            while self.tasks:
                await asyncio.gather(*self.tasks)
            if failed:
                raise failed[0]
        finally:
            for task in self.tasks:
                task.cancel()
            if self.local is not None:
                self.local.close()
            await self._stop_workers()
            await self.transport.aclose()
        tally.interrupted = self.stop.is_set()
        tally.seconds = time.perf_counter() - started
        return tally

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def observed(self, n: int | None, record: dict[str, Any]) -> None:
        """One model attempt made for article `n`: to the backend's and the article's
        observers."""
        own = self.watchers.get(n, []) if n is not None else []
        for observer in [*self.backend.observers, *own]:
            observer(record)

    async def _summarise(self, n: int, article: Article) -> dict[str, Any]:
        if self.local is not None:
            return await self.local.summarise(n, article.text)
        while live := [w for w in self.workers if w.alive]:
            worker = min(live, key=lambda w: len(w.articles))
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            worker.articles[n] = future
            try:
                worker.conn.send(("article", n, article.text))
            except OSError:  # it died a moment ago: its reader thread has not said so yet
                worker.articles.pop(n)
                self._died(worker)
                continue
            return await future
        return {"error": {"type": "WorkerError", "message": "every worker process has died"}}

    def _start_workers(self, loop: asyncio.AbstractEventLoop) -> None:
        # spawn, not fork: the caller may hold threads (progress bars) whose locks a fork copies
        ctx = mp.get_context("spawn")
        threads = math.ceil(self.concurrency / self.n_workers)
        observe = bool(self.backend.observers) or self.watch is not None
        for _ in range(self.n_workers):
            ours, theirs = ctx.Pipe()
            process = ctx.Process(
                target=_worker_main,
                args=(theirs, self.config, self.steps, self.cache, threads, observe),
                daemon=True,
            )
            process.start()
            theirs.close()
            worker = _Worker(process, ours)
            self.workers.append(worker)
            threading.Thread(target=self._read, args=(worker, loop), daemon=True).start()

    def _read(self, worker: _Worker, loop: asyncio.AbstractEventLoop) -> None:
        """A thread per worker: hands every message to the loop."""
        while True:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                with contextlib.suppress(RuntimeError):  # the loop is already closed
                    loop.call_soon_threadsafe(self._died, worker)
                return
            loop.call_soon_threadsafe(self._dispatch, worker, message)

    def _dispatch(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "call":
            self._spawn(self._answer(worker, message[1], message[2]))
        elif kind == "done":
            future = worker.articles.pop(message[1], None)
            if future is not None and not future.done():
                future.set_result(message[2])
        elif kind == "observe":
            self.observed(message[1], message[2])

    async def _answer(self, worker: _Worker, n: int, kwargs: dict[str, Any]) -> None:
        assert self.transport is not None
        try:
            reply: tuple[Any, ...] = ("answer", n, await self.transport.create(**kwargs), None)
        except BackendError as e:
            reply = ("answer", n, None, str(e))
        if worker.alive:
            with contextlib.suppress(OSError):
                worker.conn.send(reply)

    def _died(self, worker: _Worker) -> None:
        if not worker.alive:
            return
        worker.alive = False
        worker.process.join(0.5)  # reap it, for its exit code
        code = worker.process.exitcode
        for future in worker.articles.values():
            if not future.done():
                future.set_result({"error": {"type": "WorkerError", "message": (
                    f"the worker process summarising this article died (exit code {code}); "
                    "rerun with --retry-errors")}})  # fmt: skip
        worker.articles.clear()

    async def _stop_workers(self) -> None:
        # every article is written by now and a worker keeps no other state (cache entries
        # are written atomically before an article is reported): no need to wait long
        for worker in self.workers:
            if worker.alive:
                with contextlib.suppress(OSError):
                    worker.conn.send(("stop",))
        deadline = time.monotonic() + 0.25
        for worker in self.workers:
            while worker.process.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join()
            worker.alive = False
            worker.conn.close()


class _Local:
    """The CPU work in threads of this process (no worker processes): each thread runs the
    pipeline for one article; its model calls are sent to the loop and waited for."""

    def __init__(self, runner: _Runner, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport = runner.transport
        self.bridge = _Bridge(self._ask)
        self.article = threading.local()  # the number of the article a thread works on
        self.backend = openai_compat.chat_backend(runner.config, self.bridge.create)
        if runner.backend.observers or runner.watch is not None:
            self.backend.observers.append(
                lambda record: runner.observed(getattr(self.article, "n", None), record)
            )
        self.steps = runner.steps
        self.cache = runner.cache
        self.pool = ThreadPoolExecutor(runner.concurrency, thread_name_prefix="summarise")

    def _ask(self, n: int, kwargs: dict[str, Any]) -> None:
        assert self.transport is not None
        try:
            future = asyncio.run_coroutine_threadsafe(self.transport.create(**kwargs), self.loop)
        except RuntimeError:  # the loop has closed
            self.bridge.answered(n, None, "the batch stopped")
            return

        def done(f: Future[Any]) -> None:
            if f.cancelled():
                self.bridge.answered(n, None, "the batch stopped")
            elif isinstance(f.exception(), BackendError):
                self.bridge.answered(n, None, str(f.exception()))
            elif f.exception() is not None:
                self.bridge.answered(n, None, f"unexpected {f.exception()!r}")
            else:
                self.bridge.answered(n, f.result(), None)

        future.add_done_callback(done)

    def _work(self, n: int, text: str) -> dict[str, Any]:
        self.article.n = n
        return _work(self.bridge, self.backend, text, self.steps, self.cache)

    async def summarise(self, n: int, text: str) -> dict[str, Any]:
        return await self.loop.run_in_executor(self.pool, self._work, n, text)

    def close(self) -> None:
        """Fail the calls still waiting (the batch stopped) and let the threads end."""
        self.bridge.close()
        self.pool.shutdown(wait=False, cancel_futures=True)


# --- the worker's side --------------------------------------------------------------------


class _Cpu:
    """Lets one thread at a time run pipeline code in a worker; the rest wait for the model.

    Hundreds of threads taking turns on the GIL cost more CPU than the work itself (measured:
    4x at 128 threads a process); with this token each runs until it waits for an answer.
    Threads coming back with an answer go before articles not yet started, so articles finish
    in the order they began and few are half done at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._back = threading.Condition(self._lock)
        self._new = threading.Condition(self._lock)
        self._busy = False
        self._returning = 0

    def acquire(self, returning: bool) -> None:
        with self._lock:
            if returning:
                self._returning += 1
                while self._busy:
                    self._back.wait()
                self._returning -= 1
            else:
                while self._busy or self._returning:
                    self._new.wait()
            self._busy = True

    def release(self) -> None:
        with self._lock:
            self._busy = False
            (self._back if self._returning else self._new).notify()


class _Bridge:
    """A pipeline's transport: asks the loop for each completion (through `ask(n, kwargs)`,
    which arranges for `answered(n, ...)`) and waits for it, leaving the CPU token meanwhile."""

    def __init__(self, ask: Callable[[int, dict[str, Any]], None]) -> None:
        self.ask = ask
        self.lock = threading.Lock()
        self.calls: dict[int, Future[Any]] = {}
        self.ids = itertools.count()
        self.closed = False
        self.cpu = _Cpu()

    def create(self, **kwargs: Any) -> Any:
        n = next(self.ids)
        future: Future[Any] = Future()
        with self.lock:
            if self.closed:
                raise BackendError("the batch stopped")
            self.calls[n] = future
        self.ask(n, kwargs)
        self.cpu.release()
        try:
            return future.result()
        finally:
            self.cpu.acquire(returning=True)

    def answered(self, n: int, completion: Any, error: str | None) -> None:
        with self.lock:
            future = self.calls.pop(n, None)
        if future is None or future.done():
            return
        if error is None:
            future.set_result(completion)
        else:
            future.set_exception(BackendError(error))

    def close(self) -> None:
        """The loop has gone: fail every call still waiting, and every later one."""
        with self.lock:
            self.closed = True
            waiting = list(self.calls.values())
            self.calls.clear()
        for future in waiting:
            if not future.done():
                future.set_exception(BackendError("the batch stopped"))


def _work(bridge: _Bridge, backend: ChatBackend, text: str, steps: tuple[str, ...],
          cache: ResultCache | bool) -> dict[str, Any]:  # fmt: skip
    """One article through the ordinary pipeline: its line's outcome."""
    bridge.cpu.acquire(returning=False)
    try:
        return outcome(Article(None, text), backend, steps, cache)
    finally:
        bridge.cpu.release()


def _worker_main(conn: Connection, config: openai_compat.HttpSettings, steps: tuple[str, ...],
                 cache: ResultCache | bool, threads: int, observe: bool) -> None:  # fmt: skip
    """A worker process: runs the pipeline for each article the loop sends, in `threads`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the loop's to handle
    sending = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            conn.send(message)

    bridge = _Bridge(lambda n, kwargs: send(("call", n, kwargs)))
    backend = openai_compat.chat_backend(config, bridge.create)
    article = threading.local()  # the number of the article a thread works on
    if observe:
        backend.observers.append(
            lambda record: send(("observe", getattr(article, "n", None), record))
        )

    def work(n: int, text: str) -> None:
        article.n = n
        line = _work(bridge, backend, text, steps, cache)
        with contextlib.suppress(OSError):
            send(("done", n, line))

    with ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "article":
                pool.submit(work, message[1], message[2])
            elif message[0] == "answer":
                bridge.answered(message[1], message[2], message[3])
            elif message[0] == "stop":
                break
        bridge.close()  # the loop has gone: free the threads waiting for answers
