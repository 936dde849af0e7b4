"""tzrec-models' plugin module, published under the ``tzrec`` entry-point group.

Only lazy ``module:Class`` references here: a model module (which imports torch) is
imported when a pipeline config selects the model, not when tzrec lists plugins.
"""

from __future__ import annotations

from tzrec.plugins import ModelSpec, hookimpl

RANK_MODELS = {
    "deepfm": "tzrec_models.rank.deepfm:DeepFM",
    "dlrm": "tzrec_models.rank.dlrm:DLRM",
    "wide_and_deep": "tzrec_models.rank.wide_and_deep:WideAndDeep",
    "multi_tower": "tzrec_models.rank.multi_tower:MultiTower",
    "multi_tower_din": "tzrec_models.rank.multi_tower_din:MultiTowerDIN",
    "mask_net": "tzrec_models.rank.mask_net:MaskNet",
    "dcn_v1": "tzrec_models.rank.dcn_v1:DCNV1",
    "dcn_v2": "tzrec_models.rank.dcn_v2:DCNV2",
    "xdeepfm": "tzrec_models.rank.xdeepfm:xDeepFM",
    "wukong": "tzrec_models.rank.wukong:WuKong",
    "rocket_launching": "tzrec_models.rank.rocket_launching:RocketLaunching",
}


@hookimpl
def register_models() -> list[ModelSpec]:
    """The ranking models implemented so far."""
    return [ModelSpec(name, target, "rank") for name, target in RANK_MODELS.items()]
