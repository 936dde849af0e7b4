"""Serving an exported model: load its directory, score raw record batches.

Only torch, fbgemm_gpu and tzrec's feature / parsing code are imported; the model
code (tzrec.models, tzrec_models) and the training engine are not needed.
"""

from tzrec.serving.exported_model import ExportedModel, load_exported
from tzrec.serving.manifest import ExportFormatError

__all__ = ["ExportFormatError", "ExportedModel", "load_exported"]
