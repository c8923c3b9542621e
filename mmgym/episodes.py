"""Running an agent for whole episodes, and the metrics `mmgym eval` reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

import mmgym.envs  # noqa: F401  (registers the mmgym ids)
from mmgym.agents.base import Agent, Reply
from mmgym.agents.policies import Policy
from mmgym.envs.text_actions import TextActions


@dataclass(frozen=True)
class Step:
    """One step of an episode, as `mmgym play` records it."""

    index: int
    observation: dict[str, Any]  # what the agent saw
    next_observation: dict[str, Any]  # what its action led to
    reply: Reply
    expert_action: Any
    reward: float
    terminated: bool
    truncated: bool
    info: dict[str, Any]


@dataclass
class EpisodeResult:
    seed: int
    success: bool = False
    total_reward: float = 0.0
    steps: int = 0
    invalid_replies: int = 0
    type_matches: int = 0
    expert_steps: int = 0  # steps where the env knew the expert action


@dataclass
class EvalResult:
    env_id: str
    agent: str
    episodes: list[EpisodeResult] = field(default_factory=list)
    seconds: float = 0.0
    replies: bool = True  # the agent wrote text replies (else it chose structured actions)

    def summary(self) -> dict[str, Any]:
        n = max(1, len(self.episodes))
        steps = sum(e.steps for e in self.episodes)
        expert_steps = sum(e.expert_steps for e in self.episodes)
        return {
            "env": self.env_id,
            "agent": self.agent,
            "episodes": len(self.episodes),
            "success_rate": sum(e.success for e in self.episodes) / n,
            "mean_return": sum(e.total_reward for e in self.episodes) / n,
            "mean_steps": steps / n,
            "action_type_accuracy": (
                sum(e.type_matches for e in self.episodes) / expert_steps if expert_steps else None
            ),
            "invalid_reply_rate": (
                sum(e.invalid_replies for e in self.episodes) / max(1, steps) if self.replies else None
            ),
            "steps_per_second": steps / self.seconds if self.seconds > 0 else None,
        }


def make_text_env(env_id: str, **kwargs: Any) -> TextActions:
    """``gymnasium.make(env_id, **kwargs)`` wrapped so that it steps with model replies."""
    coordinates = kwargs.pop("coordinates", "pixel")
    return TextActions(gym.make(env_id, **kwargs), coordinates=coordinates)


def run_episode(env: gym.Env, agent: Agent, seed: int,
                on_step: Callable[[Step], None] | None = None) -> EpisodeResult:  # fmt: skip
    """Play one episode of ``agent`` in a :class:`TextActions` env from ``seed``."""
    agent.reset(0, seed=seed)
    observation, info = env.reset(seed=seed)
    result = EpisodeResult(seed=seed)
    done = False
    while not done:
        reply = agent.act([observation], [info])[0]
        expert = info.get("expert_action")
        next_observation, reward, terminated, truncated, next_info = env.step(reply.text)
        action = next_info["action"]
        result.steps += 1
        result.total_reward += float(reward)
        result.invalid_replies += action is None
        if expert is not None:
            result.expert_steps += 1
            result.type_matches += action is not None and action.type == expert.type
        if on_step is not None:
            on_step(Step(result.steps - 1, observation, next_observation, reply, expert, float(reward),
                         terminated, truncated, next_info))  # fmt: skip
        observation, info = next_observation, next_info
        done = terminated or truncated
    result.success = bool(info.get("success", False))
    return result


def evaluate(env: gym.Env, agent: Agent, env_id: str, agent_name: str, seeds: range,
             on_episode: Callable[[EpisodeResult], None] | None = None) -> EvalResult:  # fmt: skip
    """Run ``agent`` for one episode per seed and collect the metrics."""
    result = EvalResult(env_id, agent_name)
    start = time.perf_counter()
    for seed in seeds:
        episode = run_episode(env, agent, seed)
        result.episodes.append(episode)
        if on_episode is not None:
            on_episode(episode)
    result.seconds = time.perf_counter() - start
    return result


def run_policy_episode(env: gym.Env, policy: Policy, seed: int,
                       frames: list[np.ndarray] | None = None) -> EpisodeResult:  # fmt: skip
    """Play one episode of a structured-action ``policy`` from ``seed``; with ``frames``, collect
    every image it saw (the last one too)."""
    policy.reset(seed)
    observation, info = env.reset(seed=seed)
    result = EpisodeResult(seed=seed)
    done = False
    while not done:
        if frames is not None:
            frames.append(observation["image"])
        observation, reward, terminated, truncated, info = env.step(policy.act(observation, info))
        result.steps += 1
        result.total_reward += float(reward)
        done = terminated or truncated
    if frames is not None:
        frames.append(observation["image"])
    result.success = bool(info.get("success", False))
    return result


def evaluate_policy(env: gym.Env, policy: Policy, env_id: str, name: str, seeds: range,
                    on_episode: Callable[[EpisodeResult], None] | None = None,
                    video: Path | None = None) -> EvalResult:  # fmt: skip
    """Run ``policy`` for one episode per seed and collect the metrics; with ``video``, save the
    first episode there as a GIF."""
    result = EvalResult(env_id, name, replies=False)
    start = time.perf_counter()
    for index, seed in enumerate(seeds):
        frames = [] if video is not None and index == 0 else None
        result.episodes.append(run_policy_episode(env, policy, seed, frames))
        if frames:
            save_gif(frames, video)
        if on_episode is not None:
            on_episode(result.episodes[-1])
    result.seconds = time.perf_counter() - start
    return result


def save_gif(frames: list[np.ndarray], path: Path, fps: int = 5) -> None:
    """Write ``frames`` (H, W, 3 uint8 images) as a looping GIF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=1000 // fps, loop=0)
