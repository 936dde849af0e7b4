"""The committed generated proto modules match their .proto sources, and have stubs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from google.protobuf.descriptor import Descriptor

from tzrec.protos import pipeline_pb2

REPO = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO / "packages" / "tzrec-core" / "src" / "tzrec" / "protos"


def test_generated_modules_are_up_to_date() -> None:
    """Fails when a .proto was edited without `nox -s protos`."""
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "gen_protos.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_proto_has_a_module_and_a_stub() -> None:
    protos = sorted(PROTO_DIR.rglob("*.proto"))
    assert len(protos) >= 15
    for proto in protos:
        stem = proto.with_suffix("")
        assert Path(f"{stem}_pb2.py").is_file(), proto
        assert Path(f"{stem}_pb2.pyi").is_file(), proto


def _walk(descriptor: Descriptor, seen: set[str]) -> None:
    if descriptor.full_name in seen:
        return
    seen.add(descriptor.full_name)
    for field in descriptor.fields:
        if field.message_type is not None:
            _walk(field.message_type, seen)


def test_schema_covers_every_model_family() -> None:
    """The model oneof holds the families TorchEasyRec documents."""
    model_config = pipeline_pb2.EasyRecConfig.DESCRIPTOR.fields_by_name["model_config"]
    model_fields = {f.name for f in model_config.message_type.oneofs_by_name["model"].fields}
    expected = {
        "deepfm", "dlrm", "wide_and_deep", "multi_tower", "multi_tower_din", "mask_net",
        "dcn_v1", "dcn_v2", "xdeepfm", "wukong", "rocket_launching", "mmoe", "ple", "dbmtl",
        "pepnet", "simple_multi_task", "dssm", "dssm_v2", "dat", "mind", "tdm",
        "hstu_match", "dlrm_hstu", "ultra_hstu", "plugin_model",
    }  # fmt: skip
    assert expected <= model_fields, expected - model_fields


def test_schema_is_reachable_from_the_pipeline() -> None:
    """Every message type defined in tzrec's protos is used by the pipeline config."""
    seen: set[str] = set()
    _walk(pipeline_pb2.EasyRecConfig.DESCRIPTOR, seen)
    assert len([n for n in seen if n.startswith("tzrec.protos.")]) > 100
