"""The root Typer app every command module registers on, and the top-level options."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_type_hints

import typer

from summariser.cli import options as opt
from summariser.cli.common import EXIT_CODES, configure_output

F = TypeVar("F", bound=Callable[..., Any])


class App(typer.Typer):
    """A Typer app whose commands share options without each spelling them out.

    Every command takes -v/-q last (as the app does) and has them applied before it runs; a
    parameter typed as an option group (a dataclass of options, e.g. `opt.Ask`) is offered as
    the group's options in its place, and the command receives the group built from them.
    """

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        register = super().command(*args, **kwargs)

        def decorator(f: F) -> F:
            register(_with_shared_options(f))
            return f

        return decorator


def _with_shared_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`command` as Typer should see it: groups spread into their options, -v/-q added."""
    hints = get_type_hints(command, include_extras=True)
    groups = {n: t for n, t in hints.items() if isinstance(t, type) and dataclasses.is_dataclass(t)}
    params: list[inspect.Parameter] = []
    for p in inspect.signature(command).parameters.values():
        if p.name not in groups:
            params.append(p.replace(annotation=hints.get(p.name, p.annotation)))
            continue
        options = get_type_hints(groups[p.name], include_extras=True)
        params += [inspect.Parameter(f.name, p.kind, default=f.default, annotation=options[f.name])
                   for f in dataclasses.fields(groups[p.name])]  # fmt: skip
    kind = inspect.Parameter.KEYWORD_ONLY
    params += [inspect.Parameter("verbose", kind, default=0, annotation=opt.Verbose),
               inspect.Parameter("quiet", kind, default=False, annotation=opt.Quiet)]  # fmt: skip

    @functools.wraps(command)
    def run(*, verbose: int, quiet: bool, **given: Any) -> Any:
        configure_output(verbose, quiet)
        for name, group in groups.items():
            given[name] = group(**{f.name: given.pop(f.name) for f in dataclasses.fields(group)})
        return command(**given)

    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


app = App(
    help="Turn news articles into grounded event, stance and quote records.",
    epilog=EXIT_CODES,
    pretty_exceptions_show_locals=False,  # never print locals: they may hold an API key
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's help formatter costs ~0.15 s of every --help
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"summarise {version('summariser')}")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            typer.echo("summarise (not installed)")
        raise typer.Exit(0)


@app.callback()
def main_options(
    verbose: opt.Verbose = 0,
    quiet: opt.Quiet = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Turn news articles into grounded event, stance and quote records."""
    configure_output(verbose, quiet, reset=True)
