"""The tzrec plugin contract: every hook a plugin may implement.

A plugin is an ordinary module with functions marked ``@hookimpl``, published through
the ``tzrec`` entry-point group of its distribution::

    # pyproject.toml
    [project.entry-points.tzrec]
    acme = "acme_tzrec.plugin"

    # acme_tzrec/plugin.py
    from tzrec.plugins import ModelSpec, hookimpl

    @hookimpl
    def register_models():
        return [ModelSpec("acme.TinyNet", "acme_tzrec.model:TinyNet")]

    @hookimpl
    def register_config_messages():
        return ["acme_tzrec.tinynet_pb2"]

Each hook returns a list of records (see :mod:`tzrec.plugins.specs`) whose targets are
imported lazily; a plugin module must be cheap to import (no torch at module level).
tzrec's own packages (tzrec-io, tzrec-models, tzrec-cli) register the same way. Two
plugins that register one name in the same registry are an error naming both.
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from tzrec.plugins.specs import (
    CommandSpec,
    FeatureOperatorSpec,
    ModelSpec,
    ReaderSpec,
    SamplerSpec,
    WriterSpec,
)

PROJECT_NAME = "tzrec"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_models() -> Sequence[ModelSpec]:
    """Models this plugin provides, by name.

    The name is the ModelConfig oneof field (``"deepfm"``) or, for a plugin model
    configured through ``plugin_model`` (google.protobuf.Any), the full name of its
    config message (``"acme.TinyNet"``).
    """


@hookspec
def register_readers() -> Sequence[ReaderSpec]:
    """Dataset readers, keyed by DatasetType name (``"ParquetDataset"``)."""


@hookspec
def register_writers() -> Sequence[WriterSpec]:
    """Prediction-output writers, keyed by writer name (``"ParquetWriter"``)."""


@hookspec
def register_samplers() -> Sequence[SamplerSpec]:
    """Samplers, by DataConfig sampler oneof name or plugin config message name.

    For example ``"negative_sampler"``, or ``"acme.MySampler"`` for a sampler given
    as ``data_config.plugin_sampler``.
    """


@hookspec
def register_feature_operators() -> Sequence[FeatureOperatorSpec]:
    """Custom feature operators, keyed by ``custom_feature.operator_name``."""


@hookspec
def register_commands() -> Sequence[CommandSpec]:
    """Sub-commands of the ``tzrec`` CLI (a Typer app or a function each)."""


@hookspec
def register_config_messages() -> Sequence[str]:
    """Modules (generated ``*_pb2``) that define this plugin's config messages.

    They are imported before a pipeline config is parsed, so that
    ``[type.googleapis.com/pkg.Message] { ... }`` in a ``google.protobuf.Any`` field
    resolves.
    """
