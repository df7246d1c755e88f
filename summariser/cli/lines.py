"""The shape of one `summarise batch` output line, for `summarise schema batch-line`.

(It describes what `summariser.batch` writes; it belongs beside the writer and should move
there when batch.py exposes its own model of a line.)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from summariser.schemas import Summary


class LineError(BaseModel):
    """Why this article has no summary."""

    type: str = Field(description="Error class, e.g. BackendError, InputError")
    message: str = Field(description="One line saying what went wrong and what to do")


class BatchLine(BaseModel):
    """One line of a batch results file: the article's id and its summary or its error."""

    model_config = ConfigDict(extra="forbid", title="BatchLine")

    id: str | int | float | bool | None = Field(
        description="The article's id as given (JSON type kept; a folder input: its path inside "
        "the folder); null for an input line that could not be read"
    )
    line: int | None = Field(None, description="Input line number, when id is null")
    summary: Summary | None = Field(None, description="Present when the article succeeded")
    error: LineError | None = Field(None, description="Present when it failed")
    extra: dict[str, Any] | None = Field(
        None, description="The input line's other fields (all but id and text)"
    )
