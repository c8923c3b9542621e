"""The GRPO-family trainer over multi-turn episodes: collect -> score -> advantages -> update -> log.

Each turn of an episode is one training sequence (its prompt, then the reply the model sampled);
all turns of an episode share the episode's advantage. GRPO, Dr.GRPO, RLOO, DAPO and CPPO are
config values (:class:`mmgym.trainers.config.GRPOConfig`), not subclasses.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from mmgym.trainers.advantages import ESTIMATORS, cppo_keep, informative_groups, overlong_penalty, per_turn
from mmgym.trainers.config import GRPOConfig
from mmgym.trainers.losses import clipped_policy_loss
from mmgym.trainers.online import (
    Reference,
    end_step,
    episode_metrics,
    reference_policy,
    reward_weights,
    sampled_logprobs,
    sampler_correction,
    step_seeds,
    turn_limit,
)
from mmgym.trainers.policy import mean_entropy, reply_forward, turn_batch
from mmgym.trainers.rollout import Episode, Turn, collect
from mmgym.trainers.run import Run


def collect_batch(run: Run, step: int) -> tuple[list[Episode], int]:
    """The step's episodes; with dynamic sampling, groups whose rewards are all equal are dropped
    and more groups collected (up to ``max_refills`` rounds). Returns the episodes and how many
    groups were dropped."""
    config = run.config
    groups = config.episodes_per_step // config.group_size
    weights, max_turns = reward_weights(config), turn_limit(config)
    kept: list[Episode] = []
    dropped = 0
    for round_ in range(1 + (config.max_refills if config.dynamic_sampling else 0)):
        needed = groups - len(kept) // config.group_size
        if needed == 0:
            break
        seeds = step_seeds(config, step, needed, round_)
        episodes = collect(run.agent, run.make_env, seeds, config.group_size, max_turns, weights)
        _shape_overlong(config, episodes)
        if not config.dynamic_sampling:
            return episodes, 0
        informative = informative_groups(_returns(episodes), config.group_size).tolist()
        for group, keep in enumerate(informative):
            members = episodes[group * config.group_size:(group + 1) * config.group_size]
            kept += members if keep else []
            dropped += not keep
    return kept, dropped


def _shape_overlong(config: GRPOConfig, episodes: list[Episode]) -> None:
    if not config.overlong_buffer:
        return
    for episode in episodes:
        for turn in episode.turns:
            length = torch.tensor([len(turn.reply.token_ids)])
            penalty = overlong_penalty(length, config.max_new_tokens, config.overlong_buffer).item()
            turn.shaping += penalty
            turn.components["overlong"] = penalty


def _returns(episodes: list[Episode]) -> torch.Tensor:
    return torch.tensor([episode.total_reward for episode in episodes], dtype=torch.float32)


def train_grpo(config: GRPOConfig, resume: bool = False, report: Callable[[dict], None] = print) -> Run:
    """Collect -> score -> advantages -> update -> log, ``config.steps`` times."""
    run = Run(config, resume)
    reference = reference_policy(run)
    for step in range(run.step, config.steps):
        started = time.perf_counter()
        episodes, dropped = collect_batch(run, step)
        metrics = {**episode_metrics(episodes, time.perf_counter() - started), "dropped_groups": dropped}
        run.step = step + 1
        problem = "dynamic sampling found no group with differing rewards" if not episodes else None
        if problem is None:
            turns, advantages = turn_advantages(config, episodes)
            batch = turn_batch(run.agent, [t.chat for t in turns], [t.reply.token_ids for t in turns])
            problem = _update(run, batch, turns, advantages, reference, metrics)
        end_step(run, episodes, metrics, problem, started, report, run.optimizer)
    return run


def turn_advantages(config: GRPOConfig, episodes: list[Episode]) -> tuple[list[Turn], torch.Tensor]:
    """The turns to train on and each one's advantage, after CPPO's pruning of episodes.

    Episode credit: every turn carries its episode's advantage from the group estimator, and
    every episode weighs the same however many turns it took (otherwise long failed episodes
    outweigh short successes and push down what every turn shares, the reply format itself).
    Turn credit: :func:`mmgym.trainers.advantages.per_turn` on each turn's return from that turn on.
    """
    advantages = ESTIMATORS[config.advantage](_returns(episodes), config.group_size)
    keep = cppo_keep(advantages, config.group_size, config.cppo_keep) if config.cppo_keep else None
    if config.credit == "turn":
        per_episode = per_turn([_returns_to_go(e) for e in episodes], config.group_size, config.advantage)
    else:
        mean_turns = sum(len(e.turns) for e in episodes) / len(episodes)
        per_episode = [advantages[i].expand(len(e.turns)) * mean_turns / len(e.turns)
                       for i, e in enumerate(episodes)]  # fmt: skip
    turns, per_turn_advantages = [], []
    for index, episode in enumerate(episodes):
        if keep is None or keep[index]:
            turns += episode.turns
            per_turn_advantages.append(per_episode[index])
    return turns, torch.cat(per_turn_advantages) if turns else torch.zeros(0)


def _returns_to_go(episode: Episode) -> list[float]:
    """Each turn's return: the task rewards from it on, plus its own shaping."""
    to_go, later = [], 0.0
    for turn in reversed(episode.turns):
        later += turn.task
        to_go.append(later + turn.shaping)
    return to_go[::-1]


def _update(run: Run, batch: dict, turns: list[Turn], advantages: torch.Tensor, reference: Reference | None,
            metrics: dict[str, float]) -> str | None:  # fmt: skip
    """``iterations`` optimizer steps on the batch; returns why it was skipped, if it was."""
    config, agent = run.config, run.agent
    mask = batch["reply_mask"]
    sampled = sampled_logprobs(turns, mask)
    if not (torch.isfinite(advantages).all() and torch.isfinite(sampled[mask.bool()]).all()):
        return "non-finite reward or log-prob"
    ref = reference(batch) if reference is not None else None
    for iteration in range(config.iterations):
        logprobs, entropy, _ = reply_forward(run.model, batch, agent.temperature, agent.forbidden,
                                             entropy=iteration == 0)  # fmt: skip
        if iteration == 0:
            metrics["entropy"] = mean_entropy(entropy, mask)
            old, weights = sampler_correction(config, logprobs, sampled, mask, metrics)
        result = clipped_policy_loss(
            logprobs, old, advantages, mask, eps_low=config.eps_low, eps_high=config.eps_high,
            aggregation=config.aggregation, max_tokens=config.max_new_tokens, ref_logprobs=ref,
            kl_coef=config.kl_coef, kl_estimator=config.kl_estimator, token_weights=weights,
        )  # fmt: skip
        if not torch.isfinite(result.loss):
            return "non-finite loss"
        result.loss.backward()
        metrics["grad_norm"] = run.optimizer_step()
    metrics.update(loss=result.loss.item(), clip_fraction=result.clip_fraction.item(), kl=result.kl.item())
    return None
