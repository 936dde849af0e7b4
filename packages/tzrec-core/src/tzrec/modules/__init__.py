"""Neural network building blocks.

Embedding groups, MLP, FM, cross (DCN v1/v2), CIN and dot-interaction layers, mask
blocks (MaskNet) and WuKong layers; sequence encoders live in
:mod:`tzrec.modules.sequence_encoders`.
"""

from tzrec.modules.activation import Dice, create_activation
from tzrec.modules.cin import CIN
from tzrec.modules.cross import Cross, CrossV2
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.modules.fm import FactorizationMachine
from tzrec.modules.init_fn import parse_init_fn
from tzrec.modules.interaction import DotInteraction
from tzrec.modules.mask_net import MaskBlock, MaskNetModule
from tzrec.modules.mlp import MLP
from tzrec.modules.wukong import WuKongLayer

__all__ = [
    "CIN",
    "MLP",
    "Cross",
    "CrossV2",
    "Dice",
    "DotInteraction",
    "EmbeddingGroup",
    "FactorizationMachine",
    "MaskBlock",
    "MaskNetModule",
    "WuKongLayer",
    "create_activation",
    "parse_init_fn",
]
