"""Sequence encoders against independent numpy computations, padding masked out."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from google.protobuf import text_format

from tzrec.modules.sequence_encoders import (
    DINEncoder,
    MultiWindowDINEncoder,
    PoolingEncoder,
    SimpleAttention,
    create_sequence_encoder,
)
from tzrec.protos import module_pb2, seq_encoder_pb2

SEQUENCE = torch.tensor(
    [
        [[1.0, 0.0], [0.0, 2.0], [3.0, 1.0], [9.0, 9.0]],  # 3 valid steps, one padding
        [[0.5, 0.5], [7.0, 7.0], [7.0, 7.0], [7.0, 7.0]],  # 1 valid step
        [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],  # empty
    ]
)
LENGTHS = torch.tensor([3, 1, 0])
QUERY = torch.tensor([[1.0, 1.0], [2.0, -1.0], [1.0, 0.0]])


def np_softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max())
    return e / e.sum()


def test_pooling_encoder_sum_and_mean_ignore_padding() -> None:
    total = PoolingEncoder(2, "sum")(QUERY, SEQUENCE, LENGTHS)
    torch.testing.assert_close(total, torch.tensor([[4.0, 3.0], [0.5, 0.5], [0.0, 0.0]]))
    mean = PoolingEncoder(2, "mean")(QUERY, SEQUENCE, LENGTHS)
    torch.testing.assert_close(mean, torch.tensor([[4 / 3, 1.0], [0.5, 0.5], [0.0, 0.0]]))
    with pytest.raises(ValueError):
        PoolingEncoder(2, "max")


def test_simple_attention_weights_are_softmax_of_dot_products() -> None:
    out = SimpleAttention(2, 2)(QUERY, SEQUENCE, LENGTHS)
    seq = SEQUENCE[0, :3].numpy().astype(np.float64)
    w = np_softmax(seq @ np.array([1.0, 1.0]))  # scores 1, 2, 4
    np.testing.assert_allclose(out[0].numpy(), w @ seq, rtol=1e-5)
    torch.testing.assert_close(out[1], torch.tensor([0.5, 0.5]))  # one step: weight 1
    torch.testing.assert_close(out[2], torch.tensor([0.0, 0.0]))
    with pytest.raises(ValueError, match="same width"):
        SimpleAttention(3, 2)


def _attn_mlp() -> module_pb2.MLP:
    return text_format.Parse('hidden_units: [3] activation: "nn.ReLU"', module_pb2.MLP())


def _din_reference(
    encoder: DINEncoder | MultiWindowDINEncoder, query: np.ndarray, seq: np.ndarray
) -> np.ndarray:
    """Attention scores of one row, computed with numpy from the encoder's weights."""
    linear = next(iter(encoder.attention.mlp.layers[0].children()))
    assert isinstance(linear, torch.nn.Linear)
    w1, b1 = linear.weight.detach().numpy(), linear.bias.detach().numpy()
    w2 = encoder.attention.score.weight.detach().numpy()
    b2 = encoder.attention.score.bias.detach().numpy()
    q = np.zeros(seq.shape[1])
    q[: len(query)] = query
    q = np.broadcast_to(q, seq.shape)
    features = np.concatenate([q, seq, q - seq, q * seq], axis=1)
    hidden = np.maximum(features @ w1.T + b1, 0)
    return (hidden @ w2.T + b2)[:, 0]


def test_din_encoder_attention_matches_numpy() -> None:
    torch.manual_seed(1)
    encoder = DINEncoder(2, 2, _attn_mlp()).eval()
    out = encoder(QUERY, SEQUENCE, LENGTHS).detach().numpy()
    seq = SEQUENCE[0, :3].numpy().astype(np.float64)
    scores = _din_reference(encoder, QUERY[0].numpy(), seq)
    np.testing.assert_allclose(out[0], np_softmax(scores) @ seq, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out[1], [0.5, 0.5], rtol=1e-6)
    np.testing.assert_allclose(out[2], [0.0, 0.0])


def test_din_pads_a_narrower_query_with_zeros() -> None:
    torch.manual_seed(2)
    encoder = DINEncoder(1, 2, _attn_mlp()).eval()
    out = encoder(QUERY[:, :1], SEQUENCE, LENGTHS).detach().numpy()
    seq = SEQUENCE[0, :3].numpy().astype(np.float64)
    scores = _din_reference(encoder, QUERY[0, :1].numpy(), seq)
    np.testing.assert_allclose(out[0], np_softmax(scores) @ seq, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="no wider"):
        DINEncoder(3, 2, _attn_mlp())


def test_multi_window_din_normalizes_each_window() -> None:
    torch.manual_seed(3)
    encoder = MultiWindowDINEncoder(2, 2, _attn_mlp(), [1, 2]).eval()
    assert encoder.output_dim() == 4
    out = encoder(QUERY, SEQUENCE, LENGTHS).detach().numpy()
    seq = SEQUENCE[0, :3].numpy().astype(np.float64)
    scores = _din_reference(encoder, QUERY[0].numpy(), seq)
    second = np_softmax(scores[1:3]) @ seq[1:3]
    np.testing.assert_allclose(out[0], np.concatenate([seq[0], second]), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(out[1], [0.5, 0.5, 0.0, 0.0], atol=1e-6)  # window 2 empty


def test_create_sequence_encoder_from_config() -> None:
    config = text_format.Parse(
        'din_encoder { input: "s" attn_mlp { hidden_units: [4] activation: "Dice" } }',
        seq_encoder_pb2.SeqEncoderConfig(),
    )
    encoder = create_sequence_encoder(config, 2, 2)
    assert isinstance(encoder, DINEncoder) and encoder.output_dim() == 2
    pooling = text_format.Parse("pooling_encoder {}", seq_encoder_pb2.SeqEncoderConfig())
    made = create_sequence_encoder(pooling, 0, 6)
    assert isinstance(made, PoolingEncoder) and made.pooling_type == "mean"
    with pytest.raises(ValueError):
        create_sequence_encoder(seq_encoder_pb2.SeqEncoderConfig(), 2, 2)
