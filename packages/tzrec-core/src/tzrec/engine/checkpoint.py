"""Checkpoints: model, optimizer and training position (torch.distributed.checkpoint).

Every rank writes its own shards.

Layout of ``MODEL_DIR/model.ckpt-STEP/`` (TorchEasyRec's naming):

- ``model/``: the DistributedModelParallel state dict (sharded embedding tables and
  the dense parameters), in torch.distributed.checkpoint's format;
- ``optimizer/``: the fused sparse optimizer's state (sharded like the tables);
- ``dense_optimizer.pt``: dense optimizers, LR schedules, grad scaler, EMA (the dense
  parameters are replicated, so rank 0 writes them once);
- ``train_state.json``: global step, epoch and data position. It is written last, by
  rank 0 after every rank has finished, so a checkpoint without it is incomplete (a
  run killed while saving) and is ignored.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint import DefaultLoadPlanner, FileSystemReader
from torch.distributed.checkpoint.metadata import TensorStorageMetadata

logger = logging.getLogger("tzrec")

_CKPT_RE = re.compile(r"^model\.ckpt-(\d+)$")
TRAIN_STATE = "train_state.json"
DENSE_OPTIMIZER = "dense_optimizer.pt"
#: Key of the fused sparse optimizer's state in ``TZRecOptimizer.state_dict()``.
_SPARSE = "sparse"


@dataclass
class TrainState:
    """Where training stood when a checkpoint was taken.

    Attributes:
        step: optimizer steps (batches) done.
        epoch: the epoch in progress (or the next one, when ``data_position`` is empty).
        data_position: :class:`~tzrec.datasets.dataloader.DataPosition` gathered
            snapshot of the epoch in progress; empty at an epoch boundary.
    """

    step: int
    epoch: int
    data_position: dict[str, Any] = field(default_factory=dict)


def checkpoint_dir(model_dir: str, step: int) -> str:
    """``MODEL_DIR/model.ckpt-STEP``."""
    return os.path.join(model_dir, f"model.ckpt-{step}")


def list_checkpoints(model_dir: str) -> list[tuple[int, str]]:
    """Complete checkpoints under ``model_dir`` as ``(step, path)``, oldest first."""
    if not os.path.isdir(model_dir):
        return []
    found = []
    for name in os.listdir(model_dir):
        match = _CKPT_RE.match(name)
        path = os.path.join(model_dir, name)
        if match and os.path.exists(os.path.join(path, TRAIN_STATE)):
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(path: str) -> str | None:
    """The checkpoint ``path`` names: itself if it is one, else the newest inside it."""
    if os.path.exists(os.path.join(path, TRAIN_STATE)):
        return path
    checkpoints = list_checkpoints(path)
    return checkpoints[-1][1] if checkpoints else None


def read_train_state(path: str) -> TrainState:
    """The :class:`TrainState` of a checkpoint."""
    with open(os.path.join(path, TRAIN_STATE), encoding="utf-8") as file:
        return TrainState(**json.load(file))


def _barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def save_checkpoint(
    model_dir: str,
    state: TrainState,
    model_state: Mapping[str, Any],
    optimizer_state: Mapping[str, Any] | None,
    rank: int,
    keep_max: int = 0,
) -> str:
    """Save a checkpoint (a collective call: every rank calls it).

    Args:
        model_dir: the run's model directory.
        state: step, epoch and data position.
        model_state: ``DistributedModelParallel.state_dict()``.
        optimizer_state: ``TZRecOptimizer.state_dict()``, or None. Its ``"sparse"``
            part (sharded like the tables) goes to DCP from every rank; the rest (dense
            optimizers, schedules, scaler, EMA; replicated) is saved once by rank 0.
        rank: this process's rank.
        keep_max: keep only this many newest checkpoints, this one first (0 keeps all).

    Returns:
        the checkpoint's directory.
    """
    path = checkpoint_dir(model_dir, state.step)
    if rank == 0 and os.path.exists(path):
        shutil.rmtree(path)  # an incomplete leftover of a killed run at this same step
    _barrier()
    dcp.save(dict(model_state), checkpoint_id=os.path.join(path, "model"))
    if optimizer_state is not None:
        dense_state = {k: v for k, v in optimizer_state.items() if k != _SPARSE}
        if _SPARSE in optimizer_state:
            dcp.save(
                {_SPARSE: dict(optimizer_state[_SPARSE])},
                checkpoint_id=os.path.join(path, "optimizer"),
            )
        if rank == 0:
            torch.save(dense_state, os.path.join(path, DENSE_OPTIMIZER))
    _barrier()
    if rank == 0:
        tmp = os.path.join(path, TRAIN_STATE + ".tmp")
        with open(tmp, "w", encoding="utf-8") as file:
            json.dump(asdict(state), file)
        os.replace(tmp, os.path.join(path, TRAIN_STATE))
        if keep_max > 0:
            # The checkpoint just written is the newest, even where an earlier run
            # (continue_train off) left some of higher steps in model_dir.
            others = [old for _, old in list_checkpoints(model_dir) if old != path]
            for old in [*others, path][:-keep_max]:
                shutil.rmtree(old, ignore_errors=True)
    _barrier()
    return path


def load_model_state(path: str, model_state: dict[str, Any]) -> None:
    """Load a checkpoint's model weights into ``model_state`` (the live state dict)."""
    dcp.load(model_state, checkpoint_id=os.path.join(path, "model"))


def load_optimizer_state(path: str, live_state: dict[str, Any]) -> dict[str, Any] | None:
    """A checkpoint's optimizer state, for ``TZRecOptimizer.load_state_dict``.

    Args:
        path: the checkpoint.
        live_state: the optimizer's current ``state_dict()``; its ``"sparse"`` tensors
            (the fused optimizer's sharded state) are loaded in place.

    Returns:
        the full optimizer state, or None when the checkpoint holds none.
    """
    dense_path = os.path.join(path, DENSE_OPTIMIZER)
    if not os.path.exists(dense_path):
        return None
    restored = torch.load(dense_path, map_location="cpu", weights_only=False)
    if _SPARSE in live_state:
        sparse = live_state[_SPARSE]
        dcp.load({_SPARSE: sparse}, checkpoint_id=os.path.join(path, "optimizer"))
        restored[_SPARSE] = sparse
    return restored


def read_dense_ema(path: str) -> dict[str, torch.Tensor] | None:
    """The dense EMA averages (parameter name -> tensor) a checkpoint holds, if any."""
    dense_path = os.path.join(path, DENSE_OPTIMIZER)
    if not os.path.exists(dense_path):
        return None
    state = torch.load(dense_path, map_location="cpu", weights_only=False)
    ema = state.get("ema")
    return dict(ema["shadow"]) if ema else None


def read_param_map(path: str) -> dict[str, str]:
    """``fine_tune_ckpt_var_map``: lines ``name_in_this_model<TAB>name_in_checkpoint``.

    Raises:
        ValueError: naming the file and line of a malformed line.
    """
    mapping: dict[str, str] = {}
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split("\t")
            if len(parts) != 2 or not all(parts):
                raise ValueError(
                    f"{path}:{number}: expected 'name_in_model<TAB>name_in_checkpoint', got "
                    f"{text!r}"
                )
            mapping[parts[0]] = parts[1]
    return mapping


def checkpoint_tensor_shapes(path: str) -> dict[str, tuple[int, ...]]:
    """Names and shapes of the tensors in a checkpoint's (or DCP directory's) model.

    Raises:
        FileNotFoundError: when ``path`` is neither a checkpoint, nor a directory of
            checkpoints, nor a torch.distributed.checkpoint directory.
    """
    model_path = os.path.join(path, "model")
    if not os.path.isdir(model_path):
        model_path = path
    if not os.path.exists(os.path.join(model_path, ".metadata")):
        raise FileNotFoundError(
            f"no checkpoint at {path!r}: expected a model.ckpt-STEP directory, a directory "
            "holding some, or a torch.distributed.checkpoint directory"
        )
    metadata = FileSystemReader(model_path).read_metadata()
    return {
        name: tuple(meta.size)
        for name, meta in metadata.state_dict_metadata.items()
        if isinstance(meta, TensorStorageMetadata)
    }


def load_fine_tune(
    path: str, model_state: dict[str, Any], param_map: Mapping[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """Initialise parameters from another run's checkpoint (fine_tune_checkpoint).

    Each model tensor is read from the checkpoint tensor of the same name, or of the
    name ``param_map`` gives; tensors the checkpoint lacks, or holds with another shape,
    keep their initial values.

    Returns:
        the names loaded and the names left at their initial values.
    """
    available = checkpoint_tensor_shapes(path)
    param_map = dict(param_map or {})
    request: dict[str, Any] = {}
    skipped: list[str] = []
    for name, value in model_state.items():
        source = param_map.get(name, name)
        shape = tuple(getattr(value, "shape", ()))
        if source in available and available[source] == shape:
            request[source] = value
        else:
            skipped.append(name)
    model_path = os.path.join(path, "model")
    if not os.path.isdir(model_path):
        model_path = path
    dcp.load(request, checkpoint_id=model_path, planner=DefaultLoadPlanner(allow_partial_load=True))
    loaded = [name for name in model_state if name not in skipped]
    return loaded, skipped
