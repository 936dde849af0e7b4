"""tzrec-cli's own commands, registered through the same hook as third-party ones."""

from __future__ import annotations

from tzrec.plugins import CommandSpec, hookimpl


@hookimpl
def register_commands() -> list[CommandSpec]:
    """The built-in sub-commands."""
    return [
        CommandSpec("version", "tzrec_cli.commands.version:version", "Show versions."),
        CommandSpec("plugins", "tzrec_cli.commands.plugins:plugins", "List plugins."),
        CommandSpec("config", "tzrec_cli.commands.config:app", "Check and edit configs."),
        CommandSpec("data", "tzrec_cli.commands.data:app", "Make data for configs."),
        CommandSpec("fg", "tzrec_cli.commands.fg:app", "Feature generation (FG) offline."),
        CommandSpec("train", "tzrec_cli.commands.train:train", "Train and evaluate a model."),
        CommandSpec("eval", "tzrec_cli.commands.eval:evaluate", "Evaluate a checkpoint."),
        CommandSpec("export", "tzrec_cli.commands.export:export", "Export a model for serving."),
        CommandSpec("predict", "tzrec_cli.commands.predict:predict", "Predict with a model."),
        CommandSpec("report", "tzrec_cli.commands.report:report", "Plot a run's metrics."),
    ]
