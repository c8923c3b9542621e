"""One optimizer step of mmgym's GRPO against ``trl.GRPOTrainer`` on the same work, and of mmgym's
PPO (value head, and separate critic model) against mmgym's GRPO on the same batch.

All sides train the offline tiny Qwen2.5-VL on single-step ClickElement prompts (112 x 112
screenshots, the same system prompt), with the same batch, completion length, learning rate,
sequence-mean aggregation, no KL and the format reward, on the CPU with HF generation, and once more
with mmgym's in-process vLLM engine (``engine: vllm``; its start-up is outside the steps). GRPO sides
use groups of ``--group``; PPO sides collect the same batch (each of GRPO's seeds ``--group`` times,
so the prompts are the same) and add the critic: its forward before the update, its value loss, its
optimizer (the critic's cost made visible). TRL 1.16
ships no PPO trainer (``trl.PPOTrainer`` was removed), so PPO has no TRL side. Each side runs in
its own process so its peak RSS is its own; a step's time is the median over the steps after the
first (which loads and warms up).

Usage: python bench/grpo_vs_trl.py [--steps 6] [--group 4] [--batch 8] [--tokens 16]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_mmgym(args: argparse.Namespace, out: Path, trainer: str = "grpo", critic: str = "head",
              engine: str = "hf") -> dict:  # fmt: skip
    from mmgym.trainers.config import load_config
    from mmgym.trainers.grpo import train_grpo
    from mmgym.trainers.ppo import train_ppo

    grpo = [f"--group_size={args.group}", "--advantage=grpo"]
    variant = [f"--critic={critic}"] if trainer == "ppo" else grpo
    config = load_config(None, [
        f"--trainer={trainer}", f"--model={args.model}", f"--output_dir={out}", "--env=mmgym/ClickElement-v0",
        "--width=112", "--height=112", f"--steps={args.steps}", f"--episodes_per_step={args.batch}",
        f"--max_new_tokens={args.tokens}", "--max_turns=1", "--aggregation=sequence", "--learning_rate=1e-5",
        "--format_weight=1.0", "--save_every=0", f"--engine={engine}", *variant,
    ])  # fmt: skip
    if trainer == "ppo":  # the same batch as GRPO's: each of its seeds `group` times, so the same prompts
        import mmgym.trainers.ppo as ppo
        from mmgym.trainers.online import step_seeds

        ppo.step_seeds = lambda config, step, count, round_=0: [
            seed for seed in step_seeds(config, step, count // args.group, round_) for _ in range(args.group)]
    rows = []
    (train_grpo if trainer == "grpo" else train_ppo)(config, report=rows.append)
    seconds = [row["seconds"] for row in rows[1:]]
    return {"seconds_per_step": statistics.median(seconds), "peak_rss_mb": peak_rss_mb(),
            "rollout_tokens_per_second": statistics.median(r["rollout_tokens_per_second"] for r in rows[1:])}


def run_trl(args: argparse.Namespace, out: Path) -> dict:
    import gymnasium as gym
    from PIL import Image

    import mmgym  # noqa: F401
    from mmgym.agents.hf_stack import import_transformers
    from mmgym.agents.prompts import SYSTEM_PROMPT, step_prompt
    from mmgym.rewards import format_reward

    transformers = import_transformers()
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    env = gym.make("mmgym/ClickElement-v0", width=112, height=112)
    rows = []
    for seed in range(args.steps * args.batch // args.group):
        observation, _ = env.reset(seed=10**6 + seed)
        text = step_prompt(observation["instruction"], [])
        rows.append({"prompt": [
            {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]},
        ], "image": Image.fromarray(observation["image"])})  # fmt: skip
    step_times: list[float] = []

    class Clock(transformers.TrainerCallback):
        def on_step_begin(self, *_, **__):
            self.started = time.perf_counter()

        def on_step_end(self, *_, **__):
            step_times.append(time.perf_counter() - self.started)

    config = GRPOConfig(output_dir=str(out), use_cpu=True, bf16=False, use_vllm=False, max_steps=args.steps,
                        per_device_train_batch_size=args.batch, num_generations=args.group,
                        max_completion_length=args.tokens, learning_rate=1e-5, loss_type="grpo", beta=0.0,
                        logging_steps=1, report_to=[], save_strategy="no", gradient_checkpointing=False,
                        temperature=1.0)  # fmt: skip
    trainer = GRPOTrainer(model=args.model, reward_funcs=[format_reward], args=config,
                          train_dataset=Dataset.from_list(rows), callbacks=[Clock()])  # fmt: skip
    trainer.train()
    return {"seconds_per_step": statistics.median(step_times[1:]), "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--group", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8, help="completions per step")
    parser.add_argument("--tokens", type=int, default=16, help="max completion length")
    parser.add_argument("--model", default="", help="model directory (default: the cached tiny model)")
    parser.add_argument("--side", choices=list(SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # a child process: run one side, print its numbers as JSON
        with tempfile.TemporaryDirectory() as out:
            result = SIDES[args.side](args, Path(out) / "run")
        print(json.dumps(result))
        return
    if not args.model:
        from mmgym.agents.tiny import cached_tiny_model

        args.model = str(cached_tiny_model())
    results = {}
    for side in SIDES:
        command = [sys.executable, __file__, "--side", side, "--model", args.model]
        command += [f"--{key}={getattr(args, key)}" for key in ("steps", "group", "batch", "tokens")]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results[side] = json.loads(output.strip().splitlines()[-1])
    print(f"{'':18} {'s/step':>8} {'peak RSS MB':>12}")
    for side, result in results.items():
        print(f"{side:18} {result['seconds_per_step']:8.2f} {result['peak_rss_mb']:12.0f}")
    mm, trl = results["mmgym GRPO"], results["trl GRPO"]
    print(f"step time mmgym / trl: {mm['seconds_per_step'] / trl['seconds_per_step']:.2f} (target <= 0.5); "
          f"peak RSS mmgym / trl: {mm['peak_rss_mb'] / trl['peak_rss_mb']:.2f} (target <= 1.0); "
          f"mmgym rollout {mm['rollout_tokens_per_second']:.0f} tokens/s")  # fmt: skip
    fast = results["mmgym GRPO vllm"]
    ratio = fast["seconds_per_step"] / trl["seconds_per_step"]
    print(f"step time mmgym with vLLM rollouts / trl: {ratio:.2f} (target <= 0.2); "
          f"rollout {fast['rollout_tokens_per_second']:.0f} tokens/s")  # fmt: skip
    for side in ("mmgym PPO head", "mmgym PPO model"):
        ppo = results[side]
        print(f"{side} / mmgym GRPO: step time {ppo['seconds_per_step'] / mm['seconds_per_step']:.2f}, "
              f"peak RSS {ppo['peak_rss_mb'] / mm['peak_rss_mb']:.2f}")  # fmt: skip


SIDES = {
    "mmgym GRPO": run_mmgym,
    "mmgym GRPO vllm": lambda args, out: run_mmgym(args, out, engine="vllm"),
    "trl GRPO": run_trl,
    "mmgym PPO head": lambda args, out: run_mmgym(args, out, "ppo", "head"),
    "mmgym PPO model": lambda args, out: run_mmgym(args, out, "ppo", "model"),
}


if __name__ == "__main__":
    main()
