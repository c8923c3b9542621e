"""Multi-turn rollouts: groups of episodes per env seed, stepped in lockstep with batched replies.

This is the collector seam of the design: give it a policy (an agent) and seeds, get episodes back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from mmgym.agents.base import Reply
from mmgym.envs.text_actions import TextActions
from mmgym.rewards import action_type_reward, coordinate_in_box_reward, gaussian_point_reward


@dataclass
class Turn:
    """One reply in an episode: the chat it answered, the reply, and what it earned."""

    chat: list[dict[str, Any]]
    reply: Reply
    reward: float
    components: dict[str, float]


@dataclass
class Episode:
    seed: int
    turns: list[Turn] = field(default_factory=list)
    success: bool = False

    @property
    def total_reward(self) -> float:
        return sum(turn.reward for turn in self.turns)


@dataclass(frozen=True)
class RewardWeights:
    """Per-turn reward = task reward + these weights times the reply's format / UI-R1 scores."""

    format: float = 0.0
    action_type: float = 0.0
    action_args: float = 0.0
    gaussian_point: float = 0.0


def turn_reward(reply: str, env_reward: float, info: dict[str, Any], expert: Any, box: Any,
                weights: RewardWeights) -> tuple[float, dict[str, float]]:  # fmt: skip
    """The shaped reward of one turn and its named components."""
    components = {"task": float(env_reward), "format": float(info["reward_components"]["format"])}
    if expert is not None:
        components["action_type"] = action_type_reward([reply], expert_action=[expert])[0]
        components["action_args"] = coordinate_in_box_reward([reply], bbox=[box])[0] if box else 0.0
        components["gaussian_point"] = gaussian_point_reward([reply], bbox=[box])[0] if box else 0.0
    total = (components["task"] + weights.format * components["format"]
             + weights.action_type * components.get("action_type", 0.0)
             + weights.action_args * components.get("action_args", 0.0)
             + weights.gaussian_point * components.get("gaussian_point", 0.0))  # fmt: skip
    return total, components


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
            observation, reward, terminated, truncated, info = envs[index].step(reply.text)
            total, components = turn_reward(reply.text, reward, info, expert, box, weights)
            episodes[index].turns.append(Turn(chat, reply, total, components))
            episodes[index].success = bool(info.get("success"))
            observations[index], infos[index] = observation, info
            if not (terminated or truncated):
                still_live.append(index)
        live = still_live
    for env in envs:
        env.close()
    return episodes
