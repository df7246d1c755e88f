"""Batches on a Ray cluster (extra `[ray]`): rows {"id", "text", ...} in, batch lines out.

`Summarise` is a callable class for `ray.data.Dataset.map_batches`: each actor holds one
backend (an OpenAI-compatible endpoint, e.g. `vllm serve` on the GPU nodes) and turns a batch of
rows into the lines `summarise batch` writes ({"id", "summary"} or {"id", "error"}, extra input
fields under "extra"). A failing article is that row's error line, never a failed task; an actor
that dies is restarted by Ray and its batch retried. `run()` is the whole recipe: read JSONL or
Parquet, skip what `out` already holds, summarise on the cluster, write JSONL on the driver.

    import ray
    from summariser.batch import ray as ray_batch
    ray.init("ray://head:10001")            # or ray.init() for a local instance
    ray_batch.run("s3://bucket/articles.parquet", Path("results.jsonl"),
                  model="openai:Qwen/Qwen2.5-7B-Instruct", base_url="http://gpu-1:8000/v1")
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from summariser.batch.articles import Article
from summariser.batch.results import Results, Tally, outcome, result_line
from summariser.steps import STEPS


def _plain(value: Any) -> Any:
    """Numpy scalars and arrays (how Ray hands columns over) as plain Python values."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN: a missing cell
        return None
    return value


def article_of(row: dict[str, Any]) -> Article:
    """The batch Article for one row: id kept as given, other columns as `extra`."""
    row = {k: _plain(v) for k, v in row.items()}
    art_id = row.pop("id", None)
    text = row.pop("text", None)
    if art_id is None or isinstance(art_id, (dict, list, bool)):
        return Article(None, extra=row, error='the row has no usable "id"', line=0)
    if not isinstance(text, str):
        return Article(art_id, extra=row, error='the row has no "text" string')
    return Article(art_id, text, row)


class Summarise:
    """For `Dataset.map_batches(Summarise, compute=ActorPoolStrategy(size=N), ...)`.

    Args:
        model: "provider:model" (default $SUMMARISER_MODEL), usually "openai:NAME".
        base_url: The OpenAI-compatible endpoint (default $OPENAI_BASE_URL).
        api_key: Default $OPENAI_API_KEY on the worker (use Ray's runtime_env to set it).
        steps: Record types to extract.
        threads: Articles each actor keeps in flight (HTTP requests wait, they use no CPU).
        cache: Use the on-disk result cache on the worker nodes.

    Returns (per batch): {"id": [...], "line": [one JSON line per row]}.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        steps: tuple[str, ...] = STEPS,
        threads: int = 8,
        cache: bool = False,
    ) -> None:
        from summariser.backends import resolve

        self.backend = resolve(model, api_key=api_key, base_url=base_url)
        self.steps = tuple(steps)
        self.cache = cache
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads))

    def outcome(self, article: Article) -> dict[str, Any]:
        """{"summary": ...} or {"error": ...} for one article; never raises."""
        return outcome(article, self.backend, self.steps, self.cache)

    def __call__(self, rows: dict[str, Any]) -> dict[str, list[Any]]:
        columns = list(rows)
        n = len(rows[columns[0]]) if columns else 0
        articles = [article_of({c: rows[c][i] for c in columns}) for i in range(n)]
        outcomes = list(self.pool.map(self.outcome, articles))
        return {
            "id": [json.dumps(a.id) for a in articles],
            "line": [
                result_line(a, o, self.backend.secrets)
                for a, o in zip(articles, outcomes, strict=True)
            ],
        }


def read(source: str) -> Any:
    """A ray.data Dataset of the articles in `source` (.parquet, else JSON lines)."""
    import ray.data

    if source.endswith(".parquet") or Path(source).is_dir():
        return ray.data.read_parquet(source)
    return ray.data.read_json(source, lines=True)


def run(
    source: str | Any,
    out: Path,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    steps: tuple[str, ...] = STEPS,
    actors: int = 2,
    actor_cpus: float = 1.0,
    threads: int = 8,
    batch_size: int = 16,
    retry_errors: bool = False,
    on_done: Callable[[str, bool], Any] | None = None,
) -> Tally:
    """Summarise a dataset on the connected Ray cluster into `out` (JSONL), resuming.

    Args:
        source: A path/URI Ray can read (.parquet or JSONL), or a ray.data Dataset with
            "id" and "text" columns.
        actors: Backends (actors) on the cluster; each keeps `threads` articles in flight.
        actor_cpus: CPUs Ray reserves per actor (leave some for reading: actors x actor_cpus
            must stay below the cluster's CPUs, or the read tasks never get scheduled).
        on_done: Called with (line, ok) as each line is written.

    Returns:
        The Tally (summaries, errors, skipped ids already in `out`).
    """
    started = time.perf_counter()
    ds = read(source) if isinstance(source, str) else source
    results = Results(out, retry_errors, (api_key,) if api_key else ())
    done = frozenset(results.done)
    tally = Tally()
    if done:
        before = ds.count()
        ds = ds.filter(lambda row: json.dumps(_plain(row.get("id"))) not in done)
        tally.skipped = before - ds.count()
    import ray.data

    lines = ds.map_batches(
        Summarise,
        fn_constructor_kwargs={
            "model": model,
            "base_url": base_url,
            "api_key": api_key,
            "steps": tuple(steps),
            "threads": threads,
        },  # fmt: skip
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=actor_cpus,  # Ray Data restarts a dead actor and retries its batch
    )
    try:
        for row in lines.iter_rows():
            obj = json.loads(row["line"])
            article = Article(obj.get("id"), line=obj.get("line"), extra=obj.pop("extra", {}))
            outcome = {k: v for k, v in obj.items() if k in ("summary", "error")}
            if not results.admit(article, tally):  # a duplicate id within the input
                continue
            ok = results.write(article, outcome, tally)
            if on_done:
                on_done(row["line"], ok)
    finally:
        results.close()
    tally.seconds = time.perf_counter() - started
    return tally
