"""Review: evaluation padding across 2 gloo ranks when one rank has no batch at all."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from tzrec.engine.distributed import DistContext, _free_port, padded_lockstep


def _rank_main(rank: int, port: int, out_dir: str, counts: list[int]) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2, timeout=timedelta(seconds=20))
    context = DistContext(rank, 2, rank, torch.device("cpu"), False)
    seen: list[list[int | bool]] = []
    outcome: dict[str, object] = {"seen": seen}
    try:
        for batch, is_real in padded_lockstep(iter(range(counts[rank])), context):
            seen.append([batch, is_real])
    except RuntimeError as error:
        outcome["error"] = str(error)
    Path(out_dir, f"rank{rank}.json").write_text(json.dumps(outcome))
    dist.barrier()  # as the engine does: no rank leaves while its peer still talks
    dist.destroy_process_group()


def _run(tmp_path: Path, counts: list[int]) -> list[dict[str, object]]:
    context = mp.spawn(_rank_main, args=(_free_port(), str(tmp_path), counts), nprocs=2, join=False)
    deadline = time.monotonic() + 120
    while not context.join(timeout=5):  # a hang fails the test instead of the CI run
        if time.monotonic() > deadline:
            for process in context.processes:
                process.kill()
            raise AssertionError("the 2 ranks did not finish within 120 s")
    return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]


def test_uneven_ranks_repeat_their_last_batch_unreal(tmp_path: Path) -> None:
    first, second = _run(tmp_path, [3, 1])
    assert first["seen"] == [[0, True], [1, True], [2, True]]
    assert second["seen"] == [[0, True], [0, False], [0, False]]


def test_a_rank_without_data_fails_every_rank_clearly(tmp_path: Path) -> None:
    # Rank 1 has no batch to pad with. Every rank must stop with the explanation, at
    # once; rank 0 must not go on into collectives rank 1 never joins.
    outcomes = _run(tmp_path, [3, 0])
    for outcome in outcomes:
        assert "has no evaluation data at all" in str(outcome.get("error")), outcome
        assert outcome["seen"] == []
