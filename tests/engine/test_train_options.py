"""Engine options: fine-tuning, frozen features, mixed precision, accumulation, CLI output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import torch.distributed.checkpoint as dcp

from tests.engine.engine_support import checkpoint_tensors
from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.dataset import Mode
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.run_config import build_features, load_run_config
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.models.factory import create_model
from tzrec.models.wrappers import TrainWrapper

NO_EVAL = {"eval_input_path": "", "train_config.num_epochs": 0}


def test_fine_tune_checkpoint_initialises_every_tensor(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    source = make_config(
        {**NO_EVAL, "train_config.num_steps": 4, "model_dir": str(tmp_path / "src")}, "src.config"
    )
    train_and_evaluate(source)
    # Learning rate 0 everywhere: after one step the weights are exactly the loaded ones.
    target = make_config(
        {
            **NO_EVAL,
            "train_config.num_steps": 1,
            "train_config.sparse_optimizer.sgd_optimizer": {"lr": 0.0},
            "train_config.dense_optimizer.sgd_optimizer": {"lr": 0.0},
            "model_dir": str(tmp_path / "dst"),
        },
        "dst.config",
    )
    train_and_evaluate(target, fine_tune_checkpoint=str(tmp_path / "src"))
    loaded = checkpoint_tensors(ckpt.checkpoint_dir(str(tmp_path / "dst"), 1), tmp_path)
    expected = checkpoint_tensors(ckpt.checkpoint_dir(str(tmp_path / "src"), 4), tmp_path)
    assert loaded.keys() == expected.keys()
    for name, value in expected.items():
        torch.testing.assert_close(loaded[name], value, msg=name)


def test_fine_tune_param_map_renames(tmp_path: Path) -> None:
    old = {"old.weight": torch.arange(6.0).reshape(2, 3), "kept": torch.ones(2)}
    dcp.save(old, checkpoint_id=str(tmp_path / "ckpt" / "model"), no_dist=True)
    (tmp_path / "map.txt").write_text("new.weight\told.weight\n")
    live = {"new.weight": torch.zeros(2, 3), "kept": torch.zeros(2), "fresh": torch.zeros(1)}
    mapping = ckpt.read_param_map(str(tmp_path / "map.txt"))
    loaded, skipped = ckpt.load_fine_tune(str(tmp_path / "ckpt"), live, mapping)
    assert sorted(loaded) == ["kept", "new.weight"] and skipped == ["fresh"]
    torch.testing.assert_close(live["new.weight"], old["old.weight"])
    torch.testing.assert_close(live["kept"], old["kept"])


def test_param_map_errors_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "map.txt").write_text("a\tb\nonly_one_name\n")
    with pytest.raises(ValueError, match=r"map.txt:2: expected"):
        ckpt.read_param_map(str(tmp_path / "map.txt"))


def test_frozen_feature_tables_do_not_train(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config(
        {
            **NO_EVAL,
            "feature_configs[3].id_feature.trainable": False,
            "train_config.num_steps": 6,
            "train_config.save_checkpoints_steps": 2,
        }
    )
    train_and_evaluate(path)
    model_dir = str(tmp_path / "model")
    first = checkpoint_tensors(ckpt.checkpoint_dir(model_dir, 2), tmp_path)
    last = checkpoint_tensors(ckpt.checkpoint_dir(model_dir, 6), tmp_path)
    frozen = [k for k in first if ".cat_0_emb" in k]
    trained = [k for k in first if ".cat_1_emb" in k]
    assert frozen and trained
    for name in frozen:
        torch.testing.assert_close(last[name], first[name], msg=name)
    assert any(not torch.equal(last[name], first[name]) for name in trained)


def _first_batch(config_path: str):  # type: ignore[no-untyped-def]
    run = load_run_config(config_path)
    features = build_features(run.config)
    loader = create_dataloader(
        run.config.data_config, features, run.config.train_input_path, Mode.TRAIN
    )
    return run.config, features, next(iter(loader))


@pytest.mark.parametrize(("precision", "dtype"), [("", torch.float32), ("BF16", torch.bfloat16)])
def test_mixed_precision_runs_the_forward_in_its_dtype(
    make_config: Callable[..., str], precision: str, dtype: torch.dtype
) -> None:
    config, features, batch = _first_batch(make_config())
    model = create_model(config.model_config, features, list(config.data_config.label_fields))
    wrapper = TrainWrapper(model, precision)
    loss, (_, predictions, _) = wrapper(batch)
    assert predictions["logits"].dtype == dtype
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()  # gradients reach fp32 parameters either way
    assert all(p.grad is None or p.grad.dtype == torch.float32 for p in model.parameters())


def test_mixed_precision_training_end_to_end(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    from tzrec.engine.history import read_history

    first_losses = {}
    for precision in ("", "BF16"):
        model_dir = tmp_path / (precision or "fp32")
        path = make_config(
            {
                **NO_EVAL,
                "train_config.num_steps": 3,
                "train_config.mixed_precision": precision,
                "model_dir": str(model_dir),
            },
            f"{precision or 'fp32'}.config",
        )
        train_and_evaluate(path)
        assert ckpt.latest_checkpoint(str(model_dir)) is not None
        first_losses[precision] = read_history(str(model_dir))[0]["loss"]
    # Same weights and batch: BF16's forward rounds differently but stays close.
    assert first_losses[""] != first_losses["BF16"]
    assert first_losses["BF16"] == pytest.approx(first_losses[""], abs=0.02)


def test_gradient_accumulation_updates_dense_every_k_steps(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config(
        {**NO_EVAL, "train_config.num_steps": 6, "train_config.gradient_accumulation_steps": 3}
    )
    train_and_evaluate(path)
    dense = torch.load(
        os.path.join(ckpt.checkpoint_dir(str(tmp_path / "model"), 6), ckpt.DENSE_OPTIMIZER),
        weights_only=False,
    )
    adam_state = dense["dense"][0]["state"]
    steps = {float(state["step"]) for state in adam_state.values()}
    assert steps == {2.0}  # 6 micro-steps / 3 = 2 Adam updates


def test_cli_train_output_is_short_and_clean(make_config: Callable[..., str]) -> None:
    path = make_config({"train_config.num_epochs": 1})
    env = dict(os.environ)
    env.pop("TZREC_LIBRARY_NOTICES", None)
    run = subprocess.run(
        [sys.executable, "-m", "tzrec_cli", "train", "--pipeline_config_path", path],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    lines = (run.stdout + run.stderr).splitlines()
    assert 3 <= len(lines) <= 30, "\n".join(lines)
    assert not [line for line in lines if "Warning" in line or "WARNING" in line], lines
    assert any("eval at step" in line and "auc" in line for line in lines)
    # Evaluating the checkpoint (a DCP load of sharded tables) is as quiet.
    evaluated = subprocess.run(
        [sys.executable, "-m", "tzrec_cli", "eval", "--pipeline_config_path", path],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    eval_lines = (evaluated.stdout + evaluated.stderr).splitlines()
    assert len(eval_lines) == 2 and evaluated.stdout.startswith('{"auc"'), eval_lines


def test_cli_eval_without_checkpoint_fails_clearly(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config()
    run = subprocess.run(
        [sys.executable, "-m", "tzrec_cli", "eval", "--pipeline_config_path", path],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "no checkpoint to evaluate" in run.stderr and str(tmp_path / "model") in run.stderr


def test_profiling_writes_a_trace(make_config: Callable[..., str], tmp_path: Path) -> None:
    path = make_config({**NO_EVAL, "train_config.num_steps": 10, "train_config.is_profiling": True})
    train_and_evaluate(path)
    traces = list((tmp_path / "model" / "profiler").glob("rank0*.json*"))
    assert len(traces) == 1 and traces[0].stat().st_size > 1000


def test_train_metrics_reach_the_history(deepfm_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tzrec.engine.history import read_history
    from tzrec.protos import pipeline_pb2
    from tzrec.utils.config_util import save_message

    base, _ = deepfm_data
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(base)
    config.model_dir = str(tmp_path / "model")
    config.eval_input_path = ""
    config.train_config.num_epochs = 0
    config.train_config.num_steps = 12
    config.train_config.log_step_count_steps = 4
    metric = config.model_config.train_metrics.add()
    metric.auc.SetInParent()
    metric.decay_step = 4
    save_message(config, str(tmp_path / "pipeline.config"))
    train_and_evaluate(str(tmp_path / "pipeline.config"))
    records = [r for r in read_history(str(tmp_path / "model")) if r["kind"] == "train"]
    by_step = {r["step"]: r["train_metrics"] for r in records}
    assert by_step[1] == {}  # the first window of 4 steps has not closed yet
    assert 0.5 < by_step[8]["auc"] <= 1.0 and 0.5 < by_step[12]["auc"] <= 1.0


def test_script_wrapper_matches_predict(make_config: Callable[..., str]) -> None:
    from tzrec.models.wrappers import ScriptWrapper

    config, features, batch = _first_batch(make_config())
    model = create_model(config.model_config, features, list(config.data_config.label_fields))
    model.eval()
    expected = model.predict(batch)
    got = ScriptWrapper(model, features)(batch.to_dict())
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        torch.testing.assert_close(got[name], value, msg=name)


def test_keep_checkpoint_max_prunes_the_oldest(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config(
        {
            **NO_EVAL,
            "train_config.num_steps": 7,
            "train_config.save_checkpoints_steps": 2,
            "train_config.keep_checkpoint_max": 2,
        }
    )
    train_and_evaluate(path)
    steps = [step for step, _ in ckpt.list_checkpoints(str(tmp_path / "model"))]
    assert steps == [6, 7]  # 2, 4 pruned; 7 is the final one


def test_save_checkpoints_epochs_and_dense_ema_eval(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config(
        {
            "train_config.num_epochs": 2,
            "train_config.save_checkpoints_epochs": 1,
            "train_config.dense_optimizer.ema": {"decay": 0.5},
        }
    )
    metrics = train_and_evaluate(path)
    model_dir = str(tmp_path / "model")
    assert [step for step, _ in ckpt.list_checkpoints(model_dir)] == [24, 48]
    assert ckpt.read_train_state(ckpt.checkpoint_dir(model_dir, 24)).epoch == 1
    dense = torch.load(
        os.path.join(ckpt.checkpoint_dir(model_dir, 48), ckpt.DENSE_OPTIMIZER), weights_only=False
    )
    assert dense["ema"]["num_updates"] == 48
    assert metrics["auc"] > 0.7


def test_embedding_dim_not_multiple_of_4_is_a_config_error(
    make_config: Callable[..., str],
) -> None:
    from tzrec.utils.config_errors import ConfigError

    dims = {f"feature_configs[{i}].raw_feature.embedding_dim": 6 for i in range(3)}
    dims.update({f"feature_configs[{i}].id_feature.embedding_dim": 6 for i in range(3, 7)})
    path = make_config({**NO_EVAL, **dims})
    with pytest.raises(ConfigError, match=r"cat_0_emb \(dim 6\).*multiple of 4"):
        train_and_evaluate(path)


def test_tables_can_be_created_without_memory(make_config: Callable[..., str]) -> None:
    """The engine builds tables on "meta": DMP creates each rank's shards from configs."""
    config, features, _ = _first_batch(make_config())
    model = create_model(
        config.model_config,
        features,
        list(config.data_config.label_fields),
        table_device=torch.device("meta"),
    )
    tables = {id(p) for p in model.sparse_parameters()}
    assert tables and all(p.is_meta for p in model.sparse_parameters())
    dense = [p for p in model.parameters() if id(p) not in tables]
    assert dense and not any(p.is_meta for p in dense)


def test_cli_train_with_a_missing_fine_tune_checkpoint_fails_clearly(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config(NO_EVAL)
    missing = str(tmp_path / "no_such_run")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tzrec_cli",
            "train",
            "--pipeline_config_path",
            path,
            "--fine_tune_checkpoint",
            missing,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        f"error: no checkpoint at {missing!r}: expected a model.ckpt-STEP directory, a "
        "directory holding some, or a torch.distributed.checkpoint directory"
    )
