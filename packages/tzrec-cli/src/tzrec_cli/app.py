"""Build the ``tzrec`` Typer app from the plugins' commands and run it.

Errors a user can act on (a broken config, a missing plugin, two plugins claiming one
name) print one line to stderr and exit with status 1, never a traceback. Set
``TZREC_DEBUG=1`` to see tracebacks of unexpected errors.
"""

from __future__ import annotations

import os
import sys

import typer

from tzrec.datasets.errors import DataReadError
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.plugins import (
    DuplicatePluginNameError,
    PluginTargetError,
    UnknownPluginNameError,
    get_registries,
)
from tzrec.utils.config_errors import ConfigEditError, ConfigError, InputError

USER_ERRORS = (
    # A path the user gave that does not exist (checkpoint, model_dir, input).
    FileNotFoundError,
    ConfigError,
    InputError,
    ConfigEditError,
    DataReadError,
    FeatureConfigError,
    InvalidFgInputError,
    DuplicatePluginNameError,
    PluginTargetError,
    UnknownPluginNameError,
)


def build_app() -> typer.Typer:
    """The CLI with every registered command (built-in and third-party)."""
    app = typer.Typer(
        name="tzrec",
        help="tzrec: config-driven recommendation models on PyTorch and TorchRec.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,  # help texts show [i], [a:b] literally
    )
    registry = get_registries().commands
    for name in registry.names():
        spec = registry.get(name)
        target = registry.load(name)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name, help=spec.help or None)
        else:
            app.command(name, help=spec.help or None)(target)
    return app


def report_error(error: BaseException) -> None:
    """Print a user-facing error as one line on stderr."""
    typer.echo(f"error: {error}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``tzrec`` console script."""
    try:
        app = build_app()
        app(args=argv, prog_name="tzrec")
    except USER_ERRORS as e:
        report_error(e)
        sys.exit(1)
    except Exception as e:
        if os.environ.get("TZREC_DEBUG"):
            raise
        typer.echo(
            f"internal error: {type(e).__name__}: {e}\n"
            "(set TZREC_DEBUG=1 to see the traceback, and please report it)",
            err=True,
        )
        sys.exit(2)
