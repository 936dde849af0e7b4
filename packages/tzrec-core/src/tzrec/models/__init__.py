"""Model base classes and wrappers: what every model family builds on.

``BaseModel`` holds the contract (predict, losses, metrics); ``RankModel`` adds the
ranking head's outputs; the wrappers adapt a model to training, prediction and export.
Concrete models live in plugins (``tzrec_models``) and are found through the registry.
"""

from tzrec.models.base_model import BaseModel
from tzrec.models.factory import create_model
from tzrec.models.rank_model import RankModel
from tzrec.models.wrappers import PredictWrapper, ScriptWrapper, TrainWrapper

__all__ = [
    "BaseModel",
    "PredictWrapper",
    "RankModel",
    "ScriptWrapper",
    "TrainWrapper",
    "create_model",
]
