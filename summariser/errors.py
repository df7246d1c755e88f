"""The error hierarchy. Every message says what to do next; the CLI prints it as one line."""

from __future__ import annotations


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


def redact(message: str, *secrets: str | None) -> str:
    """Return `message` with every secret replaced by '***'.

    Secrets shorter than 6 characters are not real keys and would garble the text: left alone.
    """
    for secret in secrets:
        if secret and len(secret) >= 6:
            message = message.replace(secret, "***")
    return message
