"""The policy's log-probabilities of reply tokens, for training: prompt and reply in one forward.

Prompts are re-encoded from their chats (the environment's text and images); replies enter as the
token ids the model sampled, never re-tokenised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from mmgym.agents.hf import token_logprobs


def turn_batch(agent: Any, chats: Sequence[list[dict[str, Any]]], replies: Sequence[Sequence[int]]) -> dict:
    """One padded batch: left-padded prompts, then each reply's tokens, right-padded.

    Returns the model inputs plus ``reply_ids (B, R)`` and ``reply_mask (B, R)`` (1 on reply tokens).
    """
    inputs = agent.encode(chats)
    pad = agent.tokenizer.pad_token_id
    length = max(len(reply) for reply in replies)
    reply_ids = torch.full((len(replies), length), pad, dtype=torch.long)
    reply_mask = torch.zeros((len(replies), length), dtype=torch.long)
    for row, reply in enumerate(replies):
        reply_ids[row, :len(reply)] = torch.tensor(reply, dtype=torch.long)
        reply_mask[row, :len(reply)] = 1
    inputs["input_ids"] = torch.cat([inputs["input_ids"], reply_ids], dim=1)
    inputs["attention_mask"] = torch.cat([inputs["attention_mask"], reply_mask], dim=1)
    if "mm_token_type_ids" in inputs:  # text over the reply, or M-RoPE positions come out wrong
        types = inputs["mm_token_type_ids"]
        inputs["mm_token_type_ids"] = torch.cat([types, torch.zeros_like(reply_ids)], dim=1)
    return {"inputs": inputs, "reply_ids": reply_ids, "reply_mask": reply_mask}


def reply_logprobs(model: torch.nn.Module, batch: dict, temperature: float,
                   forbidden: Sequence[int]) -> Tensor:  # fmt: skip
    """``(B, R)`` log-probabilities of the reply tokens, 0 past each reply's end."""
    reply_ids = batch["reply_ids"]
    length = reply_ids.shape[1]
    # The logits at the last prompt position and every reply position but the last predict the reply.
    logits = model(**batch["inputs"], logits_to_keep=length + 1).logits[:, :-1]
    logprobs = token_logprobs(logits, reply_ids, temperature, forbidden)
    # Padding is a forbidden token (log-prob -inf): zero it here, where its gradient is zero too,
    # so no NaN (0 * inf) reaches a loss.
    return torch.where(batch["reply_mask"].bool(), logprobs, 0.0)
