"""tzrec.modules re-exports its building blocks, the issue-6 layers included."""

from __future__ import annotations

import importlib

import tzrec.modules

# Each public block and the submodule that defines it.
BLOCKS = {
    "CIN": "cin",
    "Cross": "cross",
    "CrossV2": "cross",
    "Dice": "activation",
    "DotInteraction": "interaction",
    "EmbeddingGroup": "embedding",
    "FactorizationMachine": "fm",
    "MLP": "mlp",
    "MaskBlock": "mask_net",
    "MaskNetModule": "mask_net",
    "WuKongLayer": "wukong",
}


def test_every_block_is_importable_from_the_package() -> None:
    for name, submodule in BLOCKS.items():
        defined = getattr(importlib.import_module(f"tzrec.modules.{submodule}"), name)
        assert getattr(tzrec.modules, name) is defined, name
        assert name in tzrec.modules.__all__, name


def test_all_names_only_what_the_package_has() -> None:
    assert all(hasattr(tzrec.modules, name) for name in tzrec.modules.__all__)
    assert len(set(tzrec.modules.__all__)) == len(tzrec.modules.__all__)
