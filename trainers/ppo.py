"""The PPO-family trainer over multi-turn episodes: collect -> values -> GAE -> update -> log.

Each turn of an episode is one training sequence (its prompt, then the reply the model sampled).
For advantage estimation the turns are laid out episode-major (:func:`episode_major`), so GAE runs
over each episode's stream of model tokens, over its turns, or both (:mod:`mmgym.trainers.gae`).
A turn earns its task reward plus its shaping averaged over the episode's turns, so an episode's
undiscounted return is the same :attr:`~mmgym.trainers.rollout.Episode.total_reward` GRPO scores.

Vanilla PPO, VC-PPO (value pretraining, decoupled lambdas), VAPO's length-adaptive lambda,
VAGEN's turn-level and bi-level GAE and Open-Reasoner-Zero's setting are values of
:class:`mmgym.trainers.config.PPOConfig`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from mmgym.trainers.config import PPOConfig
from mmgym.trainers.critic import Critic
from mmgym.trainers.gae import GAE_ESTIMATORS, GAEParams, whiten
from mmgym.trainers.losses import ValueLoss, clipped_policy_loss, clipped_value_loss
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
from mmgym.trainers.rollout import Episode, collect
from mmgym.trainers.run import Run

#: The refill-round slot of :func:`mmgym.trainers.online.step_seeds` that value pretraining uses,
#: so its episodes never repeat a training step's.
PRETRAIN_ROUND = 2**20


class Targets(NamedTuple):
    """A batch's turns with what PPO trains them towards; ``(B, R)`` tensors, one row per turn."""

    batch: dict
    old_logprobs: Tensor
    old_values: Tensor
    advantages: Tensor
    returns: Tensor
    value_mask: Tensor  # where a value is trained: every model token, or each turn's first


def train_ppo(config: PPOConfig, resume: bool = False, report: Callable[[dict], None] = print) -> Run:
    """Value pretraining (if asked), then collect -> values -> GAE -> update -> log, ``steps`` times."""
    run = Run(config, resume, parts={"critic": Critic})
    critic: Critic = run.parts["critic"]
    reference = reference_policy(run)
    if not critic.pretrained:
        pretrain_critic(run, critic, report)
    for step in range(run.step, config.steps):
        started = time.perf_counter()
        episodes = collect(run.agent, run.make_env, step_seeds(config, step, config.episodes_per_step), 1,
                           turn_limit(config), reward_weights(config))  # fmt: skip
        metrics = episode_metrics(episodes, time.perf_counter() - started)
        run.step = step + 1
        targets = estimate(run, critic, episodes)
        problem = _update(run, critic, targets, reference, metrics)
        end_step(run, episodes, metrics, problem, started, report, run.optimizer, critic.optimizer)
    return run


def pretrain_critic(run: Run, critic: Critic, report: Callable[[dict], None]) -> None:
    """VC-PPO's value pretraining (Yuan et al., 2025, "What's Behind PPO's Collapse in Long-CoT?
    Value Optimization Holds the Secret", sec. 4.1): before any policy update, fit the critic on
    ``value_pretrain_steps`` batches of the starting policy's episodes, towards the targets of
    ``critic_lam`` (1.0: Monte-Carlo returns), so that the first advantages do not come from an
    untrained value. The policy does not change."""
    config = run.config
    for step in range(config.value_pretrain_steps):
        seeds = step_seeds(config, step, config.episodes_per_step, PRETRAIN_ROUND)
        episodes = collect(run.agent, run.make_env, seeds, 1, turn_limit(config), reward_weights(config))
        targets = estimate(run, critic, episodes)
        if targets is None:
            report({"value_pretrain_step": step + 1, "skipped": "non-finite reward"})
            continue
        with torch.no_grad():  # the policy does not change here: its states serve every pass
            states = _policy_states(run, critic, targets.batch)
        for _ in range(config.iterations):
            value = _value_loss(critic, targets, states)
            value.loss.backward()
            norm = critic.step()
        row = {"value_pretrain_step": step + 1, "value_loss": value.loss.item(), "critic_grad_norm": norm}
        run.log(row)
        report(row)
    critic.pretrained = True


def estimate(run: Run, critic: Critic, episodes: list[Episode]) -> Targets | None:
    """The batch of every turn, the critic's values of it, and GAE's advantages (the policy's
    lambdas, whitened if asked) and returns (the critic's lambda); None if a reward is not finite."""
    config: PPOConfig = run.config
    turns = [turn for episode in episodes for turn in episode.turns]
    counts = [len(episode.turns) for episode in episodes]
    batch = turn_batch(run.agent, [t.chat for t in turns], [t.reply.token_ids for t in turns])
    mask = batch["reply_mask"].float()
    rewards = turn_rewards(episodes, mask)
    if not torch.isfinite(rewards).all():
        return None
    with torch.no_grad():
        values = critic.values(batch, _policy_states(run, critic, batch)) * mask
    gae = GAE_ESTIMATORS[config.gae]
    params = GAEParams(config.gamma, config.lam, config.turn_gamma, config.turn_lam, config.lam_alpha)
    laid_out = [episode_major(x, counts) for x in (rewards, values, mask)]
    advantages, _ = gae(*laid_out, params)
    _, returns = gae(*laid_out, params.for_critic(None if config.critic_lam == -1 else config.critic_lam))
    advantages, returns = turn_major(advantages, counts), turn_major(returns, counts)
    if config.whiten_advantages:
        advantages = whiten(advantages, mask)
    value_mask = mask
    if config.gae == "turn":  # one value per turn, read at its first token
        value_mask = torch.zeros_like(mask)
        value_mask[:, 0] = 1
    return Targets(batch, sampled_logprobs(turns, mask), values, advantages, returns, value_mask)


def turn_rewards(episodes: list[Episode], mask: Tensor) -> Tensor:
    """``(B, R)``: each turn's reward on its last reply token, 0 elsewhere. A turn earns its task
    reward and its shaping divided by its episode's turns, so that shaping paid every turn does
    not reward a long episode (as in :attr:`~mmgym.trainers.rollout.Episode.total_reward`)."""
    rewards = torch.zeros(mask.shape)
    row = 0
    for episode in episodes:
        for turn in episode.turns:
            rewards[row, len(turn.reply.token_ids) - 1] = turn.task + turn.shaping / len(episode.turns)
            row += 1
    return rewards


def _slots(counts: list[int]) -> tuple[Tensor, Tensor]:
    """For each turn row, its episode and its turn within the episode."""
    episodes = torch.tensor([e for e, count in enumerate(counts) for _ in range(count)], dtype=torch.long)
    turns = torch.tensor([k for count in counts for k in range(count)], dtype=torch.long)
    return episodes, turns


def episode_major(rows: Tensor, counts: list[int]) -> Tensor:
    """``(B, R)`` turn rows, episode after episode -> ``(E, K, R)``, zero-padded to ``K`` turns.

    >>> episode_major(torch.tensor([[1], [2], [3]]), [2, 1]).tolist()
    [[[1], [2]], [[3], [0]]]
    """
    episodes, turns = _slots(counts)
    laid_out = rows.new_zeros((len(counts), max(counts, default=0), rows.shape[1]))
    laid_out[episodes, turns] = rows
    return laid_out


def turn_major(laid_out: Tensor, counts: list[int]) -> Tensor:
    """The inverse of :func:`episode_major`: ``(E, K, R)`` -> ``(B, R)``."""
    episodes, turns = _slots(counts)
    return laid_out[episodes, turns]


def _policy_states(run: Run, critic: Critic, batch: dict) -> Tensor | None:
    """The policy's hidden states for a critic head on it; None for a separate critic model."""
    if critic.backbone is not None:
        return None
    return reply_forward(run.model, batch, run.agent.temperature, run.agent.forbidden, hidden=True)[2]


def _value_loss(critic: Critic, targets: Targets, policy_states: Tensor | None) -> ValueLoss:
    values = critic.values(targets.batch, policy_states)
    clip = critic.config.value_clip
    return clipped_value_loss(values, targets.old_values, targets.returns, targets.value_mask, clip)


def _update(run: Run, critic: Critic, targets: Targets | None, reference: Reference | None,
            metrics: dict[str, float]) -> str | None:  # fmt: skip
    """``iterations`` passes over the batch, each one optimizer step of the policy and of the
    critic on ``policy loss + value_coef * value loss``; returns why it was skipped, if it was."""
    if targets is None:
        return "non-finite reward"
    config: PPOConfig = run.config
    agent, batch = run.agent, targets.batch
    mask = batch["reply_mask"]
    if not torch.isfinite(targets.old_logprobs[mask.bool()]).all():
        return "non-finite log-prob"
    ref = reference(batch) if reference is not None else None
    for iteration in range(config.iterations):
        logprobs, entropy, states = reply_forward(run.model, batch, agent.temperature, agent.forbidden,
                                                  hidden=critic.backbone is None,
                                                  entropy=iteration == 0)  # fmt: skip
        if iteration == 0:
            metrics["entropy"] = mean_entropy(entropy, mask)
            old, weights = sampler_correction(config, logprobs, targets.old_logprobs, mask, metrics)
        policy = clipped_policy_loss(
            logprobs, old, targets.advantages, mask, eps_low=config.eps_low,
            eps_high=config.eps_high, aggregation=config.aggregation, max_tokens=config.max_new_tokens,
            ref_logprobs=ref, kl_coef=config.kl_coef, kl_estimator=config.kl_estimator, token_weights=weights,
        )  # fmt: skip
        value = _value_loss(critic, targets, states)
        loss = policy.loss + config.value_coef * value.loss
        if not torch.isfinite(loss):
            return "non-finite loss"
        loss.backward()
        metrics["grad_norm"] = run.optimizer_step()
        metrics["critic_grad_norm"] = critic.step()
    explained = explained_variance(targets.old_values, targets.returns, targets.value_mask)
    metrics.update(loss=policy.loss.item(), clip_fraction=policy.clip_fraction.item(), kl=policy.kl.item(),
                   value_loss=value.loss.item(), value_clip_fraction=value.clip_fraction.item(),
                   explained_variance=explained)  # fmt: skip
    return None


def explained_variance(values: Tensor, returns: Tensor, mask: Tensor) -> float:
    """``1 - Var(R - V) / Var(R)`` over ``mask``: 1 is a perfect critic, 0 no better than a
    constant, below 0 worse than one."""
    inside = mask.bool()
    target = returns[inside]
    if target.numel() < 2 or target.var() < 1e-8:  # returns all equal (up to rounding): nothing to explain
        return 0.0
    return float(1 - (target - values[inside]).var() / target.var())
