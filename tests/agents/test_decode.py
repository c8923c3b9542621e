"""Prompt-shared sampling and scoring agree with the model's own generate and a plain forward."""

from __future__ import annotations

import doctest
import math

import gymnasium as gym
import pytest
import torch

import mmgym  # noqa: F401
from mmgym.agents import decode
from mmgym.agents.decode import nucleus_sample, token_logprobs
from mmgym.agents.hf import HFAgent
from mmgym.trainers.policy import reply_logprobs, turn_batch


@pytest.fixture(scope="module")
def agent(tiny_model) -> HFAgent:
    return HFAgent(tiny_model, max_new_tokens=12, greedy=True)


def chats_for(agent: HFAgent, env_ids: list[str]) -> list[list[dict]]:
    observations = [gym.make(env_id, width=112, height=112).reset(seed=seed)[0]
                    for seed, env_id in enumerate(env_ids)]  # fmt: skip
    return agent.prompts_for(range(len(env_ids)), observations)


def test_greedy_replies_equal_hf_generate(agent):
    """Positions after a screenshot (M-RoPE) and left padding come out as the model's own
    ``generate`` makes them: the same greedy tokens for prompts of different lengths."""
    chats = chats_for(agent, ["mmgym/ReadPrice-v0", "mmgym/ClickElement-v0", "mmgym/ReadPrice-v0"])
    ours = agent.generate(chats)
    inputs, _ = agent.encode(chats)
    output = agent.model.generate(**inputs, do_sample=False, max_new_tokens=12, return_dict_in_generate=True,
                                  eos_token_id=agent.end_of_turn, pad_token_id=agent.tokenizer.pad_token_id,
                                  suppress_tokens=agent.forbidden, output_logits=True)  # fmt: skip
    tokens = output.sequences[:, inputs["input_ids"].shape[1]:]
    logprobs = token_logprobs(torch.stack(output.logits, dim=1), tokens, 1.0, agent.forbidden)
    for row, reply in enumerate(ours):
        length = len(reply.token_ids)
        assert list(reply.token_ids) == tokens[row, :length].tolist()
        assert length == tokens.shape[1] or tokens[row, length - 1] == agent.end_of_turn
        assert torch.allclose(torch.tensor(reply.logprobs), logprobs[row, :length], atol=1e-4)


def plain_logprobs(agent: HFAgent, chat: list[dict], reply: tuple[int, ...]) -> torch.Tensor:
    """One chat and its reply in a single forward, positions left to the model."""
    inputs, _ = agent.encode([chat])
    ids = torch.tensor([reply])
    inputs["input_ids"] = torch.cat([inputs["input_ids"], ids], dim=1)
    inputs["attention_mask"] = torch.cat([inputs["attention_mask"], torch.ones_like(ids)], dim=1)
    inputs["mm_token_type_ids"] = torch.cat([inputs["mm_token_type_ids"], torch.zeros_like(ids)], dim=1)
    logits = agent.model(**inputs, logits_to_keep=len(reply) + 1).logits[:, :-1]
    return token_logprobs(logits, ids, 1.0, agent.forbidden)[0]


def test_shared_prompts_score_and_train_as_separate_ones(agent):
    """Rows that share a prompt get the log-probs and gradients they would get alone."""
    distinct = chats_for(agent, ["mmgym/ClickElement-v0", "mmgym/ReadPrice-v0"])
    chats = [distinct[0], distinct[0], distinct[1], distinct[0]]
    replies = [(100, 101, agent.end_of_turn), (102, agent.end_of_turn), (103, 104, 105, 106), (107,)]
    batch = turn_batch(agent, chats, replies)
    assert batch["rows"].tolist() == [0, 0, 1, 0] and batch["inputs"]["input_ids"].shape[0] == 2
    parameters = [p for p in agent.model.parameters() if p.requires_grad]

    agent.model.zero_grad()
    shared = reply_logprobs(agent.model, batch, 1.0, agent.forbidden)
    shared.sum().backward()
    shared_grads = [p.grad.clone() for p in parameters]

    agent.model.zero_grad()
    alone = [plain_logprobs(agent, chat, reply) for chat, reply in zip(chats, replies, strict=True)]
    sum(row.sum() for row in alone).backward()
    for row, expected in enumerate(alone):
        assert torch.allclose(shared[row, :len(replies[row])], expected, atol=1e-5)
        assert (shared[row, len(replies[row]):] == 0).all()
    for got, expected in zip(shared_grads, [p.grad for p in parameters], strict=True):
        assert torch.allclose(got, expected, atol=1e-5)


def test_distinct_doctest():
    assert doctest.testmod(decode).failed == 0


@pytest.mark.parametrize(("top_p", "allowed"), [(0.5, {0}), (0.6, {0}), (0.61, {0, 1}), (0.95, {0, 1, 2}),
                                                (1.0, {0, 1, 2, 3})])  # fmt: skip
def test_nucleus_sampling_keeps_the_smallest_set_reaching_top_p(top_p, allowed):
    torch.manual_seed(0)
    logprobs = torch.tensor([[math.log(p) for p in (0.6, 0.3, 0.08, 0.02)]] * 4000)
    assert set(nucleus_sample(logprobs, top_p).tolist()) == allowed
