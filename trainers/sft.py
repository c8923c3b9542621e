"""SFT cold start: imitate the oracle's replies, with the loss on reply tokens only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from mmgym.agents.base import Reply
from mmgym.agents.prompts import demonstration_reply
from mmgym.trainers.config import SFTConfig
from mmgym.trainers.policy import reply_logprobs, turn_batch
from mmgym.trainers.run import Run


def demonstrations(agent: Any, make_env: Callable[[], gym.Env], seeds: Iterable[int],
                   max_turns: int = 16) -> list[tuple[list[dict], tuple[int, ...]]]:  # fmt: skip
    """``(chat, reply token ids)`` for every turn of the oracle's episodes on ``seeds``, with the
    chats built exactly as the agent builds them when it acts."""
    end = agent.tokenizer.convert_tokens_to_ids("<|im_end|>")
    turns = []
    slot = -1  # a slot of the agent's own: demonstrations never touch the slots it acts in
    for seed in seeds:
        env = make_env()
        observation, info = env.reset(seed=seed)
        agent.reset(slot)
        for _ in range(max_turns):
            expert = info["expert_action"]
            if expert is None:
                break
            chat = agent.prompts_for([slot], [observation])[0]
            text = demonstration_reply(expert)
            ids = tuple(agent.tokenizer(text, add_special_tokens=False)["input_ids"]) + (end,)
            turns.append((chat, ids))
            agent.record(slot, Reply(text, ids))
            observation, _, terminated, truncated, info = env.step(expert)
            if terminated or truncated:
                break
        env.close()
    return turns


#: Demonstrations come from seeds from here up, clear of the evaluation seeds (0 up) and the GRPO
#: training seeds (10**6 up, see :func:`mmgym.trainers.online.step_seeds`).
DEMO_SEEDS = 2 * 10**9


def train_sft(config: SFTConfig, resume: bool = False, report: Callable[[dict], None] = print) -> Run:
    run = Run(config, resume)
    demos = demonstrations(run.agent, run.make_env, range(DEMO_SEEDS, DEMO_SEEDS + config.episodes))
    for step in range(run.step, config.steps):
        batch_turns = [demos[i] for i in _batch_indices(config, len(demos), step)]
        batch = turn_batch(run.agent, [chat for chat, _ in batch_turns], [ids for _, ids in batch_turns])
        mask = batch["reply_mask"].float()
        logprobs = reply_logprobs(run.model, batch, 1.0, run.agent.forbidden)
        loss = -(logprobs * mask).sum() / mask.sum()
        run.step = step + 1
        if not torch.isfinite(loss):
            report({"step": run.step, "skipped": f"non-finite loss {loss.item()} on demos "
                                                 f"{_batch_indices(config, len(demos), step)}"})  # fmt: skip
            run.optimizer.zero_grad(set_to_none=True)
            continue
        loss.backward()
        norm = run.optimizer_step()
        metrics = {"loss": loss.item(), "grad_norm": norm, "lr": run.schedule.get_last_lr()[0]}
        run.log(metrics)
        report({"step": run.step, **metrics})
        run.maybe_save()
    return run


def _batch_indices(config: SFTConfig, count: int, step: int) -> list[int]:
    """The demos of ``step``: epoch-wise shuffles fixed by the seed, so a resumed run sees the
    same batches as an uninterrupted one."""
    per_epoch = max(1, count // config.batch_size)
    epoch, offset = divmod(step, per_epoch)
    order = np.random.default_rng([config.seed, epoch]).permutation(count)
    return order[offset * config.batch_size:(offset + 1) * config.batch_size].tolist()
