"""Multi-turn GUI rollouts with HF generate, mmgym's own HF sampler and the in-process vLLM
engine, same work.

Every side runs :func:`mmgym.trainers.rollout.collect` with the offline tiny Qwen2.5-VL on the same
env seeds, group size, turn limit, reply cap and temperature, so the prompts of the first turn are
the same and every turn after it is built the same way. The sides differ only in who decodes:

- ``hf generate``: transformers' ``generate``, one padded row per episode, with the scores it needs
  for each token's log-probability;
- ``mmgym hf`` (``engine: hf``): mmgym's sampler over the same model, each distinct prompt run once
  (a group's episodes share their first prompt), finished replies leaving the batch;
- ``vllm`` (``engine: vllm``).

The random tiny model rarely ends a reply early, so the sides generate nearly the same number of
tokens; the table reports each side's own count. A side's time is the median of ``--repeats``
rollouts after a warm-up one; the vLLM side's start-up and its weight sync (once per optimizer step
in training) are reported apart. Each side runs in its own process.

Usage: python bench/rollout_throughput.py [--seeds 2] [--group 8] [--turns 3] [--tokens 48]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

SIDES = ("hf generate", "mmgym hf", "vllm")


def generate_agent(**kwargs):
    """The HF agent decoding with transformers' ``generate`` instead of mmgym's sampler."""
    import torch

    from mmgym.agents.base import Reply
    from mmgym.agents.hf import HFAgent
    from mmgym.agents.prompts import images_of

    class GenerateAgent(HFAgent):
        @torch.no_grad()
        def generate(self, chats):
            texts = [self.processor.apply_chat_template(c, tokenize=False, add_generation_prompt=True)
                     for c in chats]  # fmt: skip
            inputs = self.processor(text=texts, images=[images_of(c) for c in chats], padding=True,
                                    return_tensors="pt")  # fmt: skip
            out = self.model.generate(
                **inputs, do_sample=True, temperature=self.temperature, top_p=self.top_p, top_k=0,
                max_new_tokens=self.max_new_tokens, eos_token_id=self.end_of_turn,
                suppress_tokens=self.forbidden, pad_token_id=self.tokenizer.pad_token_id,
                output_scores=True, return_dict_in_generate=True,
            )  # fmt: skip
            logprobs = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
            replies = []
            for row, tokens in enumerate(out.sequences[:, inputs["input_ids"].shape[1]:].tolist()):
                length = tokens.index(self.end_of_turn) + 1 if self.end_of_turn in tokens else len(tokens)
                replies.append(Reply(self.tokenizer.decode(tokens[:length], skip_special_tokens=True),
                                     tuple(tokens[:length]), tuple(logprobs[row, :length].tolist())))
            return replies

    return GenerateAgent(**kwargs)


def run_side(args: argparse.Namespace) -> dict:
    import gymnasium as gym
    import torch

    import mmgym  # noqa: F401
    from mmgym.agents.hf import HFAgent, load_policy, resolve_model
    from mmgym.trainers.rollout import collect

    processor, network = load_policy("tiny")
    extra: dict = {}
    if args.side == "vllm":
        from mmgym.agents.vllm_engine import VLLMEngine

        started = time.perf_counter()
        engine = VLLMEngine(network, processor, resolve_model("tiny"), max_model_len=2048)
        extra["startup_seconds"] = time.perf_counter() - started
        syncs = []
        for _ in range(4):  # the first one warms up
            started = time.perf_counter()
            engine.load_weights()
            syncs.append(time.perf_counter() - started)
        extra["sync_seconds"] = statistics.median(syncs[1:])
    else:
        engine = None
    make_agent = generate_agent if args.side == "hf generate" else HFAgent
    agent = make_agent(processor=processor, network=network, history=args.history, max_new_tokens=args.tokens,
                       temperature=1.0, engine=engine)  # fmt: skip

    def make_env():
        return gym.make("mmgym/NavigateBack-v0", width=112, height=112)

    seeds = [10**6 + seed for seed in range(args.seeds)]
    times, tokens, episodes = [], [], 0
    for repeat in range(args.repeats + 1):
        torch.manual_seed(repeat)
        started = time.perf_counter()
        batch = collect(agent, make_env, seeds, args.group, args.turns)
        seconds = time.perf_counter() - started
        if repeat:  # the first one warms up
            times.append(seconds)
            tokens.append(sum(len(t.reply.token_ids) for e in batch for t in e.turns))
            episodes = len(batch)
    seconds, count = statistics.median(times), statistics.median(tokens)
    return {"seconds": seconds, "tokens": count, "episodes": episodes, "tokens_per_second": count / seconds,
            "episodes_per_second": episodes / seconds, **extra}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="env seeds (groups) per rollout")
    parser.add_argument("--group", type=int, default=8, help="episodes per seed")
    parser.add_argument("--turns", type=int, default=3, help="turn limit per episode")
    parser.add_argument("--tokens", type=int, default=48, help="reply cap")
    parser.add_argument("--history", choices=["steps", "chat"], default="steps")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # a child process: one side, its numbers as JSON
        print(json.dumps(run_side(args)))
        return
    results = {}
    for side in SIDES:
        command = [sys.executable, __file__, "--side", side]
        keys = ("seeds", "group", "turns", "tokens", "history", "repeats")
        command += [f"--{key}={getattr(args, key)}" for key in keys]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results[side] = json.loads(output.strip().splitlines()[-1])
    episodes = args.seeds * args.group
    print(f"{episodes} episodes of mmgym/NavigateBack-v0, up to {args.turns} turns, {args.tokens}-token "
          f"replies, {args.history} history")  # fmt: skip
    print(f"{'':12} {'s/rollout':>10} {'tokens':>7} {'tokens/s':>9} {'episodes/s':>11}")
    for side, r in results.items():
        print(f"{side:12} {r['seconds']:10.2f} {r['tokens']:7.0f} {r['tokens_per_second']:9.0f} "
              f"{r['episodes_per_second']:11.2f}")  # fmt: skip
    vllm = results["vllm"]
    for side, target in (("hf generate", " (target >= 10x)"), ("mmgym hf", "")):
        tokens = vllm["tokens_per_second"] / results[side]["tokens_per_second"]
        episodes = vllm["episodes_per_second"] / results[side]["episodes_per_second"]
        print(f"vllm / {side}: tokens/s {tokens:.1f}x, episodes/s {episodes:.1f}x{target}")
    print(f"vLLM start-up {vllm['startup_seconds']:.0f} s, weight sync {1000 * vllm['sync_seconds']:.0f} ms")


if __name__ == "__main__":
    main()
