"""CustomFeature: a feature computed by an operator that a plugin registers.

TorchEasyRec loads custom operators from native pyfg libraries (``operator_lib_file``,
a ``.so``). tzrec cannot load those; an operator is a Python class that a plugin
registers through the ``register_feature_operators`` hook::

    from tzrec.plugins import FeatureOperatorSpec, hookimpl

    @hookimpl
    def register_feature_operators():
        return [FeatureOperatorSpec("EditDistance", "my_pkg.ops:EditDistance")]

``custom_feature.operator_name`` selects it; ``operator_lib_file`` is ignored when a
Python operator of that name is registered. The operator contract
(:class:`FeatureOperator`):

- it is constructed once per feature as ``Operator(params, feature_name)``, ``params``
  being ``operator_params`` as a plain dict (``google.protobuf.Struct`` -> dict: numbers
  are floats);
- it is called with the feature's inputs (one pyarrow array per ``expression`` entry,
  in order, all of the batch's length) and returns one pyarrow array with one element
  per row: a number, a string (several values joined by the feature's ``separator``),
  or a list. It should compute a column at a time.

Inside a sequence (``sequence_custom_feature`` or a grouped ``sequence_feature``) the
operator sees one element per sequence step.

The output is finished like other features: with a categorical bucketizer
(hash_bucket_size, num_buckets, vocab_*, zch, dynamicemb) the values are ids like an
IdFeature's (``weighted`` reads ``key:weight``); with ``boundaries`` numbers are
bucketized; without a bucketizer the feature is dense (``normalizer`` applies, and
``default_value`` fills rows without values).
"""

from __future__ import annotations

from typing import Any, Protocol

import pyarrow as pa
from google.protobuf import json_format
from google.protobuf.message import Message

from tzrec.features.encoded import to_float64
from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.lookup_feature import MixedValueFeature
from tzrec.features.ragged import Ragged, as_ragged, combine_chunks
from tzrec.plugins.manager import UnknownPluginNameError, get_registries
from tzrec.plugins.specs import PluginTargetError
from tzrec.protos import data_pb2


class FeatureOperator(Protocol):
    """What a registered operator class's instances provide.

    The class is constructed as ``cls(params: dict[str, Any], feature_name: str)``.
    """

    def __call__(self, inputs: list[pa.Array]) -> pa.Array:
        """The operator's output for a batch: one element per row."""
        ...


def load_operator(
    operator_name: str, lib_file: str, params: dict[str, Any], feature_name: str
) -> FeatureOperator:
    """Instantiate the operator registered as ``operator_name``.

    Raises:
        FeatureConfigError: when no plugin registers the name (listing those that are
            registered, and saying that native ``.so`` operators cannot be loaded), or
            the operator cannot be imported or constructed.
    """
    registry = get_registries().feature_operators
    try:
        cls = registry.load(operator_name)
    except UnknownPluginNameError:
        known = ", ".join(registry.names()) or "none"
        native = (
            f"; operator_lib_file '{lib_file}' is a native pyfg operator, which tzrec cannot load"
            if lib_file
            else ""
        )
        raise FeatureConfigError(
            feature_name,
            f"no feature operator '{operator_name}' is registered (registered: {known})"
            f"{native}; register a Python operator with the register_feature_operators "
            "plugin hook (see tzrec.features.custom_feature)",
        ) from None
    except PluginTargetError as e:
        raise FeatureConfigError(
            feature_name, f"cannot load feature operator '{operator_name}': {e}"
        ) from e
    try:
        operator: FeatureOperator = cls(params, feature_name)
    except (TypeError, ValueError, KeyError) as e:
        raise FeatureConfigError(
            feature_name, f"feature operator '{operator_name}' rejected its params {params}: {e}"
        ) from e
    return operator


class CustomFeature(MixedValueFeature):
    """``custom_feature`` / ``sequence_custom_feature``: a plugin operator's output."""

    config_type = "custom_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.operator_name = str(self.config.operator_name)
        if not self.operator_name:
            raise FeatureConfigError(self.name, "custom_feature needs operator_name")
        params: dict[str, Any] = {}
        if self.config.HasField("operator_params"):
            params = json_format.MessageToDict(self.config.operator_params)
        self.operator_params = params
        self.operator: FeatureOperator | None = None
        if self.context.fg_mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL):
            self.operator = load_operator(
                self.operator_name, str(self.config.operator_lib_file), params, self.name
            )

    def _is_discrete(self) -> bool:
        """Categorical when a bucketizer other than boundaries is set."""
        return self.bucketizer is not None and self.bucketizer.kind != "boundaries"

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The operator's output per row, as a list column (numbers normalized)."""
        assert self.operator is not None
        num_rows = len(inputs[0]) if inputs else 0
        out = combine_chunks(self.operator(inputs))
        if len(out) != num_rows:
            raise FeatureConfigError(
                self.name,
                f"feature operator '{self.operator_name}' returned {len(out)} values "
                f"for {num_rows} rows",
            )
        ragged = as_ragged(out, str(self.config.separator) or None)
        if self.discrete:
            return ragged.to_list_array()
        input_name = f"{self.operator_name}({', '.join(i.text for i in self.inputs)})"
        nums = self._normalize(to_float64(ragged.values, self.name, input_name))
        return Ragged(pa.array(nums, type=pa.float64()), ragged.lengths).to_list_array()


#: ``sequence_custom_feature`` is implemented by the same class.
SequenceCustomFeature = CustomFeature
