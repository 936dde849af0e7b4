"""``tzrec config validate|show|edit``: check, print and change pipeline configs.

These commands never import torch: a typo in a config is reported in a fraction of a
second.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from tzrec.protos import pipeline_pb2

app = typer.Typer(
    no_args_is_help=True,
    help="Check, print and edit pipeline configs.",
    rich_markup_mode=None,  # help texts show [i], [a:b] literally
)

AllowUnknown = Annotated[
    bool,
    typer.Option(
        "--allow-unknown-field",
        "--allow_unknown_field",
        help="Drop fields the schema does not know instead of failing.",
    ),
]


def _summary(config: pipeline_pb2.EasyRecConfig) -> str:
    """A short description of a parsed config: model, features, groups."""
    from tzrec.plugins.model_config import selected_model

    model_config = config.model_config
    parts = []
    if model_config.WhichOneof("model"):
        name, message = selected_model(model_config)
        parts.append(f"model {name} ({message.DESCRIPTOR.name})")
    parts.append(_count(len(config.feature_configs), "feature config"))
    parts.append(_count(len(model_config.feature_groups), "feature group"))
    return ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def validate_file(path: str, allow_unknown_field: bool = False) -> tuple[str, list[str]]:
    """Parse and check one config file.

    Returns:
        a one-line summary of the config (empty when it does not parse) and its
        problems as one-line messages (empty when it is valid).
    """
    from tzrec.utils.config_checks import check_pipeline_config
    from tzrec.utils.config_errors import ConfigError
    from tzrec.utils.config_util import load_pipeline_config

    try:
        config = load_pipeline_config(path, allow_unknown_field=allow_unknown_field)
    except ConfigError as e:
        return "", [str(e)]
    text = "" if path.endswith(".json") else Path(path).read_text(encoding="utf-8")
    problems = [str(e) for e in check_pipeline_config(config, path, text)]
    return _summary(config), problems


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Pipeline config files.")],
    allow_unknown_field: AllowUnknown = False,
) -> None:
    """Check pipeline configs; exit 0 when all are valid, 1 otherwise."""
    failed = False
    for path in files:
        summary, problems = validate_file(path, allow_unknown_field)
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        if problems:
            failed = True
        else:
            typer.echo(f"{path}: OK ({summary})")
    if failed:
        raise typer.Exit(1)


@app.command()
def show(
    file: Annotated[str, typer.Argument(help="Pipeline config file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    allow_unknown_field: AllowUnknown = False,
) -> None:
    """Print the normalized config (deprecated fields mapped, canonical layout)."""
    from google.protobuf import json_format, text_format

    from tzrec.utils.config_util import load_pipeline_config

    config = load_pipeline_config(file, allow_unknown_field=allow_unknown_field)
    if as_json:
        data = json_format.MessageToDict(config, preserving_proto_field_name=True)
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        typer.echo(text_format.MessageToString(config, as_utf8=True), nl=False)


@app.command()
def edit(
    file: Annotated[str, typer.Argument(help="Pipeline config file.")],
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="JSON object of edits, e.g. '{\"train_config.num_epochs\": 2}'; may be repeated.",
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="Write here instead of stdout."),
    ] = None,
    allow_unknown_field: AllowUnknown = False,
) -> None:
    """Apply edit_config edits (dot paths, [i], [a:b], [field=value]); print or save."""
    from google.protobuf import text_format

    from tzrec.utils.config_util import edit_config, load_pipeline_config, save_message

    config = load_pipeline_config(file, allow_unknown_field=allow_unknown_field)
    for edits in set_:
        edit_config(config, edits)
    if output:
        save_message(config, output)
        typer.echo(f"wrote {output}", err=True)
    else:
        typer.echo(text_format.MessageToString(config, as_utf8=True), nl=False)
