"""Fixtures shared across the suite."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """A freshly built offline tiny Qwen2.5-VL directory (about 10 s), loaded by path like any
    downloaded checkpoint."""
    from mmgym.agents.tiny import build_tiny_model

    return str(build_tiny_model(tmp_path_factory.mktemp("models") / "tiny"))
