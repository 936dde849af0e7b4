"""Regenerate (or check) the Python modules and type stubs of tzrec's config protos.

The generated ``*_pb2.py`` / ``*_pb2.pyi`` files are committed next to their ``.proto``
sources under ``packages/tzrec-core/src/tzrec/protos`` so that installing tzrec needs no
protobuf compiler. This script is the one way to produce them; ``--check`` regenerates
into a scratch folder and fails when the committed files differ (run by the test suite
and by ``nox -s protos -- --check``).

Usage::

    python tools/gen_protos.py            # rewrite the committed modules
    python tools/gen_protos.py --check    # exit 1 and list stale files
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO_ROOT / "packages" / "tzrec-core" / "src"
PROTO_DIR = PROTO_ROOT / "tzrec" / "protos"
# (import root, package folder) of every proto tree in the repo: tzrec's schema and the
# example third-party plugin's own config message.
PROTO_TREES = [
    (PROTO_ROOT, PROTO_DIR),
    (
        REPO_ROOT / "examples" / "tzrec-plugin-example" / "src",
        REPO_ROOT / "examples" / "tzrec-plugin-example" / "src" / "tzrec_plugin_example",
    ),
]
# The protoc bundled with this grpcio-tools release writes gencode for protobuf 7.35.1;
# tzrec-core requires a protobuf runtime at least that new.
GRPCIO_TOOLS_VERSION = "1.85.1"


def proto_files(root: Path, package_dir: Path) -> list[Path]:
    """All .proto sources of one tree, relative to its import root, in a stable order."""
    return sorted(p.relative_to(root) for p in package_dir.rglob("*.proto"))


def generated_files(root: Path) -> list[Path]:
    """Generated modules and stubs under ``root``, relative to it."""
    found = [p for p in root.rglob("*_pb2.py*") if p.suffix in (".py", ".pyi")]
    return sorted(p.relative_to(root) for p in found)


def compile_protos(root: Path, package_dir: Path, out_dir: Path) -> None:
    """Run protoc (from grpcio-tools) on one tree's protos, writing into out_dir."""
    try:
        from grpc_tools import protoc
    except ImportError:
        sys.exit(f"grpcio-tools is needed: pip install grpcio-tools=={GRPCIO_TOOLS_VERSION}")
    import grpc_tools

    include_std = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{root}",
        f"-I{include_std}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        *[str(p) for p in proto_files(root, package_dir)],
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed; see the messages above")


def stale_files(root: Path, package_dir: Path) -> list[str]:
    """Generated files of one tree that differ from a fresh generation."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_root = Path(tmp)
        compile_protos(root, package_dir, tmp_root)
        fresh = set(generated_files(tmp_root))
        committed = {p for p in generated_files(root) if (root / p).is_relative_to(package_dir)}
        return sorted(
            str(package_dir.relative_to(REPO_ROOT).parent / p)
            for p in fresh | committed
            if p not in fresh
            or p not in committed
            or not filecmp.cmp(tmp_root / p, root / p, shallow=False)
        )


def check() -> int:
    """Return 0 when the committed generated files match a fresh generation."""
    stale = [s for root, pkg in PROTO_TREES for s in stale_files(root, pkg)]
    if stale:
        print("generated proto modules are stale; run `nox -s protos`:")
        print("\n".join(f"  {s}" for s in stale))
        return 1
    print("generated proto files are up to date")
    return 0


def regenerate() -> int:
    """Rewrite the committed generated modules from the .proto sources."""
    for root, package_dir in PROTO_TREES:
        for old in generated_files(package_dir):
            (package_dir / old).unlink()
        with tempfile.TemporaryDirectory() as tmp:
            tmp_root = Path(tmp)
            compile_protos(root, package_dir, tmp_root)
            for rel in generated_files(tmp_root):
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(tmp_root / rel, root / rel)
        for pkg_dir in {package_dir, *(p.parent for p in package_dir.rglob("*.proto"))}:
            init = pkg_dir / "__init__.py"
            if not init.exists():
                init.write_text(f'"""Generated config messages ({pkg_dir.name})."""\n')
        print(f"generated {len(generated_files(package_dir))} files under {package_dir}")
    return 0


def main() -> int:
    """Regenerate, or with --check verify, the committed proto modules."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if stale")
    args = parser.parse_args()
    return check() if args.check else regenerate()


if __name__ == "__main__":
    sys.exit(main())
