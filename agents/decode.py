"""Sampling and scoring replies with each distinct prompt run through the model once.

The G episodes of a GRPO group start from the same screen, so their first prompts are identical,
and a prompt (system text, screenshot, instruction) is many times longer than a reply. Both the
rollout and the training forward therefore run every distinct prompt once, keep its key/value
cache, and continue each reply from a copy of it (rows index into the distinct prompts). Gradients
reach the prompt through the copies, summed over the rows that share it, exactly as if each row
had been run on its own.

Positions: replies continue the prompt's text positions. For M-RoPE models (Qwen2-VL,
Qwen2.5-VL) the prompt's 3-D positions come from the model's own ``get_rope_index`` and every
text token after it sits at ``max + 1, max + 2, ...`` on all three axes; other models count
unpadded tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor


def token_logprobs(logits: Tensor, tokens: Tensor, temperature: float, forbidden: Sequence[int]) -> Tensor:
    """``log pi(token)`` under the sampling policy, ``softmax(logits / temperature)`` with the
    forbidden tokens removed: the same function scores a token at sampling and at training time.

    Shapes: ``logits (B, T, V)``, ``tokens (B, T)`` -> ``(B, T)``.
    """
    return log_policy(logits, temperature, forbidden).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)


def token_entropy(log_policy: Tensor) -> Tensor:
    """``(B, T)`` entropy of a :func:`log_policy` ``(B, T, V)``, without gradient (a metric: a
    policy whose entropy collapses has stopped exploring)."""
    with torch.no_grad():
        return -(log_policy.exp() * log_policy.clamp(min=torch.finfo(log_policy.dtype).min)).sum(-1)


def log_policy(logits: Tensor, temperature: float, forbidden: Sequence[int]) -> Tensor:
    """``(B, T, V)`` log-probabilities of the policy :func:`token_logprobs` scores under."""
    scaled = logits.float() / temperature
    if forbidden:
        scaled[..., list(forbidden)] = float("-inf")
    return torch.log_softmax(scaled, dim=-1)


def prompt_positions(model: torch.nn.Module, inputs: dict[str, Tensor]) -> Tensor:
    """The prompts' position ids: ``(3, P, L)`` M-RoPE positions, or ``(P, L)``."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model  # a peft wrapper
    rope_index = getattr(getattr(base, "model", None), "get_rope_index", None)
    mask = inputs["attention_mask"]
    if rope_index is not None and "image_grid_thw" in inputs:
        positions, _ = rope_index(inputs["input_ids"], mm_token_type_ids=inputs["mm_token_type_ids"],
                                  image_grid_thw=inputs["image_grid_thw"], attention_mask=mask)  # fmt: skip
        return positions
    return (mask.long().cumsum(-1) - 1).clamp(min=0)


def _next_positions(positions: Tensor) -> Tensor:
    """``(P,)``: the position of the first token after each prompt."""
    return (positions if positions.ndim == 3 else positions[None]).amax(dim=(0, 2)) + 1


def _prefill(model: torch.nn.Module, inputs: dict[str, Tensor],
             hidden: bool = False) -> tuple[Tensor, Any, Tensor, Tensor | None]:  # fmt: skip
    """The logits after each prompt ``(P, V)``, the prompts' cache, their next positions, and
    with ``hidden`` the last layer's state at each prompt's end ``(P, H)``."""
    positions = prompt_positions(model, inputs)
    output = model(**inputs, position_ids=positions, use_cache=True, logits_to_keep=1,
                   output_hidden_states=hidden)  # fmt: skip
    state = output.hidden_states[-1][:, -1] if hidden else None
    return output.logits[:, -1], output.past_key_values, _next_positions(positions), state


def _extend(model: torch.nn.Module, cache: Any, tokens: Tensor, attention_mask: Tensor, first: Tensor,
            hidden: bool = False, logits: bool = True) -> tuple[Tensor, Tensor | None]:  # fmt: skip
    """Logits ``(B, T, V)`` after feeding ``tokens (B, T)`` on top of ``cache``, the first of them
    at positions ``first (B,)``; ``attention_mask`` covers the cache and the new tokens. With
    ``hidden`` also the last layer's states ``(B, T, H)``; without ``logits`` only the last
    position's logits are computed (a critic needs states, not the vocabulary)."""
    positions = first[:, None] + torch.arange(tokens.shape[1])
    output = model(input_ids=tokens, attention_mask=attention_mask, position_ids=positions,
                   past_key_values=cache, use_cache=True, output_hidden_states=hidden,
                   logits_to_keep=0 if logits else 1)  # fmt: skip
    return output.logits, output.hidden_states[-1] if hidden else None


def forward_replies(model: torch.nn.Module, inputs: dict[str, Tensor], rows: Tensor, replies: Tensor, *,
                    hidden: bool = False, logits: bool = True) -> tuple[Tensor | None, Tensor | None]:
    """What the model computes before each token of ``replies (B, R)``, row ``b`` answering prompt
    ``rows[b]``: the logits ``(B, R, V)`` that predict the token (with ``logits``) and the last
    layer's states ``(B, R, H)`` they come from (with ``hidden``). Differentiable; positions past a
    reply's end hold whatever sits there (mask them)."""
    first, cache, start, first_state = _prefill(model, inputs, hidden)
    all_logits, states = first[rows, None], first_state[rows, None] if hidden else None
    if replies.shape[1] > 1:
        cache.reorder_cache(rows)
        mask = torch.cat([inputs["attention_mask"][rows], torch.ones_like(replies[:, :-1])], dim=1)
        more_logits, more_states = _extend(model, cache, replies[:, :-1], mask, start[rows], hidden, logits)
        if logits:
            all_logits = torch.cat([all_logits, more_logits], dim=1)
        if hidden:
            states = torch.cat([states, more_states], dim=1)
    return (all_logits if logits else None), states


@torch.no_grad()
def sample(model: torch.nn.Module, inputs: dict[str, Tensor], rows: Tensor, *, end: int, max_new_tokens: int,
           temperature: float, top_p: float, greedy: bool,
           forbidden: Sequence[int]) -> list[tuple[list[int], list[float]]]:  # fmt: skip
    """One reply per row (prompt ``rows[b]``): its token ids, ending at ``end`` or after
    ``max_new_tokens``, and each token's log-probability under ``softmax(logits / temperature)``
    (the full distribution, before top-p). Finished rows leave the batch."""
    first, cache, start, _ = _prefill(model, inputs)
    logits, start = first[rows], start[rows]
    cache.reorder_cache(rows)
    mask = inputs["attention_mask"][rows]
    replies: list[tuple[list[int], list[float]]] = [([], []) for _ in range(len(rows))]
    active = list(range(len(rows)))
    for step in range(max_new_tokens):
        logprobs = log_policy(logits, temperature, forbidden)
        tokens = logprobs.argmax(-1) if greedy else nucleus_sample(logprobs, top_p)
        chosen = logprobs.gather(-1, tokens[:, None]).squeeze(-1)
        for row, token, logprob in zip(active, tokens.tolist(), chosen.tolist(), strict=True):
            replies[row][0].append(token)
            replies[row][1].append(logprob)
        going = tokens != end
        if step == max_new_tokens - 1 or not going.any():
            break
        if not going.all():
            keep = going.nonzero().squeeze(1)
            active = [active[i] for i in keep.tolist()]
            tokens, mask, start = tokens[keep], mask[keep], start[keep]
            cache.reorder_cache(keep)
        mask = torch.cat([mask, torch.ones_like(tokens[:, None])], dim=1)
        logits = _extend(model, cache, tokens[:, None], mask, start + step)[0][:, -1]
    return replies


def nucleus_sample(logprobs: Tensor, top_p: float) -> Tensor:
    """Sample from the smallest set of tokens whose probability reaches ``top_p``."""
    probs = logprobs.exp()
    if top_p < 1.0:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        outside = sorted_probs.cumsum(-1) - sorted_probs >= top_p  # the mass before a token already suffices
        sorted_probs = sorted_probs.masked_fill(outside, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
    return torch.multinomial(probs, 1).squeeze(-1)


def distinct(keys: Sequence[Any]) -> tuple[list[int], Tensor]:
    """The index of each distinct key's first occurrence, and for every key its distinct one's number.

    >>> distinct(["a", "a", "b", "a"])
    ([0, 2], tensor([0, 0, 1, 0]))
    """
    number: dict[Any, int] = {}
    firsts, rows = [], []
    for index, key in enumerate(keys):
        if key not in number:
            number[key] = len(firsts)
            firsts.append(index)
        rows.append(number[key])
    return firsts, torch.tensor(rows, dtype=torch.long)
