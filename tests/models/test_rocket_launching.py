"""RocketLaunching: booster and light nets trained together, distillation losses by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.models.model_support import (
    ModelCase,
    assert_traces_like_eager,
    build_case,
    parse_config,
    predictions,
    train_losses,
)
from tzrec.engine.run_config import build_features
from tzrec.export.tracing import script_model
from tzrec.models.factory import create_model
from tzrec.models.wrappers import TrainWrapper
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.rocket_launching import RocketLaunching, match_hidden_layers

FEATURES = """
feature_configs { raw_feature { feature_name: "int_0" boundaries: [0.5, 1.5, 3.0]
    embedding_dim: 8 } }
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 8 } }
"""

GROUP = """
feature_groups { group_name: "all" group_type: DEEP
  feature_names: ["int_0", "int_1", "cat_0", "cat_1", "cat_2"] }
"""

ROCKET = """
share_mlp { hidden_units: [32] }
booster_mlp { hidden_units: [32, 16, 8] }
light_mlp { hidden_units: [16, 8] }
feature_based_distillation: true
"""


def body(
    rocket: str = ROCKET,
    head: str = "",
    losses: str = "binary_cross_entropy {}",
    metrics: str = "auc {}",
) -> str:
    return (
        FEATURES
        + "model_config {"
        + GROUP
        + "rocket_launching {"
        + rocket
        + "}"
        + head
        + f" metrics {{ {metrics} }} losses {{ {losses} }} }}"
    )


def _hidden(model: RocketLaunching, batch_case: ModelCase) -> dict[str, list[torch.Tensor]]:
    """Every layer output of both nets, recomputed layer by layer from the embedding."""
    grouped = model.embedding_group(batch_case.batches[0])
    assert model.share_mlp is not None
    shared = model.share_mlp(grouped["all"])
    out: dict[str, list[torch.Tensor]] = {}
    for name, mlp in (("light", model.light_mlp), ("booster", model.booster_mlp)):
        x, layers = shared, []
        for layer in mlp.layers:
            x = layer(x)
            layers.append(x)
        out[name] = layers
    return out


def test_match_hidden_layers_pairs_equal_widths_in_order() -> None:
    assert match_hidden_layers([96, 64, 32], [256, 128, 64, 32]) == [(1, 2), (2, 3)]
    assert match_hidden_layers([16, 8], [32, 16, 8]) == [(0, 1), (1, 2)]
    assert match_hidden_layers([8, 16], [16, 8]) == [(0, 1)]  # order is kept
    assert match_hidden_layers([5], [4, 6]) == []


def test_losses_outputs_and_gradient_block(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path, num_rows=256)
    model = case.model
    assert isinstance(model, RocketLaunching)
    model.train()
    batch = case.batches[0]
    preds = model.predict(batch)
    rows = batch.batch_size
    assert set(preds) == {
        "logits",
        "probs",
        "logits_booster",
        "probs_booster",
        "feature_distillation",
    }
    assert all(value.shape == (rows,) for value in preds.values())
    losses = model.loss(preds, batch)
    assert set(losses) == {
        "binary_cross_entropy",
        "binary_cross_entropy_booster",
        "hint_loss",
        "feature_distillation_loss",
    }
    light, booster = preds["logits"].detach().numpy(), preds["logits_booster"].detach().numpy()
    np.testing.assert_allclose(
        float(losses["hint_loss"]), np.mean((light - booster) ** 2), rtol=1e-5
    )
    label = batch.labels["label"].numpy().astype(np.float64)
    bce = np.mean(np.logaddexp(0, booster) - label * booster)
    np.testing.assert_allclose(float(losses["binary_cross_entropy_booster"]), bce, rtol=1e-5)
    # COSINE feature distillation: light layers (16, 8) against booster layers 2 and 3.
    hidden = _hidden(model, case)
    cosine = np.zeros(batch.batch_size)
    for i, j in ((0, 1), (1, 2)):
        lv = hidden["light"][i].detach().double().numpy()
        bv = hidden["booster"][j].detach().double().numpy()
        norms = np.maximum(np.linalg.norm(lv, axis=1) * np.linalg.norm(bv, axis=1), 1e-8)
        cosine = cosine + (1.0 - (lv * bv).sum(axis=1) / norms)
    np.testing.assert_allclose(float(losses["feature_distillation_loss"]), cosine.mean(), rtol=1e-4)
    # The distillation losses reach the light net but never the booster's own layers.
    model.zero_grad()
    (losses["hint_loss"] + losses["feature_distillation_loss"]).backward()
    booster_grads = [p.grad for p in model.booster_mlp.parameters()]
    booster_grads += [p.grad for p in model.booster_output.parameters()]
    assert all(g is None or not g.any() for g in booster_grads)
    assert model.light_output.weight.grad is not None and model.light_output.weight.grad.any()


def test_euclid_and_inner_product_distillation(tmp_path: Path) -> None:
    for function in ("EUCLID", "INNER_PRODUCT"):
        rocket = ROCKET + f"feature_distillation_function: {function}"
        case = build_case(body(rocket), tmp_path / function, num_rows=256)
        model = case.model
        assert isinstance(model, RocketLaunching)
        model.eval()
        with torch.no_grad():
            distance = model.predict(case.batches[0])["feature_distillation"].double().numpy()
            hidden = _hidden(model, case)
        expected = np.zeros(case.batches[0].batch_size)
        for i, j in ((0, 1), (1, 2)):
            lv, bv = hidden["light"][i].double().numpy(), hidden["booster"][j].double().numpy()
            if function == "EUCLID":
                expected = expected + np.linalg.norm(lv - bv, axis=1)
            else:
                expected = expected - (lv * bv).sum(axis=1)
        np.testing.assert_allclose(distance, expected, rtol=1e-4, atol=1e-5)


def _label_losses_per_epoch(case: ModelCase, epochs: int) -> list[dict[str, float]]:
    """Mean of each named loss per epoch, training all of them with Adam."""
    wrapper = TrainWrapper(case.model)
    wrapper.train()
    optimizer = torch.optim.Adam(case.model.parameters(), lr=0.01)
    history = []
    for _ in range(epochs):
        sums: dict[str, float] = {}
        for batch in case.batches:
            total, (losses, _, _) = wrapper(batch)
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + float(value) / len(case.batches)
        history.append(sums)
    return history


def test_trains_both_nets_and_reports_metrics_for_both(tmp_path: Path) -> None:
    """Both nets learn the labels; the hint target moves as the booster gets confident."""
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, RocketLaunching)
    history = _label_losses_per_epoch(case, epochs=5)
    for name in ("binary_cross_entropy", "binary_cross_entropy_booster"):
        assert history[-1][name] < history[0][name] - 0.02, history
    model.eval()
    with torch.no_grad():
        for batch in case.batches:
            model.update_metric(model.predict(batch), batch)
    metrics = model.compute_metric()
    assert set(metrics) == {"auc", "auc_booster"}
    assert float(metrics["auc"]) > 0.6 and float(metrics["auc_booster"]) > 0.6, metrics


def test_serving_mode_serves_the_light_net(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path, num_rows=256)
    model = case.model
    assert isinstance(model, RocketLaunching) and not model.serving
    full = predictions(case)
    assert model.set_serving(True) is model and model.serving
    light = predictions(case)
    assert set(light) == {"logits", "probs"}
    torch.testing.assert_close(light["logits"], full["logits"])
    assert set(model.loss(light, case.batches[0])) == {"binary_cross_entropy"}
    model.update_metric(light, case.batches[0])
    assert set(model.compute_metric()) == {"auc"}
    assert_traces_like_eager(case)  # the served graph: the light net only
    model.set_serving(False)
    assert set(predictions(case)) == set(full)


def test_exported_program_is_the_light_net(tmp_path: Path) -> None:
    """Export traces the serving mode: the light net's logits/probs, nothing of the booster."""
    case = build_case(body(), tmp_path, num_rows=256)
    full = predictions(case)
    program = script_model(case.model, case.features)
    assert not case.model.serving  # tracing leaves the model's mode as it was
    with torch.no_grad():
        served = program(case.batches[0].to_dict())
    assert sorted(served) == ["logits", "probs"]
    torch.testing.assert_close(served["logits"], full["logits"])
    torch.testing.assert_close(served["probs"], full["probs"])
    assert not torch.allclose(full["logits"], full["logits_booster"])


def test_two_classes_without_share_mlp(tmp_path: Path) -> None:
    rocket = ROCKET.replace("share_mlp { hidden_units: [32] }", "")
    text = body(rocket, head="num_class: 2", losses="softmax_cross_entropy {}")
    case = build_case(text, tmp_path, num_rows=512)
    model = case.model
    assert isinstance(model, RocketLaunching) and model.share_mlp is None
    losses = train_losses(case, epochs=2)
    assert losses[-1] < losses[0], losses
    model.train()
    batch = case.batches[0]
    preds = model.predict(batch)
    rows = batch.batch_size
    assert preds["logits"].shape == (rows, 2) and preds["logits_booster"].shape == (rows, 2)
    assert preds["probs1"].shape == (rows,) and preds["probs1_booster"].shape == (rows,)
    hint = ((preds["logits"] - preds["logits_booster"]) ** 2).sum(dim=1).mean()
    torch.testing.assert_close(model.loss(preds, batch)["hint_loss"], hint)


@pytest.mark.parametrize(
    ("rocket", "match"),
    [
        (ROCKET.replace("light_mlp { hidden_units: [16, 8] }", ""), r"rocket_launching\.light_mlp"),
        (
            ROCKET.replace("booster_mlp { hidden_units: [32, 16, 8] }", ""),
            r"rocket_launching\.booster_mlp",
        ),
        (
            ROCKET.replace(
                "light_mlp { hidden_units: [16, 8] }", "light_mlp { hidden_units: [12] }"
            ),
            r"rocket_launching\.feature_based_distillation.*light \[12\]",
        ),
    ],
)
def test_config_errors_name_the_field(rocket: str, match: str) -> None:
    config = parse_config(body(rocket))
    with pytest.raises(ConfigError, match=match):
        create_model(config.model_config, build_features(config), ["label"])
