"""What a plugin hands tzrec: small records that name a thing and where it lives.

Every record holds a *lazy* ``target`` (``"package.module:Attribute"``) rather than the
object itself, so plugin modules stay cheap to import (no torch at import time) and
``tzrec --help`` or ``tzrec config validate`` never pay for models they do not use.
:func:`load_target` imports a target when it is needed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


class PluginTargetError(ImportError):
    """A plugin's ``module:attribute`` reference that cannot be imported."""


def load_target(target: str, owner: str = "") -> Any:
    """Import ``"package.module:Attribute"`` and return the attribute.

    Args:
        target: the lazy reference.
        owner: the plugin that registered it, named in errors.
    """
    module_name, sep, attribute = target.partition(":")
    who = f" (registered by plugin '{owner}')" if owner else ""
    if not sep or not module_name or not attribute:
        raise PluginTargetError(f"'{target}'{who} is not of the form 'module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise PluginTargetError(f"cannot import '{module_name}'{who}: {e}") from e
    try:
        value: Any = module
        for part in attribute.split("."):
            value = getattr(value, part)
    except AttributeError:
        raise PluginTargetError(f"'{module_name}' has no '{attribute}'{who}") from None
    return value


@dataclass(frozen=True)
class ModelSpec:
    """A model family member.

    Attributes:
        name: the key a pipeline config selects it by: the field name in
            ``ModelConfig.model`` (``"deepfm"``) for schema models, or the full name of
            the plugin's config message (``"acme.TinyNet"``) for models configured
            through ``model_config.plugin_model`` (a ``google.protobuf.Any``).
        target: ``"module:Class"`` of the model class.
        family: a grouping shown by ``tzrec plugins`` (rank, multi_task, match...).
    """

    name: str
    target: str
    family: str = ""


@dataclass(frozen=True)
class ReaderSpec:
    """A dataset reader, selected by ``data_config.dataset_type`` (``"ParquetDataset"``)."""

    name: str
    target: str


@dataclass(frozen=True)
class WriterSpec:
    """A prediction-output writer, selected by its name (``"ParquetWriter"``)."""

    name: str
    target: str


@dataclass(frozen=True)
class SamplerSpec:
    """A sampler, by ``data_config.sampler`` oneof name or plugin config message name.

    The config message's full name is the key when the sampler is given as
    ``data_config.plugin_sampler``.
    """

    name: str
    target: str


@dataclass(frozen=True)
class FeatureOperatorSpec:
    """A custom feature operator, selected by ``custom_feature.operator_name``."""

    name: str
    target: str


@dataclass(frozen=True)
class CommandSpec:
    """A ``tzrec`` sub-command.

    Attributes:
        name: the command word (``tzrec <name>``).
        target: ``"module:attribute"`` of a ``typer.Typer`` (a command group) or of a
            plain function (a single command).
        help: one line for ``tzrec --help``.
    """

    name: str
    target: str
    help: str = ""
