"""quiet_libraries: hides the known library notices, and nothing else."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest

from tzrec.utils.quiet import INFO_LOGGERS_TO_RAISE, LOG_NOTICES, NoticeFilter, quiet_libraries


@pytest.fixture(autouse=True)
def restore_loggers() -> Iterator[None]:
    """Undo the logger filters and levels quiet_libraries installs."""
    names = {n.logger for n in LOG_NOTICES} | set(INFO_LOGGERS_TO_RAISE)
    loggers = [logging.getLogger() if n == "root" else logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    yield
    for lg, level in zip(loggers, levels, strict=True):
        for f in [f for f in lg.filters if isinstance(f, NoticeFilter)]:
            lg.removeFilter(f)
        lg.setLevel(level)


def _shown(category: type[Warning], module: str, message: str = "notice") -> bool:
    """Whether a warning issued from ``module`` gets through after quiet_libraries()."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_libraries()
        warnings.warn_explicit(message, category, f"{module}.py", 1, module=module)
    return len(caught) == 1


def test_fbgemm_deprecations_are_hidden_and_others_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TZREC_LIBRARY_NOTICES", raising=False)
    assert not _shown(DeprecationWarning, "fbgemm_gpu.split_table_batched_embeddings_ops")
    assert not _shown(DeprecationWarning, "fbgemm_gpu")
    assert _shown(DeprecationWarning, "mypackage.fbgemm_gpu")
    assert _shown(DeprecationWarning, "fbgemm_gpu_lookalike")
    assert _shown(UserWarning, "fbgemm_gpu.split_table_batched_embeddings_ops")
    assert _shown(DeprecationWarning, "tzrec.models")


def test_message_specific_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZREC_LIBRARY_NOTICES", raising=False)
    autograd = (
        "fbgemm::dense_embedding_codegen_lookup_function: an autograd kernel was not registered"
    )
    assert not _shown(UserWarning, "torch.autograd.graph", autograd)
    assert _shown(UserWarning, "torch.autograd.graph", "mylib::op: an autograd kernel was not")
    assert not _shown(
        FutureWarning,
        "torchrec.distributed.planner.planners",
        "HeuristicalStorageReservation is known to cause issues, particularly ...",
    )
    assert _shown(FutureWarning, "torchrec.distributed.planner.planners", "something else")
    tf32 = (
        "This combination indicates that you have used a mix of the legacy and new APIs to set "
        "the TF32 flags. \nWe suggest only using the new API to set the TF32 flag(s)."
    )
    assert not _shown(UserWarning, "torchrec.distributed.model_parallel", tf32)
    assert _shown(UserWarning, "torchrec.distributed.model_parallel", "TF32 is disabled")


def test_env_flag_shows_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZREC_LIBRARY_NOTICES", "1")
    assert _shown(DeprecationWarning, "fbgemm_gpu.split_table_batched_embeddings_ops")
    quiet_libraries()
    assert not any(isinstance(f, NoticeFilter) for f in logging.getLogger().filters)


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_log_notices_dropped_errors_and_other_records_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TZREC_LIBRARY_NOTICES", raising=False)
    quiet_libraries()
    quiet_libraries()  # a second call does not stack filters
    planner_types = logging.getLogger("torchrec.distributed.planner.types")
    assert sum(isinstance(f, NoticeFilter) for f in planner_types.filters) == 1
    handler = ListHandler()
    planner_types.addHandler(handler)
    try:
        notice = "The topology was constructed directly rather than via TopologyFactory.x()"
        planner_types.warning(notice)
        planner_types.error(notice)  # the same text as an error is kept
        planner_types.warning("No available sharding types for t1")
    finally:
        planner_types.removeHandler(handler)
    assert handler.messages == [notice, "No available sharding types for t1"]
    root = logging.getLogger()
    root_filter = next(f for f in root.filters if isinstance(f, NoticeFilter))
    record = logging.LogRecord(
        "root", logging.WARNING, "x", 1, "Sharding spec not found for .t0", None, None
    )
    assert root_filter.filter(record) is False
    record.msg = "Shard has rank 3 which is greater than world size 2."
    assert root_filter.filter(record) is True
    stats = logging.getLogger("torchrec.distributed.planner.stats")
    assert stats.getEffectiveLevel() == logging.WARNING


# A tiny real DistributedModelParallel training step (gloo, one rank): a replicated table
# (data_parallel) and a large one (sharded), fused SGD, forward and backward.
PROBE = """
import os, socket, sys
if os.environ.get("PROBE_QUIET") == "1":
    from tzrec.utils.quiet import quiet_libraries
    quiet_libraries()
import torch, torch.distributed as dist
from torchrec import EmbeddingBagCollection, EmbeddingBagConfig, KeyedJaggedTensor
from torchrec.distributed.model_parallel import DistributedModelParallel
from torchrec.optim.apply_optimizer_in_backward import apply_optimizer_in_backward
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)
tables = [
    EmbeddingBagConfig(name=f"t{i}", embedding_dim=4, num_embeddings=n, feature_names=[f"f{i}"])
    for i, n in enumerate((10, 200000))
]
ebc = EmbeddingBagCollection(tables=tables, device=torch.device("meta"))
apply_optimizer_in_backward(torch.optim.SGD, ebc.parameters(), {"lr": 0.1})
model = DistributedModelParallel(ebc, device=torch.device("cpu"))
kjt = KeyedJaggedTensor.from_lengths_sync(
    keys=["f0", "f1"], values=torch.tensor([1, 2, 3, 4]), lengths=torch.tensor([1, 1, 1, 1])
)
model(kjt).values().sum().backward()
dist.destroy_process_group()
print("trained")
"""


def _run_probe(quiet: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TZREC_LIBRARY_NOTICES"}
    env["PROBE_QUIET"] = "1" if quiet else "0"
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_real_dmp_training_step_prints_nothing_when_quiet() -> None:
    loud = _run_probe(quiet=False)
    assert loud.returncode == 0, loud.stderr
    # Without quiet_libraries the probe shows each kind of notice this module hides ...
    for text in (
        "fbgemm_gpu",
        "`torch.jit.script` is deprecated",
        "apply_optimizer_in_backward",
        "HeuristicalStorageReservation",
        "constructed directly rather than via TopologyFactory",
        "known issue with TorchRec's dense tensor size",
        "Sharding spec not found",
        "caching params will be ignored",
        "`broadcast_buffers` is deprecated",
        "an autograd kernel was not registered",
        "Could not determine LOCAL_WORLD_SIZE",
    ):
        assert text in loud.stderr, text
    # ... and with it, none of them.
    quiet = _run_probe(quiet=True)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "trained\n"
    assert quiet.stderr == ""
