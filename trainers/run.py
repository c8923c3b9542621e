"""What every trainer run shares: the policy, the optimizer and schedule, metrics, checkpoints.

A run directory (:mod:`mmgym.rundir`) holds ``config.json``, ``metrics.jsonl`` (one line per
optimizer step) and the same scalars under ``tensorboard/``, sampled ``trajectories/`` and
``checkpoint/``: the model (under LoRA, its adapters) in ``save_pretrained`` form plus
``trainer.pt`` with the optimizer, schedule, step and RNG states and the state of every part a
trainer builds with the run (a PPO critic and its optimizer), replaced atomically so a killed run
never leaves half a checkpoint.
"""

from __future__ import annotations

import dataclasses
import math
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import mmgym  # noqa: F401  (registers the envs)
from mmgym.agents.hf import HFAgent, load_policy, resolve_model
from mmgym.envs.text_actions import TextActions
from mmgym.rundir import RunDir
from mmgym.trainers.config import ConfigError, ModelConfig


class Run:
    """A run directory, its policy and optimizer, and resuming from its last checkpoint.

    ``parts`` builds what else a trainer checkpoints (a PPO critic): ``name -> build(run)``, each
    part with ``state_dict`` / ``load_state_dict``. They are built before a resumed checkpoint is
    restored, so that whatever randomness building takes, the RNG state is the saved one after."""

    def __init__(self, config: ModelConfig, resume: bool = False,
                 parts: dict[str, Callable[[Run], Any]] | None = None):  # fmt: skip
        self.config = config
        self.dir = Path(config.output_dir)
        self.checkpoint = self.dir / "checkpoint"
        self.step = 0
        resuming = resume and (self.checkpoint / "trainer.pt").is_file()
        if not resuming and (self.dir / "metrics.jsonl").exists():
            fix = "it has no checkpoint to resume from" if resume else "pass --resume to continue it"
            raise FileExistsError(f"{self.dir} already holds a run; {fix}, or set --output_dir to a new "
                                  "directory")  # fmt: skip
        seed_everything(config.seed)
        whole_checkpoint = resuming and not config.lora_rank
        processor, model = load_policy(str(self.checkpoint) if whole_checkpoint else config.model)
        if config.lora_rank:
            model = with_lora(model, config, self.checkpoint if resuming else None)
        self.agent = HFAgent(processor=processor, network=model, history=config.history,
                             max_images=config.max_images, max_new_tokens=config.max_new_tokens,
                             temperature=getattr(config, "temperature", 1.0),
                             top_p=getattr(config, "top_p", 1.0), skills=self._takes_skills(),
                             engine=self._engine(processor, model))  # fmt: skip
        model.train()
        # fused: one kernel over all parameters, about 3x faster than the per-tensor loop on CPU
        trained = [parameter for parameter in model.parameters() if parameter.requires_grad]
        self.optimizer = torch.optim.AdamW(trained, lr=config.learning_rate,
                                           weight_decay=config.weight_decay, fused=True)  # fmt: skip
        self.schedule = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)
        trajectory_mb = getattr(config, "trajectory_mb", 0.0)
        self.files = RunDir(self.dir, "train", dataclasses.asdict(config), trajectory_mb)
        self.parts = {name: build(self) for name, build in (parts or {}).items()}
        if resuming:
            self._restore()

    @property
    def model(self) -> torch.nn.Module:
        """The policy being trained (the agent's model)."""
        return self.agent.model

    def _lr_factor(self, step: int) -> float:
        config = self.config
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
        if config.lr_schedule == "linear":
            return max(0.0, 1 - progress)
        if config.lr_schedule == "cosine":
            return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        return 1.0

    def _engine(self, processor: Any, model: torch.nn.Module) -> Any:
        """The rollout engine the config names, serving ``model``'s weights; None: the model itself."""
        if getattr(self.config, "engine", "hf") != "vllm":
            return None
        from mmgym.agents.vllm_engine import VLLMEngine, architecture_of

        return VLLMEngine(model, processor, architecture_of(self.config.model),
                          max_model_len=self.config.engine_max_len, seed=self.config.seed)  # fmt: skip

    def _takes_skills(self) -> bool:
        """Whether the config's env takes embodied skills (so the prompt lists those)."""
        env = TextActions(self.make_env())
        env.close()
        return env.skills

    def make_env(self) -> gym.Env:
        return make_env(self.config)

    def optimizer_step(self) -> float:
        """Clip, step, schedule; returns the gradient norm before clipping."""
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.schedule.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.agent.engine is not None:
            self.agent.engine.weights_changed()
        return float(norm)

    def log(self, metrics: dict[str, Any]) -> None:
        self.files.log(self.step, metrics)

    def save(self) -> None:
        """The checkpoint, written beside the old one and swapped in by renames."""
        staging = self.dir / "checkpoint.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        self.model.save_pretrained(staging)
        self.agent.processor.save_pretrained(staging)
        state = {"step": self.step, "optimizer": self.optimizer.state_dict(),
                 "schedule": self.schedule.state_dict(), "rng": rng_state(),
                 "parts": {name: part.state_dict() for name, part in self.parts.items()}}  # fmt: skip
        torch.save(state, staging / "trainer.pt")
        old = self.dir / "checkpoint.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.checkpoint.exists():
            self.checkpoint.rename(old)
        staging.rename(self.checkpoint)
        shutil.rmtree(old, ignore_errors=True)

    def _restore(self) -> None:
        state = torch.load(self.checkpoint / "trainer.pt", weights_only=False)
        self.step = state["step"]
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        for name, part in self.parts.items():
            part.load_state_dict(state["parts"][name])
        set_rng_state(state["rng"])
        # Metrics logged after the checkpoint belong to steps that will run again.
        self.files.restart_at(self.step)

    def maybe_save(self) -> None:
        every = self.config.save_every
        if (every and self.step % every == 0) or self.step == self.config.steps:
            self.save()


def make_env(config: ModelConfig) -> gym.Env:
    """The config's env at its screen size (a dataset env reading its ``dataset``)."""
    if config.dataset:
        return gym.make(config.env, width=config.width, height=config.height, path=config.dataset,
                        format=config.dataset_format or None, protocol=config.protocol or None)  # fmt: skip
    return gym.make(config.env, width=config.width, height=config.height)


def with_lora(model: torch.nn.Module, config: ModelConfig, adapter: Path | None = None) -> torch.nn.Module:
    """``model`` frozen, with trainable LoRA adapters: new ones as ``config`` asks, or the ones
    saved in ``adapter`` (a checkpoint to resume). A saved adapter names ``config.model`` as its
    base, so that :func:`mmgym.agents.hf.load_policy` rebuilds the trained policy from it."""
    from peft import LoraConfig, PeftModel, get_peft_model

    if adapter is not None:
        return PeftModel.from_pretrained(model, adapter, is_trainable=True)
    lora = LoraConfig(r=config.lora_rank, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=config.lora_targets)  # fmt: skip
    try:
        model = get_peft_model(model, lora)
    except ValueError as error:
        raise ConfigError(f"lora_targets: {str(error).splitlines()[0]}") from None
    model.peft_config["default"].base_model_name_or_path = resolve_model(config.model)
    return model


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
