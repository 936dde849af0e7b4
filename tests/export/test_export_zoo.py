"""Every registered ranking model exports, and its program scores rows like the eager model.

Each model is built from its model test's config body on synthetic rows (DeepFM, which
has no model test file, from a small body here), trained two steps, saved as a
checkpoint in the engine's format, exported with :func:`tzrec.export.export` and
served with :func:`tzrec.serving.load_exported` in this process (the fresh-process
serving check is DeepFM's, in test_export_parity.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from tests.export.export_support import read_rows
from tests.models import test_dcn_v1 as dcn_v1_test
from tests.models import test_dcn_v2 as dcn_v2_test
from tests.models import test_dlrm as dlrm_test
from tests.models import test_mask_net as mask_net_test
from tests.models import test_multi_tower as multi_tower_test
from tests.models import test_multi_tower_din as multi_tower_din_test
from tests.models import test_rocket_launching as rocket_launching_test
from tests.models import test_wide_and_deep as wide_and_deep_test
from tests.models import test_wukong as wukong_test
from tests.models import test_xdeepfm as xdeepfm_test
from tests.models.model_support import ModelCase, build_case, predictions, train_losses
from tzrec.datasets.data_parser import DataParser
from tzrec.engine.checkpoint import TrainState, save_checkpoint
from tzrec.export import export
from tzrec.models.wrappers import TrainWrapper
from tzrec.protos import pipeline_pb2
from tzrec.serving import load_exported
from tzrec.utils.config_util import save_message
from tzrec_models.plugin import RANK_MODELS

DEEPFM = """
feature_configs { raw_feature { feature_name: "int_0" boundaries: [0.5, 1.5, 3.0]
    embedding_dim: 8 } }
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
model_config {
    feature_groups { group_name: "wide" group_type: WIDE
        feature_names: ["int_0", "cat_0", "cat_1"] }
    feature_groups { group_name: "deep" group_type: DEEP
        feature_names: ["int_0", "int_1", "cat_0", "cat_1"] }
    feature_groups { group_name: "fm" group_type: DEEP
        feature_names: ["int_0", "cat_0", "cat_1"] }
    deepfm { deep { hidden_units: [16, 8] } final { hidden_units: [8] } }
    metrics { auc {} } losses { binary_cross_entropy {} }
}
"""

#: Config body of each registered model (the default case of its model test).
BODIES: dict[str, Callable[[], str]] = {
    "deepfm": lambda: DEEPFM,
    "dlrm": dlrm_test.body,
    "wide_and_deep": wide_and_deep_test.body,
    "multi_tower": lambda: multi_tower_test.body(multi_tower_test.TOWERS),
    "multi_tower_din": multi_tower_din_test.body,
    "mask_net": mask_net_test.body,
    "dcn_v1": dcn_v1_test.body,
    "dcn_v2": dcn_v2_test.body,
    "xdeepfm": xdeepfm_test.body,
    "wukong": wukong_test.body,
    "rocket_launching": rocket_launching_test.body,
}
TRAIN_STEPS = 2
ROWS = 2 * 256  # two batches of model_support's batch size


def test_every_registered_ranking_model_has_a_case() -> None:
    assert sorted(BODIES) == sorted(RANK_MODELS)


def _export_trained(case: ModelCase, tmp_path: Path) -> str:
    """Save the case's model as the engine's checkpoint of step 2 and export it."""
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(case.config)
    config.model_dir = str(tmp_path / "model")
    config.train_input_path = case.train_input_path
    state = TrainWrapper(case.model).state_dict()
    save_checkpoint(config.model_dir, TrainState(TRAIN_STEPS, 1), state, None, rank=0)
    save_message(config, str(tmp_path / "pipeline.config"))
    export_dir = str(tmp_path / "export")
    result = export(str(tmp_path / "pipeline.config"), export_dir)
    assert result is not None and result.checkpoint.step == TRAIN_STEPS
    return export_dir


@pytest.mark.parametrize("model_name", sorted(RANK_MODELS))
def test_exported_model_scores_like_eager_predict(model_name: str, tmp_path: Path) -> None:
    case = build_case(BODIES[model_name](), tmp_path / "data", num_rows=ROWS)
    assert len(case.batches) == TRAIN_STEPS
    train_losses(case, epochs=1)
    export_dir = _export_trained(case, tmp_path)

    rows = read_rows(case.train_input_path, 300)
    served = load_exported(export_dir).predict(rows)
    batch = DataParser(case.features).parse(rows)
    trained = predictions(case, batch)
    case.model.set_serving(True)
    eager = predictions(case, batch)
    assert sorted(served) == sorted(eager)
    for name, expected in eager.items():
        diff = (served[name] - expected).abs().max().item()
        assert diff < 1e-5, (model_name, name, diff)
    assert eager["probs"].std() > 1e-4, model_name  # the rows are told apart
    if model_name == "rocket_launching":
        # The light net is what is served: its outputs, none of the booster's.
        assert sorted(served) == ["logits", "probs"]
        assert "logits_booster" in trained and "feature_distillation" in trained
        for name in ("logits", "probs"):
            torch.testing.assert_close(served[name], trained[name], rtol=0, atol=1e-5)
    else:
        assert sorted(trained) == sorted(eager)
