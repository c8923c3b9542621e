"""LoRA through peft: only adapters train, checkpoints hold them, and they load back merged."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
import torch

import mmgym  # noqa: F401
from mmgym.agents.hf import HFAgent, load_policy
from mmgym.trainers.config import ConfigError, load_config
from mmgym.trainers.online import reference_policy
from mmgym.trainers.policy import reply_logprobs, turn_batch
from mmgym.trainers.run import Run
from mmgym.trainers.sft import train_sft

SFT = ["--trainer=sft", "--steps=12", "--episodes=24", "--batch_size=8", "--learning_rate=3e-2",
       "--env=mmgym/ClickShape-v0", "--width=112", "--height=112", "--lora_rank=8"]  # fmt: skip


def metrics(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def quiet(_metrics: dict) -> None:
    pass


def test_lora_sft_trains_adapters_only_and_its_checkpoint_loads_merged(tiny_model, tmp_path):
    config = load_config(None, [*SFT, f"--model={tiny_model}", f"--output_dir={tmp_path}"])
    run = train_sft(config, report=quiet)
    losses = [m["loss"] for m in metrics(tmp_path)]
    # The random tiny model's output layer is frozen and small, so rank-8 adapters lower the loss
    # by about a nat in 12 steps (7.4 -> 6.2), not to the floor full fine-tuning reaches.
    assert sum(losses[-3:]) / 3 < losses[0] - 0.8

    _, original = load_policy(tiny_model)
    base = {name.replace(".base_layer", ""): p for name, p in run.model.get_base_model().named_parameters()
            if "lora_" not in name}  # fmt: skip
    assert base.keys() == dict(original.named_parameters()).keys()
    for name, parameter in original.named_parameters():  # frozen weights, vision tower included
        assert torch.equal(base[name], parameter), name
    trained = {name for name, p in run.model.named_parameters() if p.requires_grad}
    assert trained and all("lora_" in name and "language_model" in name for name in trained)

    checkpoint = tmp_path / "checkpoint"
    assert (checkpoint / "adapter_config.json").is_file() and not (checkpoint / "model.safetensors").exists()
    _, merged = load_policy(str(checkpoint))
    agent = run.agent
    env = gym.make("mmgym/ClickShape-v0", width=112, height=112)
    chats = agent.prompts_for(range(2), [env.reset(seed=seed)[0] for seed in range(2)])
    batch = turn_batch(agent, chats, [(100, 101, agent.end_of_turn), (102, agent.end_of_turn)])
    with torch.no_grad():
        expected = reply_logprobs(run.model.eval(), batch, 1.0, agent.forbidden)
        assert torch.allclose(reply_logprobs(merged, batch, 1.0, agent.forbidden), expected, atol=1e-5)
        assert not torch.allclose(reply_logprobs(original, batch, 1.0, agent.forbidden), expected, atol=1e-3)


def test_lora_kl_reference_is_the_policy_without_adapters(tiny_model, tmp_path):
    """Under LoRA the KL reference is the starting model (adapters off), however far they moved."""
    config = load_config(None, [f"--model={tiny_model}", f"--output_dir={tmp_path}", "--lora_rank=4",
                                "--kl_coef=0.1"])  # fmt: skip
    run = Run(config)
    reference = reference_policy(run)
    with torch.no_grad():
        for name, parameter in run.model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(std=0.5)
    agent = run.agent
    env = gym.make(config.env, width=112, height=112)
    chats = agent.prompts_for(range(2), [env.reset(seed=seed)[0] for seed in range(2)])
    batch = turn_batch(agent, chats, [(100, 101, agent.end_of_turn), (102, agent.end_of_turn)])
    _, original = load_policy(tiny_model)
    with torch.no_grad():
        starting = reply_logprobs(original, batch, agent.temperature, agent.forbidden)
        assert torch.allclose(reference(batch), starting, atol=1e-6)
        moved = reply_logprobs(run.model, batch, agent.temperature, agent.forbidden)
        assert not torch.allclose(moved, starting, atol=1e-3)


def test_lora_targets_that_match_nothing_are_a_config_error(tiny_model, tmp_path):
    config = load_config(None, [*SFT, f"--model={tiny_model}", f"--output_dir={tmp_path}",
                                "--lora_targets=nope"])  # fmt: skip
    with pytest.raises(ConfigError, match="lora_targets"):
        train_sft(config, report=quiet)


def test_lora_agent_acts_from_a_lora_checkpoint(tiny_model, tmp_path):
    """An adapter directory is a model path like any other: the agent loads it merged."""
    config = load_config(None, [*SFT, "--steps=1", f"--model={tiny_model}", f"--output_dir={tmp_path}"])
    train_sft(config, report=quiet)
    agent = HFAgent(str(tmp_path / "checkpoint"), max_new_tokens=4, greedy=True)
    assert not any("lora_" in name for name, _ in agent.model.named_parameters())


def test_lora_ppo_trains_adapters_and_the_value_head_only(sft_model, tmp_path):
    """PPO under LoRA with a value head on the policy: the head reads the adapted model's states,
    the value loss reaches the adapters, and no base weight moves."""
    from mmgym.trainers.ppo import train_ppo

    config = load_config(None, ["--trainer=ppo", f"--model={sft_model}", f"--output_dir={tmp_path}",
                                "--env=mmgym/ClickShape-v0", "--steps=2", "--episodes_per_step=4",
                                "--max_new_tokens=24", "--max_turns=1", "--format_weight=1.0",
                                "--lora_rank=4", "--learning_rate=1e-3"])  # fmt: skip
    run = train_ppo(config, report=quiet)
    _, base = load_policy(sft_model)
    base_weights = dict(base.named_parameters())
    for name, parameter in run.model.named_parameters():
        if "lora_" not in name:
            plain = name.replace("base_model.model.", "").replace(".base_layer", "")
            assert torch.equal(parameter, base_weights[plain]), name
    assert any(m["grad_norm"] > 0 for m in metrics(tmp_path))
    assert run.parts["critic"].head.weight.abs().sum() > 0
