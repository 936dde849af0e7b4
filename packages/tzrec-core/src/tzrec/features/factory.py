"""Build feature objects from a pipeline's ``feature_configs``.

Each FeatureConfig oneof name maps to the class that implements it (one module per
feature type). ``sequence_*_feature`` entries reuse the non-sequence class with a
:class:`~tzrec.features.feature.SequenceSpec`, and a grouped ``sequence_feature``
expands into one feature per sub-feature, named ``sequence_name__feature_name``.
"""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.message import Message

from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import BaseFeature, FeatureContext, SequenceSpec
from tzrec.plugins.specs import load_target
from tzrec.protos import data_pb2, feature_pb2

#: FeatureConfig oneof name -> "module:Class" of its implementation (imported lazily).
FEATURE_CLASSES: dict[str, str] = {
    "id_feature": "tzrec.features.id_feature:IdFeature",
    "raw_feature": "tzrec.features.raw_feature:RawFeature",
    "combo_feature": "tzrec.features.combo_feature:ComboFeature",
    "lookup_feature": "tzrec.features.lookup_feature:LookupFeature",
    "match_feature": "tzrec.features.match_feature:MatchFeature",
    "expr_feature": "tzrec.features.expr_feature:ExprFeature",
    "overlap_feature": "tzrec.features.overlap_feature:OverlapFeature",
    "tokenize_feature": "tzrec.features.tokenize_feature:TokenizeFeature",
    "kv_dot_product": "tzrec.features.kv_dot_product:KvDotProductFeature",
    "bool_mask_feature": "tzrec.features.bool_mask_feature:BoolMaskFeature",
    "custom_feature": "tzrec.features.custom_feature:CustomFeature",
    "combine_feature": "tzrec.features.combine_feature:CombineFeature",
}

#: Stand-alone sequence types and the non-sequence type whose class implements them.
SEQUENCE_TYPES: dict[str, str] = {
    "sequence_id_feature": "id_feature",
    "sequence_raw_feature": "raw_feature",
    "sequence_custom_feature": "custom_feature",
    "sequence_combine_feature": "combine_feature",
    "sequence_tokenize_feature": "tokenize_feature",
}


def feature_class(config_type: str) -> type[BaseFeature]:
    """The class implementing a FeatureConfig oneof name."""
    target = FEATURE_CLASSES.get(SEQUENCE_TYPES.get(config_type, config_type))
    if target is None:
        raise FeatureConfigError(config_type, f"unknown feature type '{config_type}'")
    cls: type[BaseFeature] = load_target(target)
    return cls


def context_from_data_config(
    data_config: data_pb2.DataConfig | None, resource_dir: str | None = None
) -> FeatureContext:
    """The feature context (FG mode, separators) a data config sets."""
    if data_config is None:
        return FeatureContext(resource_dir=resource_dir)
    return FeatureContext(
        fg_mode=data_config.fg_mode,
        fg_encoded_multival_sep=data_config.fg_encoded_multival_sep,
        resource_dir=resource_dir,
    )


def _own_sequence_spec(config: Message) -> SequenceSpec | None:
    """The sequence spec of a stand-alone sequence config (or IdFeature with a length)."""
    fields = config.DESCRIPTOR.fields_by_name
    if "sequence_length" not in fields or not config.HasField("sequence_length"):
        return None
    delim = getattr(config, "sequence_delim", ";") if "sequence_delim" in fields else ";"
    return SequenceSpec(length=int(getattr(config, "sequence_length")), delim=delim)  # noqa: B009


def create_feature(
    config: feature_pb2.FeatureConfig, context: FeatureContext | None = None
) -> list[BaseFeature]:
    """The feature(s) of one ``feature_configs`` entry (a grouped sequence gives several)."""
    context = context or FeatureContext()
    which = config.WhichOneof("feature")
    if which is None:
        raise FeatureConfigError("<unnamed>", "a feature_configs entry sets no feature type")
    message = getattr(config, which)
    if which == "sequence_feature":
        group_spec = SequenceSpec(
            length=int(message.sequence_length),
            delim=message.sequence_delim,
            group=message.sequence_name,
            pk=message.sequence_pk or None,
        )
        out = []
        for sub in message.features:
            sub_type = sub.WhichOneof("feature")
            if sub_type is None:
                raise FeatureConfigError(
                    message.sequence_name, "a sequence_feature sub-feature sets no type"
                )
            out.append(feature_class(sub_type)(getattr(sub, sub_type), context, group_spec))
        return out
    spec = None
    if which in SEQUENCE_TYPES:
        spec = _own_sequence_spec(message)
        if spec is None:
            raise FeatureConfigError(message.feature_name, f"{which} needs sequence_length")
    elif which in ("id_feature", "raw_feature"):
        spec = _own_sequence_spec(message)
    return [feature_class(which)(message, context, spec)]


def create_features(
    feature_configs: Iterable[feature_pb2.FeatureConfig], context: FeatureContext | None = None
) -> list[BaseFeature]:
    """All features of a pipeline config, in config order, with unique names.

    Raises:
        FeatureConfigError: for an unknown type or two features with one name.
    """
    features: list[BaseFeature] = []
    seen: set[str] = set()
    for config in feature_configs:
        for feature in create_feature(config, context):
            if feature.name in seen:
                raise FeatureConfigError(feature.name, "two features have this name")
            seen.add(feature.name)
            features.append(feature)
    return features
