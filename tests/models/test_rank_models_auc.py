"""Every ranking model learns the planted signal of synthetic data through the engine.

Each model's example config (examples/configs/<model>_synthetic.config) is trained with
:func:`tzrec.engine.train_eval.train_and_evaluate` on data from its own ``tzrec data
synth`` generator, whose labels depend on a few planted columns. The eval AUC must be
clearly above chance and, since the planted logit is the best any model can rank by,
close to (and not above) the oracle AUC the generator reports.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from google.protobuf import text_format

from tzrec.datasets.synth import synthesize
from tzrec.engine.run_config import build_features
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.models.factory import create_model
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]

MODELS = (
    "deepfm",
    "dlrm",
    "wide_and_deep",
    "dcn_v1",
    "dcn_v2",
    "xdeepfm",
    "multi_tower",
    "multi_tower_din",
    "mask_net",
    "wukong",
    "rocket_launching",
)

TRAIN_ROWS = 8000
EVAL_FRACTION = 0.25
BATCH = 250
EPOCHS = 2
#: Least eval AUC: clearly above chance (the oracle is about 0.85 on this data).
MIN_AUC = 0.7
#: Largest shortfall from the oracle AUC after EPOCHS epochs of TRAIN_ROWS rows.
MAX_GAP_TO_ORACLE = 0.08
#: Noise allowance above the oracle (eval AUC of 2000 rows vs the planted logit).
ORACLE_SLACK = 0.02


@pytest.fixture(autouse=True)
def _two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "2"))


def test_every_registered_ranking_model_has_an_example_config() -> None:
    from tzrec_models.plugin import RANK_MODELS

    assert set(RANK_MODELS) == set(MODELS)
    for model in MODELS:
        config = load_pipeline_config(
            str(REPO / "examples" / "configs" / f"{model}_synthetic.config")
        )
        assert config.model_config.WhichOneof("model") == model


@pytest.mark.parametrize("model", MODELS)
def test_model_learns_the_planted_signal(model: str, tmp_path: Path) -> None:
    config = load_pipeline_config(str(REPO / "examples" / "configs" / f"{model}_synthetic.config"))
    data = synthesize(
        config, str(tmp_path / "data"), num_rows=TRAIN_ROWS, num_files=2, seed=11,
        eval_fraction=EVAL_FRACTION,
    )  # fmt: skip
    assert data.eval_input_path is not None and data.oracle_auc is not None
    edit_config(
        config,
        {
            "train_input_path": data.train_input_path,
            "eval_input_path": data.eval_input_path,
            "model_dir": str(tmp_path / "model"),
            "train_config.num_epochs": EPOCHS,
            "train_config.save_checkpoints_steps": 10_000,
            "data_config.batch_size": BATCH,
            "data_config.num_workers": 0,
            "eval_config.num_steps": 0,
        },
    )
    path = tmp_path / "pipeline.config"
    save_message(config, str(path))
    metrics = train_and_evaluate(str(path))
    aucs = {k: v for k, v in metrics.items() if k == "auc" or k.startswith("auc_")}
    assert aucs, metrics
    for name, auc in aucs.items():
        assert auc >= MIN_AUC, (name, auc, data.oracle_auc)
        assert auc >= data.oracle_auc - MAX_GAP_TO_ORACLE, (name, auc, data.oracle_auc)
        assert auc <= data.oracle_auc + ORACLE_SLACK, (name, auc, data.oracle_auc)


def _doc_model_configs() -> dict[str, str]:
    """The ``model_config { ... }`` code blocks of docs/models.md, by the model they select."""
    text = (REPO / "docs" / "models.md").read_text()
    blocks = re.findall(r"^```\n(model_config \{.*?^\})\n```$", text, flags=re.S | re.M)
    by_model = {}
    for block in blocks:
        config = text_format.Parse(block, pipeline_pb2.EasyRecConfig())
        by_model[str(config.model_config.WhichOneof("model"))] = block
    assert len(by_model) == len(blocks), "two snippets select the same model"
    return by_model


DOC_SNIPPETS = _doc_model_configs()


def test_docs_show_a_minimal_config_for_every_model() -> None:
    assert sorted(DOC_SNIPPETS) == sorted(MODELS)


@pytest.mark.parametrize("model", sorted(DOC_SNIPPETS))
def test_doc_snippet_builds_on_its_example_configs_features(model: str) -> None:
    config = text_format.Parse(DOC_SNIPPETS[model], pipeline_pb2.EasyRecConfig())
    example = load_pipeline_config(str(REPO / "examples" / "configs" / f"{model}_synthetic.config"))
    example.model_config.CopyFrom(config.model_config)
    built = create_model(example.model_config, build_features(example), ["label"], [])
    assert sum(p.numel() for p in built.parameters()) > 0
