"""MaskBlock / MaskNetModule against hand-computed values and a numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from google.protobuf import text_format
from torch import nn

from tzrec.modules.mask_net import MaskBlock, MaskNetModule, aggregation_dim_of
from tzrec.protos import module_pb2


def _layer_norm(x: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis with unit gain and zero bias (torch's eps)."""
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5)


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().astype(np.float64)


def _block_reference(block: MaskBlock, x: np.ndarray, emb: np.ndarray) -> np.ndarray:
    """ReLU(LN(W_h (mask(emb) * LN(x)))), mask = W2 ReLU(W1 emb + b1) + b2."""
    lin1, _, lin2 = block.mask_generator
    hidden_linear = block.hidden[0]
    assert isinstance(lin1, nn.Linear) and isinstance(lin2, nn.Linear)
    assert isinstance(hidden_linear, nn.Linear)
    aggregation = np.maximum(emb @ _np(lin1.weight).T + _np(lin1.bias), 0.0)
    mask = aggregation @ _np(lin2.weight).T + _np(lin2.bias)
    hidden = (mask * _layer_norm(x)) @ _np(hidden_linear.weight).T
    return np.maximum(_layer_norm(hidden), 0.0)


def test_mask_block_by_hand() -> None:
    """input [1, 3] normalises to [-1, 1]; the mask [2, 0.5] and W_h make it [-2, 0.5, 1.5]."""
    block = MaskBlock(input_dim=2, mask_input_dim=1, aggregation_dim=1, hidden_dim=3)
    with torch.no_grad():
        lin1, _, lin2 = block.mask_generator
        assert isinstance(lin1, nn.Linear) and isinstance(lin2, nn.Linear)
        lin1.weight.fill_(1.0)  # aggregation = relu(emb) = 1 for emb = 1
        lin1.bias.zero_()
        lin2.weight.copy_(torch.tensor([[2.0], [0.5]]))  # mask = [2, 0.5]
        lin2.bias.zero_()
        hidden_linear = block.hidden[0]
        assert isinstance(hidden_linear, nn.Linear)
        hidden_linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]]))
    x = torch.tensor([[1.0, 3.0]])
    emb = torch.tensor([[1.0]])
    # LN([1, 3]) = [-1, 1] (up to eps); masked: [-2, 0.5]; W_h: [-2, 0.5, 2.5];
    # LN of that: mean 1/3, std sqrt(((7/3)^2 + (1/6)^2 + (13/6)^2) / 3) = 1.8484 ...
    hidden = np.array([-2.0, 0.5, 2.5])
    expected = np.maximum((hidden - hidden.mean()) / np.sqrt(hidden.var()), 0.0)
    np.testing.assert_allclose(block.mask(emb).detach().numpy(), [[2.0, 0.5]])
    np.testing.assert_allclose(block(x, emb).detach().numpy(), [expected], rtol=1e-4, atol=1e-4)
    assert expected[0] == 0.0 and expected[2] > expected[1] > 0


def test_mask_block_matches_numpy_reference() -> None:
    torch.manual_seed(0)
    block = MaskBlock(input_dim=5, mask_input_dim=6, aggregation_dim=4, hidden_dim=3)
    x = torch.randn(7, 5)
    emb = torch.randn(7, 6)
    expected = _block_reference(block, _np(x), _np(emb))
    np.testing.assert_allclose(_np(block(x, emb)), expected, rtol=1e-4, atol=1e-5)


def _module(text: str, input_dim: int) -> MaskNetModule:
    return MaskNetModule(input_dim, text_format.Parse(text, module_pb2.MaskNetModule()))


def test_parallel_blocks_read_the_embedding_and_concatenate() -> None:
    torch.manual_seed(1)
    module = _module(
        "n_mask_blocks: 3 use_parallel: true mask_block { aggregation_dim: 4 hidden_dim: 2 }", 6
    )
    emb = torch.randn(5, 6)
    blocks = [b for b in module.blocks if isinstance(b, MaskBlock)]
    expected = np.concatenate([_block_reference(b, _np(emb), _np(emb)) for b in blocks], axis=1)
    assert module.output_dim() == 6
    np.testing.assert_allclose(_np(module(emb)), expected, rtol=1e-4, atol=1e-5)


def test_serial_blocks_chain_hidden_outputs_with_masks_from_the_embedding() -> None:
    torch.manual_seed(2)
    module = _module(
        "n_mask_blocks: 3 use_parallel: false mask_block { aggregation_dim: 4 hidden_dim: 3 } "
        "top_mlp { hidden_units: [2] }",
        6,
    )
    emb = torch.randn(5, 6)
    blocks = [b for b in module.blocks if isinstance(b, MaskBlock)]
    assert [b.input_norm.normalized_shape[0] for b in blocks] == [6, 3, 3]
    hidden = _np(emb)
    for block in blocks:
        hidden = _block_reference(block, hidden, _np(emb))
    assert module.top_mlp is not None
    top = next(m for m in module.top_mlp.modules() if isinstance(m, nn.Linear))
    expected = np.maximum(hidden @ _np(top.weight).T + _np(top.bias), 0.0)
    assert module.output_dim() == 2
    np.testing.assert_allclose(_np(module(emb)), expected, rtol=1e-4, atol=1e-5)


def test_reduction_ratio_sets_the_aggregation_width_and_wins() -> None:
    both = text_format.Parse(
        "reduction_ratio: 1.5 aggregation_dim: 7 hidden_dim: 4", module_pb2.MaskBlock()
    )
    assert aggregation_dim_of(both, 10, "mask_block") == 15
    only_dim = text_format.Parse("aggregation_dim: 7 hidden_dim: 4", module_pb2.MaskBlock())
    assert aggregation_dim_of(only_dim, 10, "mask_block") == 7
    module = _module("n_mask_blocks: 1 mask_block { reduction_ratio: 0.5 hidden_dim: 4 }", 10)
    first = module.blocks[0]
    assert isinstance(first, MaskBlock)
    lin1 = first.mask_generator[0]
    assert isinstance(lin1, nn.Linear) and lin1.out_features == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n_mask_blocks: 2 mask_block { hidden_dim: 4 }", r"mm\.mask_block: set reduction_ratio"),
        ("n_mask_blocks: 2", r"mm\.mask_block: set the MaskBlock"),
        ("mask_block { aggregation_dim: 3 }", r"mm\.mask_block\.hidden_dim"),
        ("n_mask_blocks: 0 mask_block { aggregation_dim: 3 hidden_dim: 2 }", r"mm\.n_mask_blocks"),
        ("mask_block { reduction_ratio: -1 hidden_dim: 2 }", r"reduction_ratio must be > 0"),
    ],
)
def test_incomplete_configs_name_the_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MaskNetModule(6, text_format.Parse(text, module_pb2.MaskNetModule()), "mm")
