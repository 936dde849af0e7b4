"""Option helpers shared by the engine commands (train, eval)."""

from __future__ import annotations

from typing import Annotated

import typer


def flag(name: str, help_text: str) -> typer.models.OptionInfo:
    """An option under TorchEasyRec's name (``--model_dir``) and its kebab-case alias."""
    return typer.Option(f"--{name}", f"--{name.replace('_', '-')}", help=help_text)


#: ``--nproc-per-node N``: run the command as N local processes through torchrun.
NprocPerNode = Annotated[
    int,
    typer.Option("--nproc-per-node", "--nproc_per_node", help="Processes to launch via torchrun."),
]
