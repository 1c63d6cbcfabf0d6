"""Shared fixtures: the bundled pack, temp save folders, and a scripted narrator for engine tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def lantern_path() -> Path:
    return ROOT / "stories" / "lantern"


@pytest.fixture
def lantern(lantern_path):
    from adventure.packs.loader import load_pack

    return load_pack(lantern_path)
