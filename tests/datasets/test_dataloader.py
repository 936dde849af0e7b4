"""create_dataloader: Batches, exactly-once sharding over ranks x workers, resume, shuffle."""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import torch.multiprocessing as mp
from google.protobuf import text_format

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.datasets.dataloader import DataPosition, create_dataloader
from tzrec.datasets.dataset import Mode
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import pipeline_pb2

CONFIG = """
data_config {
  batch_size: 7
  dataset_type: ParquetDataset
  fg_mode: FG_NONE
  label_fields: "row_id"
  num_workers: 0
}
feature_configs { id_feature { feature_name: "cat" num_buckets: 10 embedding_dim: 4 } }
feature_configs { id_feature { feature_name: "tags" num_buckets: 5 embedding_dim: 4 } }
feature_configs { raw_feature { feature_name: "x" } }
"""


def write_files(root: Path, sizes: list[int], row_group_size: int = 5) -> str:
    """Parquet files of the given sizes with a global row_id column; returns a glob."""
    start = 0
    for i, n in enumerate(sizes):
        ids = np.arange(start, start + n, dtype=np.int64)
        table = pa.table(
            {
                "row_id": ids,
                "cat": ids % 10,
                "tags": pa.array([[int(v % 5), int((v + 1) % 5)] for v in ids]),
                "x": (ids * 0.5).astype(np.float32),
            }
        )
        pq.write_table(table, root / f"part-{i}.parquet", row_group_size=row_group_size)
        start += n
    return str(root / "*.parquet")


def pipeline(**data_overrides: object) -> pipeline_pb2.EasyRecConfig:
    config = text_format.Parse(CONFIG, pipeline_pb2.EasyRecConfig())
    for key, value in data_overrides.items():
        setattr(config.data_config, key, value)
    return config


def loader(config: pipeline_pb2.EasyRecConfig, path: str, **kwargs: object):
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    return create_dataloader(config.data_config, features, path, **kwargs)


def row_ids(batches: list[Batch]) -> list[int]:
    return [int(v) for b in batches for v in b.labels["row_id"]]


def test_batch_contents(tmp_path: Path) -> None:
    path = write_files(tmp_path, [10])
    batches = list(loader(pipeline(), path))
    assert [b.batch_size for b in batches] == [7, 3]
    first = batches[0]
    kjt = first.sparse_features[BASE_DATA_GROUP]
    assert kjt.keys() == ["cat", "tags"]
    assert kjt["cat"].values().tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert kjt["tags"].lengths().tolist() == [2] * 7
    assert kjt["tags"].values().tolist()[:4] == [0, 1, 1, 2]
    dense = first.dense_features[BASE_DATA_GROUP]
    assert dense.keys() == ["x"]
    assert dense.values().shape == (7, 1)
    assert dense.values()[:, 0].tolist() == [i * 0.5 for i in range(7)]
    assert first.labels["row_id"].dtype == torch.int64
    assert first.checkpoint_info == {0: 7}
    assert batches[1].checkpoint_info == {0: 10}


def test_drop_remainder_only_in_training(tmp_path: Path) -> None:
    path = write_files(tmp_path, [10])
    config = pipeline(drop_remainder=True)
    assert [b.batch_size for b in loader(config, path)] == [7]
    assert [b.batch_size for b in loader(config, path, mode=Mode.EVAL)] == [7, 3]


def test_eval_batch_size(tmp_path: Path) -> None:
    path = write_files(tmp_path, [10])
    config = pipeline(eval_batch_size=4)
    assert [b.batch_size for b in loader(config, path, mode=Mode.EVAL)] == [4, 4, 2]


def test_workers_read_each_row_once(tmp_path: Path) -> None:
    path = write_files(tmp_path, [13, 4, 22])
    batches = list(loader(pipeline(), path, num_workers=2))
    assert sorted(row_ids(batches)) == list(range(39))


def test_resume_continues_where_it_stopped(tmp_path: Path) -> None:
    path = write_files(tmp_path, [13, 4, 22])
    config = pipeline()
    position = DataPosition(num_shards=2)
    seen: list[Batch] = []
    for i, batch in enumerate(loader(config, path, num_workers=2)):
        if i == 3:
            break
        seen.append(batch)
        position.update(batch)
    state = json.loads(json.dumps(position.state_dict()))
    starts = DataPosition.start_positions(state, num_shards=2)
    rest = list(loader(config, path, num_workers=2, start_positions=starts))
    assert sorted(row_ids(seen) + row_ids(rest)) == list(range(39))
    with pytest.raises(ValueError, match="saved with 2 shards"):
        DataPosition.start_positions(state, num_shards=4)


def test_abandoned_iterator_stops_its_read_ahead_thread(tmp_path: Path) -> None:
    path = write_files(tmp_path, [21], row_group_size=21)  # 3 batches of 7
    iterator = iter(loader(pipeline(), path))
    assert next(iterator).batch_size == 7
    time.sleep(0.3)  # the read-ahead thread reads the rest and waits on its queue
    del iterator
    gc.collect()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(
        t.name == "tzrec-read-ahead" for t in threading.enumerate()
    ):
        time.sleep(0.02)
    assert not any(t.name == "tzrec-read-ahead" for t in threading.enumerate())


def test_shuffle_keeps_every_row_once_and_changes_order(tmp_path: Path) -> None:
    path = write_files(tmp_path, [40, 30])
    config = pipeline(shuffle=True, shuffle_buffer_size=4)
    ids = row_ids(list(loader(config, path)))
    assert sorted(ids) == list(range(70))
    assert ids != list(range(70))
    assert row_ids(list(loader(config, path, mode=Mode.EVAL))) == list(range(70))


def test_sample_mask_prob_empties_features(tmp_path: Path) -> None:
    path = write_files(tmp_path, [400], row_group_size=100)
    config = pipeline(sample_mask_prob=0.5, batch_size=400)
    (batch,) = list(loader(config, path))
    lengths = batch.sparse_features[BASE_DATA_GROUP]["cat"].lengths()
    masked = float((lengths == 0).float().mean())
    assert 0.35 < masked < 0.65
    (unmasked,) = list(loader(config, path, mode=Mode.EVAL))
    assert bool((unmasked.sparse_features[BASE_DATA_GROUP]["cat"].lengths() == 1).all())


def _rank_main(rank: int, world_size: int, path: str, out_dir: str, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        ids = row_ids(list(loader(pipeline(), path, num_workers=2)))
        gathered: list[list[int] | None] = [None] * world_size
        torch.distributed.all_gather_object(gathered, ids)
        # Resume: each rank reads two batches, the position is gathered from all ranks
        # (one rank sees only its own shards), then every rank reads the rest.
        position = DataPosition(num_shards=world_size)
        seen: list[Batch] = []
        for batch in loader(pipeline(), path, num_workers=0):
            if len(seen) == 2:
                break
            seen.append(batch)
            position.update(batch)
        state = position.gathered_state_dict()
        starts = DataPosition.start_positions(state, num_shards=world_size)
        rest = loader(pipeline(), path, num_workers=0, start_positions=starts)
        resumed: list[list[int] | None] = [None] * world_size
        torch.distributed.all_gather_object(resumed, row_ids(seen) + row_ids(list(rest)))
        if rank == 0:
            Path(out_dir, "ids.json").write_text(json.dumps(gathered))
            Path(out_dir, "resumed.json").write_text(json.dumps([resumed, state]))
    finally:
        torch.distributed.destroy_process_group()


def test_two_ranks_two_workers_read_each_row_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = write_files(data, [17, 3, 25])  # 45 rows, fewer files than 4 shards' worth
    port = 29500 + os.getpid() % 1000
    mp.spawn(_rank_main, args=(2, path, str(tmp_path), port), nprocs=2, join=True)
    per_rank = json.loads((tmp_path / "ids.json").read_text())
    assert all(len(ids) > 0 for ids in per_rank)
    everything = [i for ids in per_rank for i in ids]
    assert len(everything) == 45
    assert sorted(everything) == list(range(45))
    resumed, state = json.loads((tmp_path / "resumed.json").read_text())
    assert state["rows"] == {"0": 14, "1": 14}  # both ranks' shards
    assert sorted(i for ids in resumed for i in ids) == list(range(45))


def test_data_position_merge_of_ranks() -> None:
    rank0 = {"num_shards": 4, "rows": {"0": 7, "1": 14}}
    rank1 = {"num_shards": 4, "rows": {"2": 7}}
    merged = DataPosition.merge([rank0, rank1])
    assert DataPosition.start_positions(merged, 4) == {0: 7, 1: 14, 2: 7}
    with pytest.raises(ValueError, match="different shard counts"):
        DataPosition.merge([rank0, {"num_shards": 2, "rows": {}}])
    with pytest.raises(ValueError, match="disagree on shard 0"):
        DataPosition.merge([rank0, {"num_shards": 4, "rows": {"0": 21}}])
    position = DataPosition(num_shards=4)
    position.rows = {3: 5}
    assert position.gathered_state_dict() == {"num_shards": 4, "rows": {"3": 5}}


def test_set_epoch_changes_the_shuffle_order(tmp_path: Path) -> None:
    path = write_files(tmp_path, [40, 30])
    data = loader(pipeline(shuffle=True, shuffle_buffer_size=4), path)
    first = row_ids(list(data))
    assert row_ids(list(data)) == first  # same epoch, same order
    data.dataset.set_epoch(1)
    second = row_ids(list(data))
    assert sorted(second) == list(range(70))
    assert second != first
