"""``tzrec report MODEL_DIR``: draw a run's metrics history as a PNG and print its path."""

from __future__ import annotations

from typing import Annotated

import typer


def report(
    model_dir: Annotated[
        str, typer.Argument(help="The run's model_dir (holds metrics_history.jsonl).")
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="Where to write the PNG; default MODEL_DIR/training_report.png."
        ),
    ] = "",
) -> None:
    """Plot losses, learning rates and eval metrics against the step."""
    from tzrec.engine.report import draw_report

    try:
        path = draw_report(model_dir, output or None)
    except (FileNotFoundError, ValueError, ImportError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(path)
