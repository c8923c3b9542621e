"""Running an agent for whole episodes, and the metrics `mmgym eval` reports."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

import mmgym.envs  # noqa: F401  (registers the mmgym ids)
from mmgym.agents.base import Agent, Reply
from mmgym.agents.policies import Policy
from mmgym.envs.actions import POINT_ACTIONS
from mmgym.envs.protocols import score_step
from mmgym.envs.text_actions import TextActions


@dataclass(frozen=True)
class Step:
    """One step of an episode, as `mmgym play` records it. A step whose reply has an ``error``
    was not taken: its ``next_observation`` is its ``observation`` and its ``info`` is empty."""

    seed: int  # the episode's
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
    error: str | None = None  # why the agent gave no reply, which ended the episode
    # under an evaluation protocol (mmgym.envs.protocols): steps judged correct, and point steps hit
    step_successes: int = 0
    grounding_steps: int = 0
    grounding_hits: int = 0


@dataclass
class EvalResult:
    env_id: str
    agent: str
    episodes: list[EpisodeResult] = field(default_factory=list)
    seconds: float = 0.0
    replies: bool = True  # the agent wrote text replies (else it chose structured actions)
    protocol: str | None = None  # the evaluation protocol its steps were judged by

    def summary(self) -> dict[str, Any]:
        n = max(1, len(self.episodes))
        steps = sum(e.steps for e in self.episodes)
        expert_steps = sum(e.expert_steps for e in self.episodes)
        return {
            "env": self.env_id,
            "agent": self.agent,
            "episodes": len(self.episodes),
            "errors": sum(e.error is not None for e in self.episodes),
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
            **(self._protocol_summary(expert_steps) if self.protocol else {}),
        }

    def _protocol_summary(self, expert_steps: int) -> dict[str, Any]:
        grounding_steps = sum(e.grounding_steps for e in self.episodes)
        successes = sum(e.step_successes for e in self.episodes)
        hits = sum(e.grounding_hits for e in self.episodes)
        return {
            "protocol": self.protocol,
            "step_success_rate": successes / expert_steps if expert_steps else None,
            "grounding_accuracy": hits / grounding_steps if grounding_steps else None,
        }


def make_text_env(env_id: str, **kwargs: Any) -> TextActions:
    """``gymnasium.make(env_id, **kwargs)`` wrapped so that it steps with model replies."""
    coordinates = kwargs.pop("coordinates", "pixel")
    return TextActions(gym.make(env_id, **kwargs), coordinates=coordinates)


def run_episode(env: gym.Env, agent: Agent, seed: int,
                on_step: Callable[[Step], None] | None = None) -> EpisodeResult:  # fmt: skip
    """Play one episode of ``agent`` in a :class:`TextActions` env from ``seed``."""
    return play_episodes([env], agent, [seed], on_step)[0]


def play_episodes(envs: Sequence[gym.Env], agent: Agent, seeds: Sequence[int],
                  on_step: Callable[[Step], None] | None = None,
                  on_episode: Callable[[EpisodeResult], None] | None = None,
                  protocol: str | None = None) -> list[EpisodeResult]:  # fmt: skip
    """Play one episode per seed, ``len(envs)`` at a time: the envs step in lockstep, the live ones'
    observations go to the agent in one batch, and an env whose episode ends starts the next seed.

    A reply with ``error`` (a served model that gave none) ends its episode without stepping the
    env: the episode fails and keeps the error. Results come in the order of ``seeds``.
    """
    results = [EpisodeResult(seed) for seed in seeds]
    queue = iter(results)
    playing: dict[int, tuple[EpisodeResult, dict, dict]] = {}  # env slot -> (episode, observation, info)

    def start(slot: int) -> None:
        if (result := next(queue, None)) is not None:
            agent.reset(slot, seed=result.seed)
            playing[slot] = (result, *envs[slot].reset(seed=result.seed))

    for slot in range(len(envs)):
        start(slot)
    while playing:
        live = sorted(playing)
        replies = _act(agent, live, [playing[slot][1] for slot in live], [playing[slot][2] for slot in live])
        for slot, reply in zip(live, replies, strict=True):
            result, observation, info = playing.pop(slot)
            step = _step(envs[slot], result, observation, info, reply, protocol)
            if on_step is not None:
                on_step(step)
            if step.terminated or step.truncated or reply.error is not None:
                result.success = bool(step.info.get("success", False))
                if on_episode is not None:
                    on_episode(result)
                start(slot)
            else:
                playing[slot] = (result, step.next_observation, step.info)
    return results


def _act(agent: Agent, live: list[int], observations: list[dict], infos: list[dict]) -> list[Reply]:
    """The agent's replies for the ``live`` env slots. An agent reads slot ``i`` at position ``i``;
    once some slots have finished, the batch names its slots with ``indices``, which only agents
    that run several slots at once take (:class:`mmgym.agents.openai.OpenAIAgent`)."""
    if live == list(range(len(live))):
        return agent.act(observations, infos)
    return agent.act(observations, infos, indices=live)


def _step(env: gym.Env, result: EpisodeResult, observation: dict[str, Any], info: dict[str, Any],
          reply: Reply, protocol: str | None = None) -> Step:  # fmt: skip
    """Step ``env`` with ``reply`` and count it in ``result`` (judged by ``protocol`` where the
    expert action is known); a reply with an error ends the episode where it is."""
    expert = info.get("expert_action")
    if reply.error is not None:  # a step not taken: where it had a right answer, a miss
        result.error = reply.error
        if expert is not None:
            result.expert_steps += 1
            if protocol is not None and getattr(expert, "type", None) in POINT_ACTIONS:
                result.grounding_steps += 1
        return Step(result.seed, result.steps, observation, observation, reply, expert, 0.0, False, False, {})
    next_observation, reward, terminated, truncated, next_info = env.step(reply.text)
    action = next_info["action"]
    result.steps += 1
    result.total_reward += float(reward)
    result.invalid_replies += action is None
    if expert is not None:
        result.expert_steps += 1
        result.type_matches += action is not None and action.type == expert.type
        if protocol is not None:
            _judge(result, protocol, action, expert, info.get("target_box"), next_info, observation)
    return Step(result.seed, result.steps - 1, observation, next_observation, reply, expert, float(reward),
                terminated, truncated, next_info)  # fmt: skip


def _judge(result: EpisodeResult, protocol: str, action: Any, expert: Any, box: Any, info: dict[str, Any],
           observation: dict[str, Any]) -> None:  # fmt: skip
    """Count one step under ``protocol``. An env that judges by it itself (a dataset env, in its
    screenshots' own pixels) is taken at its word; otherwise the step is judged in observation pixels.
    A reply that gave no action is wrong whatever the env made of it."""
    if info.get("protocol") == protocol:
        grounded, success = info.get("grounded"), bool(info.get("success"))
    else:
        height, width = observation["image"].shape[:2]
        score = score_step(protocol, action, expert, box, (width, height))
        grounded, success = score.grounded, score.success
    result.step_successes += success and action is not None
    if grounded is not None:
        result.grounding_steps += 1
        result.grounding_hits += grounded and action is not None


def evaluate(env: gym.Env, agent: Agent, env_id: str, agent_name: str, seeds: range,
             on_episode: Callable[[EpisodeResult], None] | None = None, *, concurrency: int = 1,
             make_env: Callable[[], gym.Env] | None = None, on_step: Callable[[Step], None] | None = None,
             protocol: str | None = None) -> EvalResult:  # fmt: skip
    """Run ``agent`` for one episode per seed and collect the metrics (``on_step`` sees every step;
    with ``protocol``, every step with an expert action is judged by it: :mod:`mmgym.envs.protocols`).

    With ``concurrency`` above 1, that many episodes play at once, in ``env`` and copies of it
    from ``make_env`` (closed afterwards); the agent must take ``indices`` (see :func:`_act`).
    """
    if concurrency > 1 and (make_env is None or "indices" not in inspect.signature(agent.act).parameters):
        raise ValueError(f"concurrency {concurrency} needs make_env and an agent whose act takes indices; "
                         f"run {agent_name} with concurrency 1")  # fmt: skip
    result = EvalResult(env_id, agent_name, protocol=protocol)
    copies = [make_env() for _ in range(min(concurrency, len(seeds)) - 1)] if make_env else []
    start = time.perf_counter()
    try:
        result.episodes = play_episodes([env, *copies], agent, seeds, on_step, on_episode, protocol)
    finally:
        for copy in copies:
            copy.close()
    result.seconds = time.perf_counter() - start
    return result


def run_policy_episode(env: gym.Env, policy: Policy, seed: int,
                       on_step: Callable[[Step], None] | None = None) -> EpisodeResult:  # fmt: skip
    """Play one episode of a structured-action ``policy`` from ``seed``; ``on_step`` sees each step
    (with an empty reply: the policy writes none)."""
    policy.reset(seed)
    observation, info = env.reset(seed=seed)
    result = EpisodeResult(seed=seed)
    done = False
    while not done:
        seen, expert = observation, info.get("expert_action")
        observation, reward, terminated, truncated, info = env.step(policy.act(observation, info))
        result.steps += 1
        result.total_reward += float(reward)
        done = terminated or truncated
        if on_step is not None:
            on_step(Step(seed, result.steps - 1, seen, observation, Reply(""), expert, float(reward),
                         terminated, truncated, info))  # fmt: skip
    result.success = bool(info.get("success", False))
    return result


def evaluate_policy(env: gym.Env, policy: Policy, env_id: str, name: str, seeds: range,
                    on_episode: Callable[[EpisodeResult], None] | None = None, video: Path | None = None,
                    on_step: Callable[[Step], None] | None = None) -> EvalResult:  # fmt: skip
    """Run ``policy`` for one episode per seed and collect the metrics (``on_step`` sees every
    step); with ``video``, save the first episode there as a GIF."""
    result = EvalResult(env_id, name, replies=False)
    start = time.perf_counter()
    for index, seed in enumerate(seeds):
        steps: list[Step] = []
        result.episodes.append(run_policy_episode(env, policy, seed, _each(steps.append, on_step)))
        if video is not None and index == 0:
            save_gif([step.observation["image"] for step in steps] + [steps[-1].next_observation["image"]],
                     video)  # fmt: skip
        if on_episode is not None:
            on_episode(result.episodes[-1])
    result.seconds = time.perf_counter() - start
    return result


def _each(*calls: Callable[[Step], None] | None) -> Callable[[Step], None]:
    """One ``on_step`` that passes each step to every call given."""

    def call(step: Step) -> None:
        for each in calls:
            if each is not None:
                each(step)

    return call


def save_gif(frames: list[np.ndarray], path: Path, fps: int = 5) -> None:
    """Write ``frames`` (H, W, 3 uint8 images) as a looping GIF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=1000 // fps, loop=0)
