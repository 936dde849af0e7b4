"""Activations, initializer parsing, MLP, FM and dense embeddings."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from google.protobuf import text_format
from torch import nn

from tzrec.features.factory import create_features
from tzrec.modules.activation import Dice, create_activation
from tzrec.modules.dense_embedding import AutoDisEmbedding, create_dense_embedding
from tzrec.modules.fm import FactorizationMachine
from tzrec.modules.init_fn import parse_init_fn
from tzrec.modules.mlp import MLP
from tzrec.protos import module_pb2, pipeline_pb2


def test_create_activation_looks_names_up_in_torch_nn() -> None:
    assert isinstance(create_activation("nn.ReLU"), nn.ReLU)
    assert isinstance(create_activation("torch.nn.SiLU"), nn.SiLU)
    prelu = create_activation("nn.PReLU", hidden_size=5)
    assert isinstance(prelu, nn.PReLU) and prelu.weight.shape == (5,)
    leaky = create_activation("nn.LeakyReLU(negative_slope=0.2)")
    assert isinstance(leaky, nn.LeakyReLU) and leaky.negative_slope == 0.2
    assert isinstance(create_activation(""), nn.Identity)
    assert isinstance(create_activation("Dice", hidden_size=3), Dice)


@pytest.mark.parametrize(
    "name",
    ["nn.Nope", "os.system", "nn.ReLU(inplace=__import__('os'))", "nn.init", "ReLU", "nn.Linear.x"],
)
def test_create_activation_rejects_unknown_or_non_literal_names(name: str) -> None:
    with pytest.raises(ValueError):
        create_activation(name)


def test_dice_matches_its_formula() -> None:
    torch.manual_seed(0)
    dice = Dice(3)
    with torch.no_grad():
        dice.alpha.copy_(torch.tensor([0.1, 0.2, 0.3]))
    x = torch.randn(6, 3)
    xn = x.numpy().astype(np.float64)
    norm = (xn - xn.mean(0)) / np.sqrt(xn.var(0) + 1e-9)
    p = 1 / (1 + np.exp(-norm))
    expected = p * xn + (1 - p) * np.array([0.1, 0.2, 0.3]) * xn
    np.testing.assert_allclose(dice(x).detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    assert dice(torch.randn(2, 4, 3)).shape == (2, 4, 3)


def test_parse_init_fn_keyword_and_positional_literals() -> None:
    weight = torch.empty(50, 4)
    parse_init_fn("nn.init.uniform_,a=-0.01,b=0.01")(weight)
    assert float(weight.min()) >= -0.01 and float(weight.max()) <= 0.01
    parse_init_fn("nn.init.constant_,0.3")(weight)
    assert torch.equal(weight, torch.full((50, 4), 0.3))
    parse_init_fn("torch.nn.init.zeros_")(weight)
    assert not weight.any()
    torch.manual_seed(0)
    parse_init_fn("nn.init.normal_,mean=5.0,std=0.01")(weight)
    assert abs(float(weight.mean()) - 5.0) < 0.01


@pytest.mark.parametrize(
    "text",
    [
        "nn.init.nope_",
        "os.system",
        "nn.init.normal_,std=__import__('os').getcwd()",
        "nn.init.normal_,std=1+",
        "nn.init.normal_,**{'std': 1}",
        "nn.init._no_grad_fill_",
    ],
)
def test_parse_init_fn_rejects_unknown_names_and_non_literals(text: str) -> None:
    with pytest.raises(ValueError):
        parse_init_fn(text)


def test_mlp_layer_structure_from_config() -> None:
    config = text_format.Parse(
        'hidden_units: [8, 4] dropout_ratio: [0.1, 0.2] activation: "nn.SiLU" use_bn: true '
        "use_ln: true bias: false",
        module_pb2.MLP(),
    )
    mlp = MLP.from_config(6, config)
    assert mlp.output_dim() == 4
    first = list(mlp.layers[0].children())
    assert [type(m) for m in first] == [
        nn.Linear,
        nn.BatchNorm1d,
        nn.LayerNorm,
        nn.SiLU,
        nn.Dropout,
    ]
    assert first[0].in_features == 6 and first[0].out_features == 8 and first[0].bias is None
    assert first[4].p == pytest.approx(0.1)
    assert list(mlp.layers[1].children())[4].p == pytest.approx(0.2)
    mlp.eval()
    assert mlp(torch.randn(5, 6)).shape == (5, 4)
    assert mlp(torch.randn(2, 3, 6)).shape == (2, 3, 4)


def test_mlp_single_dropout_applies_to_every_layer_and_default_is_none() -> None:
    mlp = MLP(3, [4, 4, 2], dropout_ratio=[0.5])
    assert [list(layer.children())[-1].p for layer in mlp.layers] == [0.5, 0.5, 0.5]
    plain = MLP(3, [2])
    assert [type(m) for m in plain.layers[0].children()] == [nn.Linear, nn.ReLU]
    with pytest.raises(ValueError, match="dropout_ratio has 2 values for 3"):
        MLP(3, [4, 4, 2], dropout_ratio=[0.1, 0.2])


def test_mlp_forward_matches_manual_computation() -> None:
    mlp = MLP(2, [2], activation="nn.ReLU")
    linear = next(iter(mlp.layers[0].children()))
    assert isinstance(linear, nn.Linear)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, -1.0], [2.0, 0.5]]))
        linear.bias.copy_(torch.tensor([0.5, -10.0]))
    out = mlp(torch.tensor([[3.0, 1.0]]))
    torch.testing.assert_close(out, torch.tensor([[2.5, 0.0]]))  # relu(3-1+.5), relu(6+.5-10)


def test_factorization_machine_second_order_formula() -> None:
    v = torch.tensor([[[1.0, 2.0], [3.0, -1.0], [0.5, 4.0]]])  # (1, 3, 2)
    # sum over pairs i<j of v_i * v_j, per dimension
    d0 = 1 * 3 + 1 * 0.5 + 3 * 0.5
    d1 = 2 * -1 + 2 * 4 + -1 * 4
    torch.testing.assert_close(FactorizationMachine()(v), torch.tensor([[d0, d1]]))
    with pytest.raises(ValueError):
        FactorizationMachine()(torch.zeros(2, 3))


def test_autodis_embedding_matches_numpy_formula() -> None:
    torch.manual_seed(0)
    module = AutoDisEmbedding(1, 3, num_channels=4, temperature=0.5, keep_prob=1.0).eval()
    x = torch.tensor([[0.3], [-2.0]])
    w_hidden = module.hidden.weight.detach().numpy()
    w_mix = module.mix.weight.detach().numpy()
    meta = module.meta_embeddings.detach().numpy()
    h = x.numpy() @ w_hidden.T
    h = np.where(h > 0, h, 0.01 * h)
    logits = (h @ w_mix.T + h) / 0.5
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(module(x).detach().numpy(), p @ meta, rtol=1e-5, atol=1e-6)


def test_create_dense_embedding_from_feature_config() -> None:
    config = text_format.Parse(
        """
        feature_configs { raw_feature { feature_name: "m" embedding_dim: 8 mlp {} } }
        feature_configs { raw_feature { feature_name: "d" embedding_dim: 4
                                        autodis { num_channels: 3 } } }
        feature_configs { raw_feature { feature_name: "r" } }
        """,
        pipeline_pb2.EasyRecConfig(),
    )
    m, d, r = create_features(config.feature_configs)
    mlp_emb = create_dense_embedding(m)
    assert mlp_emb is not None and mlp_emb(torch.ones(2, 1)).shape == (2, 8)
    autodis = create_dense_embedding(d)
    assert isinstance(autodis, AutoDisEmbedding)
    assert autodis.meta_embeddings.shape == (3, 4) and autodis.temperature == pytest.approx(0.1)
    assert create_dense_embedding(r) is None
