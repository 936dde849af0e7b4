"""tzrec-models' plugin module, published under the ``tzrec`` entry-point group.

Only lazy ``module:Class`` references here: a model module (which imports torch) is
imported when a pipeline config selects the model, not when tzrec lists plugins.
"""

from __future__ import annotations

from tzrec.plugins import ModelSpec, hookimpl

RANK_MODELS = {
    "deepfm": "tzrec_models.rank.deepfm:DeepFM",
}


@hookimpl
def register_models() -> list[ModelSpec]:
    """The ranking models implemented so far."""
    return [ModelSpec(name, target, "rank") for name, target in RANK_MODELS.items()]
