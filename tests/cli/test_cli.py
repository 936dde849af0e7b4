"""The ``tzrec`` command as a user runs it: real processes, exit codes, output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import text_format

from tzrec.protos import pipeline_pb2
from tzrec.utils.config_util import load_pipeline_config

REPO = Path(__file__).resolve().parents[2]
DEEPFM = REPO / "examples" / "configs" / "deepfm_synthetic.config"


def run_tzrec(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``tzrec`` console script."""
    exe = shutil.which("tzrec", path=str(Path(sys.executable).parent))
    assert exe, "the tzrec console script is not installed next to this Python"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def test_help_lists_builtin_and_plugin_commands() -> None:
    result = run_tzrec("--help")
    assert result.returncode == 0, result.stderr
    for command in ("config", "plugins", "version", "example-info"):
        assert command in result.stdout


def test_plugins_lists_each_plugin_and_what_it_provides() -> None:
    result = run_tzrec("plugins")
    assert result.returncode == 0, result.stderr
    assert "example  (tzrec-plugin-example 0.1.0)" in result.stdout
    assert "models: tzrec_example.TinyNet" in result.stdout
    assert "cli  (tzrec-cli 0.1.0)" in result.stdout


def test_plugin_command_runs() -> None:
    result = run_tzrec("example-info")
    assert result.returncode == 0
    assert "tzrec_example.TinyNet" in result.stdout


def test_version_reports_stack() -> None:
    result = run_tzrec("version")
    assert result.returncode == 0
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["tzrec-core"] == "0.1.0"
    assert lines["torch"].startswith("2.")
    assert lines["torchrec"].startswith("1.")


def test_validate_good_configs() -> None:
    tiny = REPO / "examples" / "configs" / "tinynet_plugin.config"
    result = run_tzrec("config", "validate", str(DEEPFM), str(tiny))
    assert result.returncode == 0, result.stderr
    assert f"{DEEPFM}: OK (model deepfm (DeepFM), 7 feature configs" in result.stdout
    assert "model tzrec_example.TinyNet" in result.stdout


BROKEN = {
    "typo": (lambda t: t.replace("num_epochs: 1", "num_epoch: 1"), "num_epoch"),
    "enum": (lambda t: t.replace("FG_NONE", "FG_NOPE"), "FgMode"),
    "type": (lambda t: t.replace("batch_size: 1024", "batch_size: lots"), "integer"),
    "unbalanced": (
        lambda t: t.replace("log_step_count_steps: 10\n}", "log_step_count_steps: 10\n"),
        "'{'",
    ),
    "empty": (lambda t: "", "empty"),
    "reference": (lambda t: t.replace('feature_names: "cat_3"', 'feature_names: "cat_9"'), "cat_9"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_validate_broken_config_gives_one_clear_line(case: str, tmp_path: Path) -> None:
    mutate, expected = BROKEN[case]
    path = tmp_path / f"{case}.config"
    path.write_text(mutate(DEEPFM.read_text()))
    result = run_tzrec("config", "validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: {path}")
    assert expected in first
    if case not in ("empty",):
        assert "field '" in first and f"{path}:" in first


def test_validate_missing_and_binary_files(tmp_path: Path) -> None:
    binary = tmp_path / "model.bin"
    binary.write_bytes(bytes(range(256)))
    result = run_tzrec("config", "validate", str(tmp_path / "absent.config"), str(binary))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "absent.config: config file does not exist" in result.stderr
    assert "model.bin: is a binary file" in result.stderr


def test_show_prints_a_parseable_normalized_config() -> None:
    result = run_tzrec("config", "show", str(DEEPFM))
    assert result.returncode == 0
    shown = text_format.Parse(result.stdout, pipeline_pb2.EasyRecConfig())
    assert shown == load_pipeline_config(str(DEEPFM))
    as_json = json.loads(run_tzrec("config", "show", "--json", str(DEEPFM)).stdout)
    assert as_json["data_config"]["batch_size"] == 1024


def test_edit_writes_the_changed_config(tmp_path: Path) -> None:
    out = tmp_path / "edited" / "pipeline.config"
    result = run_tzrec(
        "config",
        "edit",
        str(DEEPFM),
        "--set",
        '{"train_config.num_epochs": 3}',
        "--set",
        '{"feature_configs[feature_name=cat_1].id_feature.embedding_dim": "16"}',
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    edited = load_pipeline_config(str(out))
    assert edited.train_config.num_epochs == 3
    dims = {
        fc.id_feature.feature_name: fc.id_feature.embedding_dim
        for fc in edited.feature_configs
        if fc.HasField("id_feature")
    }
    assert dims == {"cat_0": 8, "cat_1": 16, "cat_2": 8, "cat_3": 8}


def test_edit_with_a_bad_key_is_one_line(tmp_path: Path) -> None:
    result = run_tzrec("config", "edit", str(DEEPFM), "--set", '{"train_config.num_epoch": 3}')
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "num_epochs" in result.stderr.strip().splitlines()[-1]


NO_TORCH_PROBE = """
import sys
from tzrec_cli.app import main
try:
    main({args!r})
except SystemExit:
    pass
print("TORCH_IMPORTED" if "torch" in sys.modules else "NO_TORCH", file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [["--help"], ["plugins"], ["config", "validate", str(DEEPFM)]],
    ids=["help", "plugins", "validate"],
)
def test_fast_commands_do_not_import_torch(args: list[str]) -> None:
    probe = NO_TORCH_PROBE.format(args=args)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert result.stderr.strip().splitlines()[-1] == "NO_TORCH", result.stderr
