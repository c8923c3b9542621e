"""The policy's log-probabilities of reply tokens, for training.

Prompts are re-encoded from their chats (the environment's text and images), each distinct one
run once (:mod:`mmgym.agents.decode`); replies enter as the token ids the model sampled, never
re-tokenised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from mmgym.agents.decode import forward_replies, log_policy, token_entropy


def turn_batch(agent: Any, chats: Sequence[list[dict[str, Any]]], replies: Sequence[Sequence[int]]) -> dict:
    """One batch: the distinct prompts (left-padded model inputs), each turn's prompt row, and the
    replies right-padded.

    Returns ``inputs``, ``rows (B,)``, ``reply_ids (B, R)`` and ``reply_mask (B, R)`` (1 on reply tokens).
    """
    inputs, rows = agent.encode(chats)
    length = max(len(reply) for reply in replies)
    reply_ids = torch.full((len(replies), length), agent.tokenizer.pad_token_id, dtype=torch.long)
    reply_mask = torch.zeros((len(replies), length), dtype=torch.long)
    for row, reply in enumerate(replies):
        reply_ids[row, :len(reply)] = torch.tensor(reply, dtype=torch.long)
        reply_mask[row, :len(reply)] = 1
    return {"inputs": inputs, "rows": rows, "reply_ids": reply_ids, "reply_mask": reply_mask}


def reply_logprobs(model: torch.nn.Module, batch: dict, temperature: float,
                   forbidden: Sequence[int]) -> Tensor:  # fmt: skip
    """``(B, R)`` log-probabilities of the reply tokens, 0 past each reply's end."""
    return reply_forward(model, batch, temperature, forbidden)[0]


def reply_forward(model: torch.nn.Module, batch: dict, temperature: float, forbidden: Sequence[int],
                  hidden: bool = False,
                  entropy: bool = False) -> tuple[Tensor, Tensor | None, Tensor | None]:  # fmt: skip
    """:func:`reply_logprobs`; with ``entropy`` the policy's entropy ``(B, R)`` at each reply token
    (no gradient; from the same log-softmax); with ``hidden`` the last layer's states ``(B, R, H)``
    before each reply token (where a value head on the policy reads its values)."""
    logits, states = forward_replies(model, batch["inputs"], batch["rows"], batch["reply_ids"], hidden=hidden)
    policy = log_policy(logits, temperature, forbidden)  # (B, R, V)
    logprobs = policy.gather(-1, batch["reply_ids"].unsqueeze(-1)).squeeze(-1)
    # Padding is a forbidden token (log-prob -inf): zero it here, where its gradient is zero too,
    # so no NaN (0 * inf) reaches a loss.
    model_tokens = batch["reply_mask"].bool()
    entropies = torch.where(model_tokens, token_entropy(policy), 0.0) if entropy else None
    return torch.where(model_tokens, logprobs, 0.0), entropies, states


def mean_entropy(entropy: Tensor, mask: Tensor) -> float:
    """The mean entropy over reply tokens."""
    return (entropy * mask).sum().item() / max(1, int(mask.sum()))
