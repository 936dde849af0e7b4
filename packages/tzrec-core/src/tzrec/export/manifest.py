"""The ``manifest.json`` an export writes (layout in :mod:`tzrec.serving.manifest`)."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from tzrec.export.checkpoint_select import SelectedCheckpoint
from tzrec.export.quantize import Quantization
from tzrec.serving.manifest import FG_CONFIG, FG_JSON, FORMAT_VERSION, PIPELINE_CONFIG
from tzrec.version import __version__


def build_manifest(
    *,
    model_name: str,
    output_format: str,
    model_file: str,
    quantization: Quantization,
    dense_ema: bool,
    checkpoint: SelectedCheckpoint,
    input_schema: pa.Schema,
    feature_names: Sequence[str],
    output_names: Sequence[str],
    assets: Sequence[str],
) -> dict[str, Any]:
    """The manifest of an export.

    Args:
        model_name: the model's registry name (``deepfm``).
        output_format: ``torchscript`` or ``aot``.
        model_file: the program's file name in the export directory.
        quantization: the embedding quantization applied.
        dense_ema: whether the dense weights are the EMA averages.
        checkpoint: the checkpoint exported.
        input_schema: the raw input columns serving reads, with their arrow types.
        feature_names: the features (model inputs) FG produces.
        output_names: the prediction names.
        assets: resource files copied in (relative paths).
    """
    checkpoint_info: dict[str, Any] = {
        "path": checkpoint.path,
        "step": checkpoint.step,
        "chosen_by": checkpoint.reason,
    }
    if checkpoint.metric is not None:
        checkpoint_info["metric"] = checkpoint.metric
    return {
        "format_version": FORMAT_VERSION,
        "tzrec_version": __version__,
        "model": model_name,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "output_format": output_format,
        "model_file": model_file,
        "quantization": quantization.describe(),
        "dense_ema": dense_ema,
        "checkpoint": checkpoint_info,
        "input_columns": [{"name": f.name, "type": str(f.type)} for f in input_schema],
        "input_schema": base64.b64encode(input_schema.serialize().to_pybytes()).decode("ascii"),
        "feature_names": list(feature_names),
        "output_names": list(output_names),
        "fg_config": FG_CONFIG,
        "fg_json": FG_JSON,
        "pipeline_config": PIPELINE_CONFIG,
        "assets": list(assets),
    }
