"""stable-baselines3 baselines on mmgym's continuous-control envs: train a policy on the image (and
state) observation, with the instruction as hashed word features, save it, and load it back as a
:class:`~mmgym.agents.policies.Policy` for ``mmgym eval --agent sb3:PATH``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from mmgym.envs.instruction_features import InstructionFeatures, instruction_features
from mmgym.errors import UsageError

ALGORITHMS = ("ppo", "sac")
MODEL, METADATA = "model.zip", "baseline.json"


def _algorithm(name: str) -> Any:
    try:
        from stable_baselines3 import PPO, SAC
    except ImportError:
        raise UsageError("baselines need stable-baselines3: pip install stable-baselines3") from None
    return {"ppo": PPO, "sac": SAC}[name]


def training_env(env_id: str, width: int, height: int) -> gym.Env:
    """``env_id`` at the given image size, its instruction as features; it must take a Box action."""
    env = gym.make(env_id, width=width, height=height)
    if not isinstance(env.action_space, spaces.Box):
        env.close()
        kind = type(env.action_space).__name__
        raise UsageError(f"{env_id} takes {kind} actions; stable-baselines3 needs continuous control: "
                         "use its Continuous id, e.g. mmgym/ReachTargetContinuous-v0")  # fmt: skip
    return InstructionFeatures(env)


def train(env_id: str, algo: str, steps: int, out: Path, width: int = 64, height: int = 64,
          seed: int = 0) -> Path:  # fmt: skip
    """Train ``algo`` for ``steps`` env steps on ``env_id``; save the model and its metadata in ``out``."""
    if algo not in ALGORITHMS:
        raise UsageError(f"--algo must be one of {', '.join(ALGORITHMS)}, got {algo!r}")
    env = training_env(env_id, width, height)
    settings: dict[str, Any] = (
        {"n_steps": 512, "batch_size": 64, "n_epochs": 4, "gamma": 0.95} if algo == "ppo"
        else {"buffer_size": min(steps, 50_000), "learning_starts": min(500, steps // 4), "gamma": 0.95}
    )  # fmt: skip
    model = _algorithm(algo)("MultiInputPolicy", env, seed=seed, device="cpu", verbose=0, **settings)
    model.learn(total_timesteps=steps)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL)
    metadata = {"env": env_id, "algo": algo, "steps": steps, "width": width, "height": height, "seed": seed}
    (out / METADATA).write_text(json.dumps(metadata, indent=2) + "\n")
    env.close()
    return out


def read_baseline(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """The folder of a saved baseline (given it or its ``model.zip``) and its metadata."""
    folder = Path(path)
    folder = folder.parent if folder.suffix == ".zip" else folder
    try:
        return folder, json.loads((folder / METADATA).read_text())
    except (OSError, ValueError):
        raise UsageError(f"{folder} holds no baseline ({METADATA} missing or unreadable); "
                         "train one with `mmgym baseline sb3`") from None  # fmt: skip


class SB3Policy:
    """A saved baseline (the folder :func:`train` wrote, or its ``model.zip``), acting greedily."""

    def __init__(self, path: str | Path):
        folder, self.metadata = read_baseline(path)
        self.size = (self.metadata["width"], self.metadata["height"])
        self.model = _algorithm(self.metadata["algo"]).load(folder / MODEL, device="cpu")

    def reset(self, seed: int) -> None:
        pass

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        features = {**observation, "instruction": instruction_features(observation["instruction"])}
        action, _ = self.model.predict(features, deterministic=True)
        return action
