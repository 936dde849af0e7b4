"""``tzrec export`` end to end: a checkpoint trained by 2 ranks, exported by 2 ranks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.export.export_support import checkpoint_scores, read_rows, serve_in_fresh_process
from tests.tzrec_subprocess import run_tzrec
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import save_message


def test_two_rank_checkpoint_exported_by_two_ranks(deepfm_data, tmp_path: Path) -> None:
    base, data = deepfm_data
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(base)
    edit_config(config, {"model_dir": str(tmp_path / "model")})
    save_message(config, str(tmp_path / "two.config"))
    trained = run_tzrec(
        "train", "--pipeline_config_path", str(tmp_path / "two.config"), "--nproc-per-node", "2"
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    checkpoint = tmp_path / "model" / "model.ckpt-6"  # 3000 rows / 250 / 2 ranks
    # Both ranks wrote shards of the tables: the export has to gather them.
    shard_files = sorted(p.name for p in (checkpoint / "model").glob("*.distcp"))
    assert any(n.startswith("__0_") for n in shard_files)
    assert any(n.startswith("__1_") for n in shard_files)

    config_path = str(tmp_path / "model" / "pipeline.config")
    export_dir = str(tmp_path / "export")
    run = run_tzrec(
        "export", "--pipeline-config-path", config_path, "--export_dir", export_dir,
        "--nproc-per-node", "2",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    # Library notices (DCP's single-process load, TorchScript's annotation remarks) are
    # filtered: the export prints its own log lines and the summary only.
    assert "Warning" not in run.stderr, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["step"] == 6 and summary["checkpoint"] == str(checkpoint)
    assert summary["max_abs_diff"]["probs"] < 1e-5

    assert data.eval_input_path is not None
    served = serve_in_fresh_process(export_dir, data.eval_input_path, 300, tmp_path)
    reference = checkpoint_scores(config_path, read_rows(data.eval_input_path, 300))
    for name, expected in reference.items():
        got = served["scores"][name]
        assert max(abs(a - b) for a, b in zip(got, expected.tolist(), strict=True)) < 1e-5


def test_cli_export_errors_are_one_line(tmp_path: Path, deepfm_data) -> None:
    base, _ = deepfm_data
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(base)
    edit_config(config, {"model_dir": str(tmp_path / "never_trained")})
    save_message(config, str(tmp_path / "p.config"))
    run = run_tzrec(
        "export", "--pipeline_config_path", str(tmp_path / "p.config"),
        "--export_dir", str(tmp_path / "out"),
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1].startswith("error: no checkpoint to export")
    assert not (tmp_path / "out").exists()
    bad = run_tzrec(
        "export", "--pipeline_config_path", str(tmp_path / "p.config"),
        "--export_dir", str(tmp_path / "out"), "--quantize_embedding", "int7",
    )  # fmt: skip
    assert bad.returncode == 1 and "unknown embedding quantization 'int7'" in bad.stderr
    # A format the stack cannot produce is the user's choice, not an internal error.
    aot = run_tzrec(
        "export", "--pipeline_config_path", str(tmp_path / "p.config"),
        "--export_dir", str(tmp_path / "out"), "--output_format", "aot",
    )  # fmt: skip
    assert aot.returncode == 1
    last = aot.stderr.strip().splitlines()[-1]
    assert last.startswith("error: output_format 'aot' (ENABLE_AOT) is not supported yet"), last
    assert not (tmp_path / "out").exists()
