"""The shape of one `summarise batch` output line, for `summarise schema batch-line`.

(It describes what summariser.batch writes; it belongs beside the writer and should move
there when batch.py exposes its own model of a line.)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from summariser.schemas import Summary


class LineError(BaseModel):
    """Why this article has no summary."""

    type: str = Field(description="Error class, e.g. BackendError, InputError")
    message: str = Field(description="One line saying what went wrong and what to do")


class BatchLine(BaseModel):
    """One line of a batch results file: the article's id and its summary or its error.

    Fields of the input line other than id and text are carried along.
    """

    model_config = ConfigDict(extra="allow", title="BatchLine")

    id: str = Field(description="The article's id (folder input: its path inside the folder)")
    summary: Summary | None = Field(None, description="Present when the article succeeded")
    error: LineError | None = Field(None, description="Present when it failed")
