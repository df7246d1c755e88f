"""The error hierarchy. Every message says what to do next; the CLI prints it as one line."""

from __future__ import annotations

import functools
import re


class SummariserError(Exception):
    """Base class: an expected failure with a message fit for the user."""


class ConfigError(SummariserError):
    """The model, key, URL or another setting is missing or wrong."""


class InputError(SummariserError):
    """The article (or a batch/gold file) cannot be used as given."""


class BackendError(SummariserError):
    """The model could not be reached or kept failing at the transport level."""


class ExtractionError(SummariserError):
    """The model answered, but not with usable records (truncated, invalid after re-asks)."""


#: A run of at least this many characters of a key counts as the key (truncated echoes).
REDACT_MIN_RUN = 8


#: The credentials of a URL (`http://user:password@host/`): scheme kept, user and password cut.
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@]+@")


def clean_url(url: str) -> str:
    """`url` without credentials: `http://user:pw@host/v1` -> `http://***@host/v1`."""
    return _URL_CREDENTIALS.sub(r"\1***@", url)


def redact(message: str, *secrets: str | None) -> str:
    """Return `message` with every secret, and every run of 8+ of its characters, as '***'.

    Servers and models echo keys in part ("Incorrect API key provided: sk-SENTI****"): any
    stretch of `message` made of 8 or more consecutive characters of a secret is replaced, so
    truncated and masked forms go too. Secrets shorter than 6 characters are not real keys and
    would garble the text: left alone; those of 6 or 7 are replaced only whole. Credentials
    written in a URL (`http://user:password@host`) always go, secrets given or not.
    """
    if "@" in message:
        message = clean_url(message)
    cuts: list[tuple[int, int]] = []
    for secret in secrets:
        pattern = _secret_pattern(secret) if secret and len(secret) >= 6 else None
        if pattern is not None:
            cuts.extend((m.start(), m.start() + len(m.group(1))) for m in pattern.finditer(message))
    if not cuts:
        return message
    out: list[str] = []
    at = 0
    for s, e in _merged(cuts):
        out.append(message[at:s] + "***")
        at = e
    return "".join(out) + message[at:]


@functools.lru_cache(maxsize=32)
def _secret_pattern(secret: str) -> re.Pattern[str]:
    """Matches (zero-width, capturing) wherever a REDACT_MIN_RUN-long piece of `secret` starts."""
    n = min(REDACT_MIN_RUN, len(secret))
    pieces = sorted({secret[i : i + n] for i in range(len(secret) - n + 1)})
    return re.compile("(?=(" + "|".join(map(re.escape, pieces)) + "))")


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
