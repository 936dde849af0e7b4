"""Checks of a parsed pipeline config that the schema alone cannot express.

The proto schema catches unknown fields and wrong types; these checks catch references
that do not resolve: a feature group naming a feature that no feature config defines, a
feature defined twice, a model config without a model. Each problem is a ConfigError
pointing at the line that wrote it. Whether a plugin provides the chosen model is not a
property of the config: ``tzrec train`` reports a missing one when it builds the model.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from google.protobuf.message import Message

from tzrec.protos import pipeline_pb2
from tzrec.utils import textproto_locator
from tzrec.utils.config_errors import ConfigError, closest_names
from tzrec.utils.proto_util import descriptor_of


def feature_names(feature_config: Message) -> list[str]:
    """Names a FeatureConfig defines, as feature groups refer to them.

    A plain feature defines its ``feature_name``; a ``sequence_feature`` group defines
    ``<sequence_name>__<sub feature_name>`` for each of its sub-features.
    """
    chosen = feature_config.WhichOneof("feature")
    if chosen is None:
        return []
    feature = getattr(feature_config, chosen)
    fields = feature.DESCRIPTOR.fields_by_name
    if "sequence_name" in fields and "features" in fields:
        names = []
        for sub in feature.features:
            sub_chosen = sub.WhichOneof("feature")
            if sub_chosen is not None:
                sub_name = getattr(sub, sub_chosen).feature_name
                names.append(f"{feature.sequence_name}__{sub_name}")
        return names
    if "feature_name" in fields:
        return [feature.feature_name]
    return []


def _group_references(config: pipeline_pb2.EasyRecConfig) -> Iterator[tuple[str, str]]:
    """(field path, feature name) for every feature named by a feature group."""
    for g, group in enumerate(config.model_config.feature_groups):
        base = f"model_config.feature_groups[{g}]"
        for i, name in enumerate(group.feature_names):
            yield f"{base}.feature_names[{i}]", name
        for s, seq_group in enumerate(group.sequence_groups):
            for i, name in enumerate(seq_group.feature_names):
                yield f"{base}.sequence_groups[{s}].feature_names[{i}]", name


def check_pipeline_config(
    config: pipeline_pb2.EasyRecConfig, path: str = "<string>", text: str = ""
) -> list[ConfigError]:
    """All reference problems in ``config``; an empty list when it is consistent.

    Args:
        config: a parsed pipeline config.
        path: the file it came from, for messages.
        text: its text-proto source, to point at lines (optional).
    """
    scan = textproto_locator.scan(text, descriptor_of(config)) if text else None

    def error(message: str, field_path: str, suggestions: Sequence[str] = ()) -> ConfigError:
        site = scan.position_of(field_path) if scan is not None else None
        line, column = (site.line, site.column) if site is not None else (0, 0)
        return ConfigError(message, path, line, column, field_path, suggestions)

    errors: list[ConfigError] = []
    defined: dict[str, int] = {}
    for index, feature_config in enumerate(config.feature_configs):
        field_path = f"feature_configs[{index}]"
        if feature_config.WhichOneof("feature") is None:
            errors.append(error("feature config sets no feature type", field_path))
        for name in feature_names(feature_config):
            if name in defined:
                errors.append(
                    error(
                        f"feature '{name}' is already defined by feature_configs[{defined[name]}]",
                        field_path,
                    )
                )
            defined.setdefault(name, index)
    if config.HasField("model_config"):
        if config.model_config.WhichOneof("model") is None:
            errors.append(error("model_config chooses no model", "model_config"))
        for field_path, name in _group_references(config):
            if name not in defined:
                errors.append(
                    error(
                        f"feature '{name}' is not defined in feature_configs",
                        field_path,
                        closest_names(name, defined),
                    )
                )
    return errors
