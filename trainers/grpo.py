"""The GRPO-family trainer over multi-turn episodes: collect -> score -> advantages -> update -> log.

Each turn of an episode is one training sequence (its prompt, then the reply the model sampled);
all turns of an episode share the episode's advantage. GRPO, Dr.GRPO, RLOO, DAPO and CPPO are
config values (:class:`mmgym.trainers.config.GRPOConfig`), not subclasses.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import numpy as np
import torch

from mmgym.trainers.advantages import ESTIMATORS, cppo_keep, informative_groups, overlong_penalty
from mmgym.trainers.config import GRPOConfig
from mmgym.trainers.losses import clipped_policy_loss
from mmgym.trainers.policy import reply_logprobs, turn_batch
from mmgym.trainers.rollout import Episode, RewardWeights, collect
from mmgym.trainers.run import Run


def step_seeds(config: GRPOConfig, step: int, count: int, round_: int = 0) -> list[int]:
    """The env seeds of a step's groups, fixed by (seed, step, refill round): a resumed run
    collects on the same seeds as an uninterrupted one. Seeds from 10**6 to about 10**9 stay clear
    of evaluation seeds (below 10**6) and demonstrations (2 * 10**9 up)."""
    rng = np.random.default_rng([config.seed, step, round_])
    return (10**6 + rng.integers(0, 10**9, size=count)).tolist()


def collect_batch(run: Run, step: int) -> tuple[list[Episode], int]:
    """The step's episodes; with dynamic sampling, groups whose rewards are all equal are dropped
    and more groups collected (up to ``max_refills`` rounds). Returns the episodes and how many
    groups were dropped."""
    config = run.config
    groups = config.episodes_per_step // config.group_size
    weights = RewardWeights(config.format_weight, config.action_type_weight, config.action_args_weight,
                            config.gaussian_point_weight)
    max_turns = config.max_turns or run.make_env().spec.max_episode_steps or 1
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
    run = Run(config, resume)
    reference = None
    if config.kl_coef:
        reference = copy.deepcopy(run.model).eval().requires_grad_(False)
    for step in range(run.step, config.steps):
        started = time.perf_counter()
        episodes, dropped = collect_batch(run, step)
        rollout_seconds = time.perf_counter() - started
        run.step = step + 1
        metrics = _episode_metrics(episodes, rollout_seconds, dropped)
        if not episodes:
            report({"step": run.step, "skipped": "dynamic sampling found no group with differing rewards"})
            continue
        returns = _returns(episodes)
        advantages = ESTIMATORS[config.advantage](returns, config.group_size)
        keep = cppo_keep(advantages, config.group_size, config.cppo_keep) if config.cppo_keep else None
        turns, turn_advantages = [], []
        mean_turns = sum(len(e.turns) for e in episodes) / len(episodes)
        for index, episode in enumerate(episodes):
            if keep is None or keep[index]:
                turns += episode.turns
                # Each episode weighs the same however many turns it took: otherwise long failed
                # episodes outweigh short successes and push down what every turn shares (the
                # reply format itself).
                weight = mean_turns / len(episode.turns)
                turn_advantages += [advantages[index].item() * weight] * len(episode.turns)
        batch = turn_batch(run.agent, [t.chat for t in turns], [t.reply.token_ids for t in turns])
        mask = batch["reply_mask"]
        old = torch.zeros(mask.shape)
        for row, turn in enumerate(turns):
            old[row, :len(turn.reply.logprobs)] = torch.tensor(turn.reply.logprobs)
        ref = None
        if reference is not None:
            with torch.no_grad():
                ref = reply_logprobs(reference, batch, run.agent.temperature, run.agent.forbidden)
        if not (torch.isfinite(returns).all() and torch.isfinite(old[mask.bool()]).all()):
            report({"step": run.step, "skipped": f"non-finite reward or log-prob on seeds "
                                                 f"{sorted({e.seed for e in episodes})}"})  # fmt: skip
            continue
        for _ in range(config.iterations):
            logprobs = reply_logprobs(run.model, batch, run.agent.temperature, run.agent.forbidden)
            result = clipped_policy_loss(
                logprobs, old, torch.tensor(turn_advantages), mask, eps_low=config.eps_low,
                eps_high=config.eps_high, aggregation=config.aggregation, max_tokens=config.max_new_tokens,
                ref_logprobs=ref, kl_coef=config.kl_coef, kl_estimator=config.kl_estimator,
            )  # fmt: skip
            if not torch.isfinite(result.loss):
                report({"step": run.step, "skipped": f"non-finite loss on seeds "
                                                     f"{sorted({e.seed for e in episodes})}"})  # fmt: skip
                run.optimizer.zero_grad(set_to_none=True)
                break
            result.loss.backward()
            metrics["grad_norm"] = run.optimizer_step()
        metrics.update(loss=result.loss.item(), clip_fraction=result.clip_fraction.item(),
                       kl=result.kl.item(), seconds=time.perf_counter() - started)  # fmt: skip
        run.log(metrics)
        report({"step": run.step, **metrics})
        run.maybe_save()
    return run


def _episode_metrics(episodes: list[Episode], rollout_seconds: float, dropped: int) -> dict[str, float]:
    turns = [turn for episode in episodes for turn in episode.turns]
    tokens = sum(len(turn.reply.token_ids) for turn in turns)
    return {
        "reward": float(np.mean([e.total_reward for e in episodes])) if episodes else 0.0,
        "success": float(np.mean([e.success for e in episodes])) if episodes else 0.0,
        "format": float(np.mean([t.components["format"] for t in turns])) if turns else 0.0,
        "turns_per_episode": len(turns) / max(1, len(episodes)),
        "rollout_tokens_per_second": tokens / max(rollout_seconds, 1e-9),
        "dropped_groups": dropped,
    }
