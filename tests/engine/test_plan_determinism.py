"""The sharding plan of a config does not depend on the process's string hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tzrec.engine.ordered_enumerator import _in_order

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "examples" / "configs" / "deepfm_synthetic.config"

PLAN_SCRIPT = """
import sys
import torch
from tzrec.engine.distributed import init_distributed, plan_sharding, shutdown_distributed
from tzrec.engine.model_setup import fused_by_default
from tzrec.engine.run_config import build_features
from tzrec.models.factory import create_model
from tzrec.models.wrappers import TrainWrapper
from tzrec.utils.config_util import load_pipeline_config

config = load_pipeline_config(sys.argv[1])
context = init_distributed()
features = build_features(config)
model = create_model(
    config.model_config, features, list(config.data_config.label_fields),
    table_device=torch.device("meta"),
)
constraints = fused_by_default(model.embedding_group.parameter_constraints())
plan = plan_sharding(TrainWrapper(model), context, constraints)
for module, params in sorted(plan.plan.items()):
    for name, option in sorted(params.items()):
        print("PLAN", module, name, option.sharding_type, option.compute_kernel)
shutdown_distributed(context)
"""


def _plan(hash_seed: str) -> list[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, OMP_NUM_THREADS="1")
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-c", PLAN_SCRIPT, str(CONFIG)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return [line for line in run.stdout.splitlines() if line.startswith("PLAN")]


def test_hash_seeds_that_used_to_disagree_give_one_plan() -> None:
    # Hash seeds 0 and 1 planned column_wise and table_wise with TorchRec's enumerator.
    first, second = _plan("0"), _plan("1")
    assert first and first == second
    assert all(line.split()[3] == "table_wise" for line in first)


def test_in_order_keeps_the_preferred_order() -> None:
    assert _in_order(["column_wise", "table_wise"], ["table_wise", "row_wise"]) == [
        "table_wise",
        "column_wise",
    ]
    assert _in_order({"b", "a", "c"} & {"a", "b", "c"}, ["c"]) == ["c", "a", "b"]
