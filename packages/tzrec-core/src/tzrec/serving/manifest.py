"""The layout of an exported model directory and its ``manifest.json``.

An export directory holds everything serving needs, and nothing from training::

    EXPORT_DIR/
      manifest.json        what the directory holds (below)
      scripted_model.pt    TorchScript: dict[str, Tensor] (Batch.to_dict keys) -> predictions
      fg.config            data_config + feature_configs (text proto): FG / parsing
      fg.json              the features as JSON (for FG outside tzrec)
      pipeline.config      the training config, for the record
      assets/              vocab / stop-char / operator files the features reference

``manifest.json`` (``format_version`` 1)::

    {"format_version": 1, "tzrec_version": "0.1.0", "model": "deepfm",
     "created": "2025-01-01T00:00:00+00:00", "output_format": "torchscript",
     "model_file": "scripted_model.pt", "quantization": "fp32", "dense_ema": false,
     "checkpoint": {"path": ".../model.ckpt-48", "step": 48},
     "input_columns": [{"name": "int_0", "type": "int64"}, ...],
     "feature_names": [...], "output_names": ["logits", "probs"],
     "fg_config": "fg.config", "fg_json": "fg.json", "assets": ["assets/vocab.txt"]}

This module is shared by the exporter (which writes it) and the serving loader (which
reads it); it imports nothing beyond the standard library and tzrec's error types.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tzrec.utils.config_errors import InputError

MANIFEST_FILE = "manifest.json"
#: Layout version this tzrec writes and reads; bumped on an incompatible change.
FORMAT_VERSION = 1
SCRIPTED_MODEL = "scripted_model.pt"
AOT_MODEL = "aot_model.pt2"
FG_CONFIG = "fg.config"
FG_JSON = "fg.json"
PIPELINE_CONFIG = "pipeline.config"
ASSETS_DIR = "assets"

#: Keys every manifest has.
REQUIRED_KEYS = (
    "format_version",
    "tzrec_version",
    "model",
    "output_format",
    "model_file",
    "input_columns",
    "output_names",
    "fg_config",
)


class ExportFormatError(InputError):
    """An export directory whose manifest is unreadable, incomplete or of another version."""


def read_manifest(export_dir: str) -> dict[str, Any]:
    """The manifest of ``export_dir``, checked for version and completeness.

    Args:
        export_dir: an export directory.

    Returns:
        the manifest as a dict.

    Raises:
        FileNotFoundError: the directory or its manifest is missing.
        ExportFormatError: the manifest is not JSON, lacks keys, or has another
            ``format_version`` than this tzrec reads.
    """
    if not os.path.isdir(export_dir):
        raise FileNotFoundError(f"export directory {export_dir!r} does not exist")
    path = os.path.join(export_dir, MANIFEST_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{path} is missing: {export_dir!r} is not a (complete) tzrec export directory"
        )
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ExportFormatError(f"{path}: unreadable manifest: {e}") from e
    if not isinstance(manifest, dict):
        raise ExportFormatError(f"{path}: the manifest must be a JSON object")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ExportFormatError(
            f"{path}: export format_version {version!r} cannot be served by this tzrec "
            f"(it reads format_version {FORMAT_VERSION}); export the model again with this "
            "tzrec, or serve it with the tzrec version that exported it "
            f"({manifest.get('tzrec_version', 'unknown')})"
        )
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        raise ExportFormatError(f"{path}: manifest lacks {missing}")
    return manifest


def write_manifest(export_dir: str, manifest: dict[str, Any]) -> str:
    """Write ``manifest`` as ``EXPORT_DIR/manifest.json``; returns the file's path."""
    path = os.path.join(export_dir, MANIFEST_FILE)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    return path
