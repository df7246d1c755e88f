"""The records: what we return (Summary and its parts) and what the model is asked for.

Code finds and locates every record; the model only answers small questions about candidates
(the choice models below; the quotes step builds its own). Their field descriptions are the
model's instructions: they go into the JSON schema the model is constrained by.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    create_model,
)

#: Version of the JSON contract below; bump on any incompatible change.
SCHEMA_VERSION = "1"

Polarity = Literal["support", "oppose", "neutral", "mixed"]


# --- what we return -------------------------------------------------------------------------


class Quote(BaseModel):
    """Words a named speaker said or wrote, located in the article by our code."""

    text: str = Field(description="The quoted words, verbatim, without quotation marks")
    speaker: str = Field(description="Who said it: the fullest name the article gives")
    kind: Literal["direct", "indirect"] = Field(description="direct: in quotation marks")
    cue: str | None = Field(description="The reporting verb next to the quote, e.g. 'said'")
    start: int = Field(description="Offset of the first character of the quote in the input")
    end: int = Field(description="Offset just past the last character of the quote")
    spans: list[tuple[int, int]] = Field(
        description="Each [start, end) piece; several when the quote is split by its attribution "
        "or runs over paragraphs. text is the pieces joined by one space."
    )


class Event(BaseModel):
    """Something that happened or is planned, as the article states it."""

    actor: str = Field(description="Who acts (person or organisation)")
    action: str = Field(description="What they did, a short verb phrase")
    target: str | None = Field(description="Who or what it is done to")
    when: str | None = Field(description="When, as written in the article")
    where: str | None = Field(description="Where, as written in the article")
    evidence: str = Field(description="The sentence that states the event, verbatim")
    start: int = Field(description="Offset of the evidence in the input")
    end: int = Field(description="Offset just past the evidence")


class Stance(BaseModel):
    """A position a named holder takes on something, as the article states it."""

    holder: str = Field(description="Who holds the position")
    target: str = Field(description="What the position is about")
    polarity: Polarity = Field(description="support, oppose, neutral or mixed")
    evidence: str = Field(description="The sentence that shows it, verbatim")
    start: int = Field(description="Offset of the evidence in the input")
    end: int = Field(description="Offset just past the evidence")


#: Why a candidate was left out: the closed set of codes steps may give (`Context.drop`). The
#: reading side (`Drop.reason`) takes any string, so results written by older versions still load.
DropReason = Literal[
    "term or title in quotation marks",
    "inside instruction-like text",
    "no speaker",
    "another mention of a kept event",
]


class Drop(BaseModel):
    """A candidate record that was left out, and why."""

    record: Literal["quote", "event", "stance"]
    reason: str = Field(description="A DropReason code, e.g. 'no speaker'")
    value: str = Field(description="What the model proposed, abridged")


class Usage(BaseModel):
    """Tokens spent, counting every attempt (re-asks included)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cached_tokens: int = Field(
        default=0, description="Prompt tokens served from the engine's prompt cache (if reported)"
    )

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.cached_tokens += other.cached_tokens


class Meta(BaseModel):
    """How the records were made."""

    model: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    chunks: int = 1
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per step")
    usage: Usage = Field(default_factory=Usage)
    dropped: dict[str, int] = Field(default_factory=dict, description="Dropped count by reason")
    drops: list[Drop] = Field(default_factory=list)
    failures: list[str] = Field(
        default_factory=list, description="Steps whose answer was unusable (records lost)"
    )
    cached: bool = False
    untrusted: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Spans [start, end] of sentences not used as facts because the article "
        "holds text addressed to AI systems (prompt injection): the instruction-like sentences, "
        "their paragraphs, what they point at and what repeats them; records found there are "
        "dropped ('inside instruction-like text' in dropped). Empty for an ordinary article",
    )
    steps: list[str] = Field(
        default_factory=list, description="Record types extracted (a type not listed was not run)"
    )


class Summary(BaseModel):
    """Everything extracted from one article."""

    events: list[Event] = Field(default_factory=list)
    stances: list[Stance] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    meta: Meta


# --- what the model is asked for ------------------------------------------------------------


@functools.cache
def event_choice_model(n: int) -> type[BaseModel]:
    """The answer to "which of candidates E1..En are events": their numbers."""
    number = Annotated[int, Field(ge=1, le=n)]
    return create_model(
        "EventChoice",
        __doc__="The numbers of the candidates that are events the article reports.",
        events=(
            list[number],
            Field(
                max_length=n,
                description="Numbers of the candidates that happened, are happening or are "
                "planned; leave out what the article says did not or may not happen",
            ),
        ),
    )


@functools.cache
def stance_choice_model(n: int) -> type[BaseModel]:
    """The answer for stance candidates S1..Sn: the numbers under each polarity.

    Numbers are the shortest answer a small model gives reliably; a candidate under no
    polarity shows no position and is left out.
    """
    number = Annotated[int, Field(ge=1, le=n)]
    about = {
        "support": "Numbers of the candidates whose holder is for the target",
        "oppose": "Numbers of the candidates whose holder is against the target",
        "neutral": "Numbers whose holder the article says is undecided or neutral",
        "mixed": "Numbers whose holder the article says is both for and against",
    }
    fields: dict[str, Any] = {
        k: (list[number], Field(max_length=n, description=v)) for k, v in about.items()
    }
    return create_model(
        "StanceChoice", __doc__="The numbered stance candidates, by polarity.", **fields
    )
