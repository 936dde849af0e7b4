"""``tzrec example-info``: a plugin-provided command."""

from __future__ import annotations

import typer

from tzrec_plugin_example.plugin import CONFIG_MESSAGE


def example_info() -> None:
    """Print the model and config message this plugin adds."""
    typer.echo(f"tzrec-plugin-example: model TinyNet, config message {CONFIG_MESSAGE}")
