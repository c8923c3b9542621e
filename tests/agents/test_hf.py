"""The HF agent on the tiny Qwen2.5-VL: loading, batched generation, log-probs, history."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
import torch

import mmgym  # noqa: F401
from mmgym.agents.hf import FORBIDDEN_TOKENS, HFAgent, ModelLoadError, load_policy
from mmgym.agents.prompts import images_of
from mmgym.envs.actions import Action
from mmgym.trainers.policy import reply_logprobs, turn_batch


@pytest.fixture(scope="module")
def agent(tiny_model) -> HFAgent:
    return HFAgent(tiny_model, max_new_tokens=12, temperature=0.8)


def screens(count: int, env_id: str = "mmgym/ClickElement-v0") -> list[dict]:
    envs = [gym.make(env_id, width=112, height=112) for _ in range(count)]
    return [env.reset(seed=seed)[0] for seed, env in enumerate(envs)]


def test_the_tiny_model_loads_like_a_checkpoint(tiny_model):
    processor, model = load_policy(tiny_model)
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    assert 3e6 < sum(p.numel() for p in model.parameters()) < 8e6
    reply = '<think>click</think><answer>{"action": "click", "coordinate": [31, 80]}</answer>'
    ids = processor.tokenizer(reply, add_special_tokens=False)["input_ids"]
    assert processor.tokenizer.decode(ids) == reply
    assert len(ids) < len(reply) / 2  # the tokenizer learned the reply format's pieces


def test_missing_or_wrong_model_gets_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match="has no config.json"):
        load_policy(str(tmp_path / "nothing"))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelLoadError, match="cannot load"):
        load_policy(str(tmp_path))


def test_replies_carry_their_tokens_and_logprobs(agent):
    torch.manual_seed(0)
    replies = agent.act(screens(3), [{}] * 3)
    forbidden = set(agent.forbidden)
    end = agent.end_of_turn
    assert len(forbidden) == len(FORBIDDEN_TOKENS)
    for reply in replies:
        assert 1 <= len(reply.token_ids) <= 12 and len(reply.logprobs) == len(reply.token_ids)
        assert end not in reply.token_ids[:-1]  # a reply stops at its end of turn
        assert not forbidden & set(reply.token_ids)
        assert all(lp <= 0 and lp > float("-inf") for lp in reply.logprobs)
        assert reply.text == agent.tokenizer.decode(reply.token_ids, skip_special_tokens=True)


def test_sampled_logprobs_equal_the_training_forward(agent):
    """Token-in-token-out: the trainer's forward scores the sampled tokens as the sampler did."""
    torch.manual_seed(1)
    chats = agent.prompts_for(range(4), screens(4))
    replies = agent.generate(chats)
    batch = turn_batch(agent, chats, [r.token_ids for r in replies])
    with torch.no_grad():
        logprobs = reply_logprobs(agent.model, batch, agent.temperature, agent.forbidden)
    for row, reply in enumerate(replies):
        expected = torch.tensor(reply.logprobs)
        assert torch.allclose(logprobs[row, :len(reply.token_ids)], expected, atol=1e-4)
        assert (logprobs[row, len(reply.token_ids):] == 0).all()


def test_left_padded_batches_reply_as_one_at_a_time(tiny_model):
    greedy = HFAgent(tiny_model, max_new_tokens=10, greedy=True)
    observations = screens(3, "mmgym/ReadPrice-v0") + screens(1)  # prompts of different lengths
    chats = greedy.prompts_for(range(4), observations)
    together = [r.token_ids for r in greedy.generate(chats)]
    alone = [greedy.generate([chat])[0].token_ids for chat in chats]
    assert together == alone


def test_step_history_lists_earlier_actions_and_chat_keeps_few_images(tiny_model):
    steps = HFAgent(tiny_model, history="steps")
    chat = HFAgent(tiny_model, history="chat", max_images=2)
    click = '<think>x</think><answer>{"action": "click", "coordinate": [5, 6]}</answer>'
    for agent in (steps, chat):
        agent.reset(0)
        for _ in range(3):
            agent.prompts_for([0], screens(1))
            agent.conversations[0].replies.append(click)
    steps_chat = steps.prompts_for([0], screens(1))[0]
    text = steps_chat[-1]["content"][1]["text"]
    assert text.count(json.dumps(Action.click(5, 6).to_dict())) == 3 and "3. " in text
    assert len(images_of(steps_chat)) == 1
    full = chat.prompts_for([0], screens(1))[0]
    assert len(images_of(full)) == 2  # 4 screens seen, the 2 latest kept
    assert [m["role"] for m in full] == ["system"] + ["user", "assistant"] * 3 + ["user"]
