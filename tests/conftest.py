"""Fixtures shared across the suite."""

from __future__ import annotations

import os

import pytest

# Parallel workers share the cores: torch threads beyond a worker's share spin against each other
# and slow a training test tenfold, so each worker takes its share (read when torch starts).
if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")):
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """A freshly built offline tiny Qwen2.5-VL directory (about 10 s), loaded by path like any
    downloaded checkpoint."""
    from mmgym.agents.tiny import build_tiny_model

    return str(build_tiny_model(tmp_path_factory.mktemp("models") / "tiny"))


@pytest.fixture(scope="session")
def sft_model(tiny_model, tmp_path_factory) -> str:
    """The tiny model after a short SFT on ClickShape (about 20 s): a sampled reply is well-formed
    a bit more than half the time, so format rewards within a GRPO group differ and gradients flow."""
    from mmgym.trainers.config import load_config
    from mmgym.trainers.sft import train_sft

    out = tmp_path_factory.mktemp("sft")
    config = load_config(None, ["--trainer=sft", f"--model={tiny_model}", f"--output_dir={out}", "--steps=45",
                                "--episodes=16", "--batch_size=8", "--learning_rate=3e-3", "--save_every=0",
                                "--env=mmgym/ClickShape-v0"])  # fmt: skip
    train_sft(config, report=lambda _: None)
    return str(out / "checkpoint")
