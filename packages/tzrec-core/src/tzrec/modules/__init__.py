"""Neural network building blocks: embedding groups, MLP, FM, sequence encoders."""

from tzrec.modules.activation import Dice, create_activation
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.modules.fm import FactorizationMachine
from tzrec.modules.init_fn import parse_init_fn
from tzrec.modules.mlp import MLP

__all__ = [
    "MLP",
    "Dice",
    "EmbeddingGroup",
    "FactorizationMachine",
    "create_activation",
    "parse_init_fn",
]
