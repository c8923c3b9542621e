"""The in-process vLLM engine against the HF agent and the trainer's own forward, on the tiny model.

One engine serves the whole module (start-up takes ~25 s); each test hands it the policy it checks.
The policies are the tiny model with seeded noise on every weight, so that greedy replies vary
from token to token and from screen to screen instead of repeating one token.
"""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch

import mmgym  # noqa: F401  (registers the envs)
from mmgym.agents.hf import HFAgent, load_policy, resolve_model
from mmgym.envs.text_actions import TextActions
from mmgym.trainers.policy import reply_logprobs, turn_batch

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("vllm")]

#: The largest |log-prob gap| allowed between vLLM and the trainer's forward (measured: <= 4e-6).
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def engine():
    vllm_engine = pytest.importorskip("mmgym.agents.vllm_engine")
    try:
        vllm_engine.import_vllm()
    except vllm_engine.EngineError as error:
        pytest.skip(f"no vLLM build installs here: {error}")
    processor, network = load_policy("tiny")
    return vllm_engine.VLLMEngine(network, processor, resolve_model("tiny"), max_model_len=1024)


@pytest.fixture
def shared_engine(engine, monkeypatch):
    """Runs get the module's engine, bound to their policy, instead of starting their own."""
    from mmgym.agents import vllm_engine

    def reuse(policy, processor, model, **kwargs):
        engine.policy, engine.processor = policy, processor
        engine.weights_changed()
        return engine

    monkeypatch.setattr(vllm_engine, "VLLMEngine", reuse)
    return engine


def noisy_agent(engine, seed: int, **kwargs) -> HFAgent:
    """The tiny model with noise of std 0.05 on every weight, and ``engine`` serving it."""
    processor, network = load_policy("tiny")
    add_noise(network, seed)
    agent = HFAgent(processor=processor, network=network, max_new_tokens=24, **kwargs)
    engine.policy, engine.processor = network, processor
    engine.weights_changed()
    return agent


@torch.no_grad()
def add_noise(network: torch.nn.Module, seed: int, std: float = 0.05) -> None:
    generator = torch.Generator().manual_seed(seed)
    for parameter in network.parameters():
        parameter.add_(torch.randn(parameter.shape, generator=generator) * std)


def chats_of(agent: HFAgent, seeds: range, env_id: str = "mmgym/ClickElement-v0") -> list[list[dict]]:
    env = TextActions(gym.make(env_id, width=112, height=112))
    observations = [env.reset(seed=seed)[0] for seed in seeds]
    env.close()
    return agent.prompts_for(range(len(observations)), observations)


def engine_replies(engine, agent: HFAgent, chats: list[list[dict]]):
    return engine.generate(chats, max_new_tokens=agent.max_new_tokens, temperature=agent.temperature,
                           top_p=agent.top_p, greedy=agent.greedy, end=agent.end_of_turn,
                           forbidden=agent.forbidden)  # fmt: skip


def trainer_logprobs(agent: HFAgent, chats: list[list[dict]], replies) -> list[list[float]]:
    """Each reply's log-probs under the trainer's forward (the one the loss differentiates)."""
    batch = turn_batch(agent, chats, [reply.token_ids for reply in replies])
    with torch.no_grad():
        logprobs = reply_logprobs(agent.model, batch, agent.temperature, agent.forbidden)
    return [logprobs[row, :len(reply.token_ids)].tolist() for row, reply in enumerate(replies)]


def largest_gap(replies, reference: list[list[float]]) -> float:
    return max(abs(a - b) for reply, row in zip(replies, reference, strict=True)
               for a, b in zip(reply.logprobs, row, strict=True))  # fmt: skip


def test_greedy_replies_agree_with_hf_token_for_token(engine):
    agent = noisy_agent(engine, seed=1, greedy=True)
    chats = chats_of(agent, range(8))
    hf, served = agent.generate(chats), engine_replies(engine, agent, chats)
    assert [reply.token_ids for reply in served] == [reply.token_ids for reply in hf]
    assert [reply.text for reply in served] == [reply.text for reply in hf]
    assert len({reply.token_ids for reply in hf}) == 8  # the prompts really differ
    assert largest_gap(served, trainer_logprobs(agent, chats, served)) < TOLERANCE


def test_sampled_logprobs_match_the_trainer_at_its_temperature(engine):
    """Sampling at temperature 0.7, vLLM reports ``log_softmax(logits / 0.7)`` with the forbidden
    tokens removed: the distribution the trainer scores. At temperature 1 the gap would be large."""
    agent = noisy_agent(engine, seed=2, temperature=0.7)
    chats = chats_of(agent, range(6)) * 2
    served = engine_replies(engine, agent, chats)
    assert largest_gap(served, trainer_logprobs(agent, chats, served)) < TOLERANCE
    agent.temperature = 1.0
    assert largest_gap(served, trainer_logprobs(agent, chats, served)) > 100 * TOLERANCE


def test_chat_history_with_several_screenshots_agrees(engine):
    agent = noisy_agent(engine, seed=3, greedy=True, history="chat")
    env = TextActions(gym.make("mmgym/NavigateBack-v0", width=112, height=112))
    observation, _ = env.reset(seed=5)
    chats = []
    for _ in range(3):  # three turns: the third chat holds two screenshots and two replies
        chat = agent.prompts_for([0], [observation])
        chats += chat
        reply = agent.generate(chat)[0]
        agent.record(0, reply)
        observation, *_ = env.step(reply.text)
    env.close()
    served = engine_replies(engine, agent, chats)
    assert [reply.token_ids for reply in served] == [reply.token_ids for reply in agent.generate(chats)]
    assert largest_gap(served, trainer_logprobs(agent, chats, served)) < TOLERANCE


def test_new_weights_are_served_on_images_seen_before(engine):
    """After the policy changes, the same screenshots get the new weights' replies: no stale
    weights, no stale vision features, no stale prefix cache."""
    agent = noisy_agent(engine, seed=4, greedy=True)
    chats = chats_of(agent, range(6))
    before = engine_replies(engine, agent, chats)
    add_noise(agent.model, seed=40, std=0.05)
    engine.weights_changed()
    after = engine_replies(engine, agent, chats)
    assert [r.token_ids for r in after] == [r.token_ids for r in agent.generate(chats)]
    assert [r.token_ids for r in after] != [r.token_ids for r in before]
    assert largest_gap(after, trainer_logprobs(agent, chats, after)) < TOLERANCE
    again = engine_replies(engine, agent, chats)  # served from the caches the new weights filled
    assert [r.logprobs for r in again] == [r.logprobs for r in after]


def test_lora_adapters_are_served_merged(engine):
    from mmgym.trainers.config import GRPOConfig
    from mmgym.trainers.run import with_lora

    agent = noisy_agent(engine, seed=5, greedy=True)
    agent.model = with_lora(agent.model, GRPOConfig(lora_rank=4))
    generator = torch.Generator().manual_seed(6)
    with torch.no_grad():  # peft starts B at zero; a trained adapter is not
        for name, parameter in agent.model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    engine.policy = agent.model
    engine.weights_changed()
    chats = chats_of(agent, range(6))
    served = engine_replies(engine, agent, chats)
    assert [r.token_ids for r in served] == [r.token_ids for r in agent.generate(chats)]
    assert largest_gap(served, trainer_logprobs(agent, chats, served)) < TOLERANCE
    with agent.model.disable_adapter():  # the adapters change what is served
        plain = agent.generate(chats)
    assert [r.token_ids for r in served] != [r.token_ids for r in plain]


@pytest.mark.parametrize("trainer", ["grpo", "grpo+lora", "ppo"])
def test_training_with_vllm_rollouts_serves_each_steps_new_weights(shared_engine, sft_model, tmp_path,
                                                                   trainer):  # fmt: skip
    """Three GRPO (or PPO, or GRPO of LoRA adapters) steps with ``engine: vllm``: every step's rollout
    log-probs equal the trainer's (a stale engine would sample steps 2 and 3 from the step-1
    weights), and afterwards the engine's greedy replies are the trained policy's, not the starting
    one's."""
    from mmgym.trainers.grpo import train_grpo
    from mmgym.trainers.ppo import train_ppo

    start = HFAgent(sft_model, greedy=True, max_new_tokens=24)
    chats = chats_of(start, range(4), "mmgym/ClickShape-v0")
    variant = {"grpo": ["--group_size=4"], "ppo": ["--trainer=ppo", "--gae=turn"],
               "grpo+lora": ["--group_size=4", "--lora_rank=8", "--learning_rate=2e-3"]}[trainer]
    run = (train_ppo if trainer == "ppo" else train_grpo)(vllm_config(sft_model, tmp_path, *variant),
                                                          report=lambda _: None)  # fmt: skip
    steps = metrics(tmp_path)
    assert len(steps) == 3 and all(step["grad_norm"] > 0 for step in steps[:2]), steps  # weights moved twice
    assert all(step["sampler_logprob_gap"] < TOLERANCE for step in steps), steps

    run.agent.greedy = True
    served = run.agent.generate(chats)  # through the engine
    run.agent.engine = None
    assert [r.token_ids for r in served] == [r.token_ids for r in run.agent.generate(chats)]
    assert largest_gap(served, trainer_logprobs(run.agent, chats, served)) < TOLERANCE
    assert largest_gap(served, trainer_logprobs(start, chats, served)) > 100 * TOLERANCE


def test_a_batch_larger_than_one_prefill_samples_every_reply(engine):
    """64 prompts of ~200 tokens overflow one step's token budget, so vLLM splits their prefill
    across steps; sampling (not greedy) must still answer each one."""
    agent = noisy_agent(engine, seed=7, temperature=1.0)
    agent.max_new_tokens = 3
    chats = chats_of(agent, range(64))
    served = engine_replies(engine, agent, chats)
    assert all(len(r.token_ids) == 3 or r.token_ids[-1] == agent.end_of_turn for r in served)
    assert all(r.token_ids for r in served)
    assert largest_gap(served, trainer_logprobs(agent, chats, served)) < TOLERANCE


def test_a_resumed_run_with_vllm_rollouts_continues_as_if_never_stopped(shared_engine, sft_model, tmp_path):
    from mmgym.trainers.grpo import train_grpo

    def config(out: str, steps: int):
        return vllm_config(sft_model, tmp_path / out, "--group_size=4", f"--steps={steps}")

    train_grpo(config("whole", 4), report=lambda _: None)
    train_grpo(config("cut", 2), report=lambda _: None)  # killed after 2 steps
    train_grpo(config("cut", 4), resume=True, report=lambda _: None)
    whole, cut = metrics(tmp_path / "whole"), metrics(tmp_path / "cut")
    assert [m["step"] for m in cut] == [1, 2, 3, 4] and any(m["grad_norm"] > 0 for m in whole[2:])
    for key in ("reward", "loss", "grad_norm", "format"):
        assert [m[key] for m in cut] == pytest.approx([m[key] for m in whole], abs=1e-5), key


def vllm_config(model: str, out, *extra: str):
    """vLLM rollouts on one-turn ClickShape, 8 episodes a step, a checkpoint every 2 steps."""
    from mmgym.trainers.config import load_config

    return load_config(None, [f"--model={model}", f"--output_dir={out}", "--engine=vllm", "--steps=3",
                              "--env=mmgym/ClickShape-v0", "--episodes_per_step=8", "--max_turns=1",
                              "--max_new_tokens=24", "--format_weight=1.0", "--learning_rate=3e-4",
                              "--save_every=2", *extra])  # fmt: skip


def metrics(run_dir) -> list[dict]:
    import json

    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
