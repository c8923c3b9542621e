"""Multi-turn rollouts: groups of episodes per env seed, stepped in lockstep with batched replies.

This is the collector seam of the design: give it a policy (an agent) and seeds, get episodes back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from mmgym.agents.base import Reply
from mmgym.envs.text_actions import TextActions
from mmgym.rewards import action_type_reward, coordinate_in_box_reward, gaussian_point_reward


@dataclass
class Turn:
    """One reply in an episode: the chat it answered, the reply, and what it earned.

    ``task`` is the env's reward for the step; ``shaping`` the weighted reply scores (format,
    UI-R1 action type / arguments, GUI-G2 point, overlong penalty) named in ``components``.
    """

    chat: list[dict[str, Any]]
    reply: Reply
    task: float
    shaping: float
    components: dict[str, float]
    # What the run directory's sampled trajectories show (mmgym.rundir): the screen the reply
    # answered, and the parsed and expert actions (None: none).
    screen: np.ndarray | None = None
    instruction: str = ""
    action: Any = None
    parse_error: str | None = None
    expert: Any = None


@dataclass
class Episode:
    seed: int
    turns: list[Turn] = field(default_factory=list)
    success: bool = False
    final_screen: np.ndarray | None = None  # the screen the episode ended on

    @property
    def total_reward(self) -> float:
        """The episode's return: its task rewards summed, plus its shaping averaged over turns, so
        that a longer episode earns no more shaping than a short one (summed, a format reward per
        turn pays the policy for never finishing)."""
        if not self.turns:
            return 0.0
        shaping = sum(turn.shaping for turn in self.turns) / len(self.turns)
        return sum(turn.task for turn in self.turns) + shaping


@dataclass(frozen=True)
class RewardWeights:
    """The weights of a turn's shaping terms."""

    format: float = 0.0
    action_type: float = 0.0
    action_args: float = 0.0
    gaussian_point: float = 0.0


def turn_reward(reply: str, env_reward: float, info: dict[str, Any], expert: Any, box: Any,
                weights: RewardWeights) -> tuple[float, float, dict[str, float]]:  # fmt: skip
    """One turn's task reward, its weighted shaping, and the named components of both."""
    components = {"task": float(env_reward), "format": float(info["reward_components"]["format"])}
    # The oracle-based scores parse the reply again, so only those with a weight are computed.
    if expert is not None and weights.action_type:
        components["action_type"] = action_type_reward([reply], expert_action=[expert])[0]
    if box is not None and weights.action_args:
        components["action_args"] = coordinate_in_box_reward([reply], bbox=[box])[0]
    if box is not None and weights.gaussian_point:
        components["gaussian_point"] = gaussian_point_reward([reply], bbox=[box])[0]
    shaping = (weights.format * components["format"]
               + weights.action_type * components.get("action_type", 0.0)
               + weights.action_args * components.get("action_args", 0.0)
               + weights.gaussian_point * components.get("gaussian_point", 0.0))  # fmt: skip
    return components["task"], shaping, components


def collect(agent: Any, make_env: Callable[[], gym.Env], seeds: Sequence[int], group_size: int,
            max_turns: int, weights: RewardWeights = RewardWeights()) -> list[Episode]:  # fmt: skip
    """``group_size`` episodes from each seed, in seed order, group members adjacent.

    Every live env gets its reply from one batched ``agent.prompts`` / ``agent.generate`` call per
    turn; an episode that ends drops out of the batch, so no compute goes to padding turns.
    """
    slots = [(seed, member) for seed in seeds for member in range(group_size)]
    envs = [TextActions(make_env()) for _ in slots]
    episodes = [Episode(seed) for seed, _ in slots]
    observations, infos = [], []
    for index, (env, (seed, _)) in enumerate(zip(envs, slots, strict=True)):
        observation, info = env.reset(seed=seed)
        agent.reset(index, seed)
        observations.append(observation)
        infos.append(info)
    live = list(range(len(slots)))
    for _ in range(max_turns):
        if not live:
            break
        chats = agent.prompts_for(live, [observations[i] for i in live])
        replies = agent.generate(chats)
        still_live = []
        for index, chat, reply in zip(live, chats, replies, strict=True):
            agent.record(index, reply)
            expert, box = infos[index].get("expert_action"), infos[index].get("target_box")
            seen = observations[index]
            observation, reward, terminated, truncated, info = envs[index].step(reply.text)
            task, shaping, components = turn_reward(reply.text, reward, info, expert, box, weights)
            episodes[index].turns.append(Turn(
                chat, reply, task, shaping, components, screen=seen["image"], instruction=seen["instruction"],
                action=info.get("action"), parse_error=info.get("parse_error"), expert=expert,
            ))  # fmt: skip
            episodes[index].success = bool(info.get("success"))
            observations[index], infos[index] = observation, info
            if terminated or truncated:
                episodes[index].final_screen = observation["image"]
            else:
                still_live.append(index)
        live = still_live
    for index in live:  # cut off by max_turns
        episodes[index].final_screen = observations[index]["image"]
    for env in envs:
        env.close()
    return episodes
