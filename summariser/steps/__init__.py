"""The steps, one module each (quotes.py, events.py, stances.py), and the one list of their names.

A step is a module with the shape of `Step`: its `name`, `candidates(ctx)` (found by code in the
whole article, once) and `records(ctx, piece, found, quotes)` (the records of one piece; `quotes`
are the quotes already found in that piece, which stances read). A step whose `beside` is True
needs nothing from the others, so it may run beside them when the engine has two or more slots.
This module stays light (no parser, no model client): the CLI reads STEPS and `chosen` from it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, cast

from summariser.errors import InputError

if TYPE_CHECKING:
    from summariser.schemas import Quote
    from summariser.steps.context import Context, Piece

#: The steps, in the order of `meta.steps`; `--steps` and the library's `steps=` choose a subset.
STEPS = ("quotes", "events", "stances")


class Step(Protocol):
    """The shape of a step module."""

    name: str
    beside: bool

    def candidates(self, ctx: Context) -> list[Any]: ...

    def records(
        self, ctx: Context, piece: Piece, found: list[Any], quotes: list[Quote]
    ) -> list[Any]: ...


class UnknownStep(InputError, ValueError):
    """A step name that is not in STEPS (a ValueError too, for library callers)."""


def chosen(steps: Iterable[str]) -> tuple[str, ...]:
    """`steps` checked: known names, at least one; a string is refused (read letter by letter).

    Raises:
        TypeError: `steps` is a string.
        UnknownStep: an unknown name, or none.
    """
    if isinstance(steps, str):
        raise TypeError(f"steps must be a list such as [{steps!r}], not a string")
    names = tuple(steps)
    unknown = [s for s in names if s not in STEPS]
    if unknown or not names:
        raise UnknownStep(f"unknown steps {unknown}: choose from {', '.join(STEPS)}")
    return names


def load(name: str) -> Step:
    """The step module called `name` (one of STEPS)."""
    return cast(Step, importlib.import_module(f"summariser.steps.{name}"))
