"""What the online RL trainers (GRPO and PPO families) share: training seeds, collection limits,
the reward weights, the KL reference, the sampling policy's log-probs and the episode metrics."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import gymnasium as gym
import numpy as np
import torch

from mmgym.rundir import turn_record
from mmgym.trainers.config import RLConfig
from mmgym.trainers.policy import reply_logprobs
from mmgym.trainers.rollout import Episode, RewardWeights, Turn
from mmgym.trainers.run import Run


def step_seeds(config: RLConfig, step: int, count: int, round_: int = 0) -> list[int]:
    """The env seeds of a step's episodes (or groups), fixed by (seed, step, round): a resumed run
    collects on the same seeds as an uninterrupted one. Seeds from 10**6 to about 10**9 stay clear
    of evaluation seeds (below 10**6) and demonstrations (2 * 10**9 up)."""
    rng = np.random.default_rng([config.seed, step, round_])
    return (10**6 + rng.integers(0, 10**9, size=count)).tolist()


def reward_weights(config: RLConfig) -> RewardWeights:
    return RewardWeights(config.format_weight, config.action_type_weight, config.action_args_weight,
                         config.gaussian_point_weight)  # fmt: skip


def turn_limit(config: RLConfig) -> int:
    """Turns per episode: the config's, else the env's registered step limit."""
    return config.max_turns or gym.spec(config.env).max_episode_steps or 1


#: A batch (:func:`mmgym.trainers.policy.turn_batch`) -> its reply log-probs under the reference.
Reference = Callable[[dict], torch.Tensor]


def reference_policy(run: Run) -> Reference | None:
    """Reply log-probs under the starting policy, for the KL term (None without one): under LoRA
    the policy with its adapters switched off, else a frozen copy of the starting model."""
    if not run.config.kl_coef:
        return None
    agent = run.agent
    frozen = None if run.config.lora_rank else copy.deepcopy(run.model).eval().requires_grad_(False)

    @torch.no_grad()
    def logprobs(batch: dict) -> torch.Tensor:
        if frozen is not None:
            return reply_logprobs(frozen, batch, agent.temperature, agent.forbidden)
        with run.model.disable_adapter():
            return reply_logprobs(run.model, batch, agent.temperature, agent.forbidden)

    return logprobs


def sampled_logprobs(turns: list[Turn], mask: torch.Tensor) -> torch.Tensor:
    """``(B, R)`` the sampling policy's log-probs of each reply token, as the rollout returned them."""
    old = torch.zeros(mask.shape)
    for row, turn in enumerate(turns):
        old[row, :len(turn.reply.logprobs)] = torch.tensor(turn.reply.logprobs)
    return old


def sampler_correction(config: RLConfig, logprobs: torch.Tensor, sampled: torch.Tensor, mask: torch.Tensor,
                       metrics: dict[str, float]) -> tuple[torch.Tensor, torch.Tensor | None]:  # fmt: skip
    """At a batch's first pass, where the policy is still the one that sampled: the log-probs the
    ratio starts from, and per-token importance weights (None: all 1).

    The sampler (HF generate, or vLLM) computes ``log pi`` with other kernels than the trainer's
    forward, so for the same weights its log-probs can differ; ``sampler_logprob_gap`` logs the
    mean ``|log pi_trainer - log pi_sampler|`` over reply tokens. With ``tis_cap`` 0 the ratio starts
    from the sampler's log-probs. Otherwise truncated importance sampling (Yao et al., 2025, "Your
    Efficient RL Framework Secretly Brings You Off-Policy RL Training"): the ratio starts from the
    trainer's own log-probs and each token's surrogate is weighted by
    ``min(pi_trainer / pi_sampler, tis_cap)``, correcting for the tokens coming from the sampler.
    """
    trainer, model_tokens = logprobs.detach(), mask.bool()
    gap = (trainer - sampled)[model_tokens].abs()
    metrics["sampler_logprob_gap"] = gap.mean().item() if gap.numel() else 0.0
    if not config.tis_cap:
        return sampled, None
    return trainer, (trainer - sampled).exp().clamp(max=config.tis_cap) * model_tokens


def episode_metrics(episodes: list[Episode], rollout_seconds: float) -> dict[str, float]:
    turns = [turn for episode in episodes for turn in episode.turns]
    tokens = sum(len(turn.reply.token_ids) for turn in turns)
    return {
        "reward": float(np.mean([e.total_reward for e in episodes])) if episodes else 0.0,
        "success": float(np.mean([e.success for e in episodes])) if episodes else 0.0,
        "format": float(np.mean([t.components["format"] for t in turns])) if turns else 0.0,
        "turns_per_episode": len(turns) / max(1, len(episodes)),
        "rollout_tokens_per_second": tokens / max(rollout_seconds, 1e-9),
        **{f"reward/{name}": float(np.mean([t.components.get(name, 0.0) for t in turns]))
           for name in sorted({name for turn in turns for name in turn.components})},
    }  # fmt: skip


def save_trajectories(run: Run, episodes: list[Episode]) -> None:
    """Every ``trajectories_every`` steps (and at step 1), ``trajectories_per_step`` of the step's
    episodes, spread over its groups, into the run directory."""
    config = run.config
    every, count = config.trajectories_every, min(config.trajectories_per_step, len(episodes))
    if not (every and count) or not (run.step == 1 or run.step % every == 0):
        return
    for rank in range(count):
        episode = episodes[rank * len(episodes) // count]
        record = {"env": config.env, "agent": config.model, "seed": episode.seed, "step": run.step,
                  "success": episode.success, "return": episode.total_reward, "embodied": run.agent.skills,
                  "turns": [_turn_record(turn) for turn in episode.turns]}  # fmt: skip
        run.files.save_episode(f"step_{run.step:06d}/episode_{rank:02d}", record,
                               [turn.screen for turn in episode.turns], episode.final_screen)  # fmt: skip


def _turn_record(turn: Turn) -> dict:
    return turn_record(turn.instruction, turn.reply.text, turn.action, turn.parse_error, turn.expert,
                       turn.task + turn.shaping, turn.components, turn.reply.error)  # fmt: skip


Report = Callable[[dict], None]


def end_step(run: Run, episodes: list[Episode], metrics: dict[str, float], problem: str | None,
             started: float, report: Report, *optimizers: torch.optim.Optimizer) -> None:  # fmt: skip
    """Log and report the step's metrics, or report why it was skipped (with its seeds) and drop
    the gradients it left in ``optimizers``; save sampled trajectories and checkpoint if due."""
    save_trajectories(run, episodes)
    if problem is not None:
        seeds = sorted({episode.seed for episode in episodes})
        report({"step": run.step, "skipped": f"{problem} (seeds {seeds})" if seeds else problem})
        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
    else:
        metrics["seconds"] = time.perf_counter() - started
        run.log(metrics)
        report({"step": run.step, **metrics})
    run.maybe_save()
