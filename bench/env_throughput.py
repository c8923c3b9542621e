"""Steps per second of the synthetic GUI envs (reset + step + observation), and where the time goes.

For every GUI task at 224x224 and 1280x720 this runs a policy that takes the expert action half the
time and a random action otherwise (so screens both change and stay put, as in training), resetting
when an episode ends. The peer, in the same run, is the same env with the render cache off: a full
Pillow redraw of every widget on every step, which is what a straightforward Pillow env does. The
ratio is cached / redraw. Then the same at 224x224 through ``gymnasium.make_vec`` with two async
workers, and a profile of one task split into rendering, task logic, oracle and observation copy.

Usage: python bench/env_throughput.py [--steps N] [--tasks ClickElement,FillForm]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import sys
import time
from contextlib import contextmanager

import gymnasium as gym
import numpy as np

import mmgym  # noqa: F401
from mmgym.envs.gui import base, render
from mmgym.envs.registration import TASKS

_FRESH_SEEDS = itertools.count(0, 1_000_000)


def steps_per_second(env_id: str, size: tuple[int, int], steps: int, expert_share: float = 0.5) -> float:
    """Env steps per second (resets included) of a policy that takes the expert action with
    probability ``expert_share`` and a random action otherwise.

    Every call plays episodes from seeds no earlier call used, so render caches hold only what
    earlier, different episodes left there, as in training. Random actions are sampled before the
    clock starts: ``action_space.sample()`` (a random Text) costs as much as a step.
    """
    first_seed = next(_FRESH_SEEDS)
    env = gym.make(env_id, width=size[0], height=size[1])
    env.action_space.seed(first_seed)
    random_actions = [env.action_space.sample() for _ in range(min(steps, 512))]
    use_expert = np.random.default_rng(first_seed).random(steps) < expert_share
    _, info = env.reset(seed=first_seed)
    episode = first_seed
    start = time.perf_counter()
    for step in range(steps):
        expert = info["expert_action"]
        action = expert if use_expert[step] and expert is not None else random_actions[step % 512]
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            episode += 1
            _, info = env.reset(seed=episode)
    return steps / (time.perf_counter() - start)


@contextmanager
def redraw_every_step():
    """The peer: no render caches (sprites, panels, text masks and widths) and no skipped renders.

    The caches are swapped for the plain functions in every mmgym GUI module that imported them.
    """
    names = ("sprite", "panel_sprite", "background", "_glyphs", "_glyph_image", "_char_mask", "fit_text",
             "text_length")
    cached = {getattr(render, name) for name in names}
    swapped = [
        (module, attr, value)
        for module in list(sys.modules.values())
        if module.__name__.startswith("mmgym.envs.gui")
        for attr, value in vars(module).items()
        if any(value is function for function in cached)
    ]
    for module, attr, value in swapped:
        setattr(module, attr, value.__wrapped__)
    cached_refresh = base.GuiEnv._refresh

    def refresh(self):
        self._screen_shown = self._screen()
        self._frame = render.render(self._screen_shown, self.size)

    base.GuiEnv._refresh = refresh
    try:
        yield
    finally:
        base.GuiEnv._refresh = cached_refresh
        for module, attr, value in swapped:
            setattr(module, attr, value)


def vector_steps_per_second(env_id: str, steps: int, workers: int = 2) -> float:
    """Random actions through ``make_vec`` with async workers; autoreset starts new episodes."""
    first_seed = next(_FRESH_SEEDS)
    envs = gym.make_vec(env_id, num_envs=workers, vectorization_mode="async")
    envs.action_space.seed(first_seed)
    random_actions = [envs.action_space.sample() for _ in range(64)]
    envs.reset(seed=first_seed)
    start = time.perf_counter()
    for step in range(steps // workers):
        envs.step(random_actions[step % 64])
    rate = (steps // workers) * workers / (time.perf_counter() - start)
    envs.close()
    return rate


def profile(env_id: str, steps: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    steps_per_second(env_id, (224, 224), steps)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(tt for _, _, tt, _, _ in stats.values())
    parts = {
        "render (sprites)": ("render.py", "render"),
        "task state -> screen": ("", "_screen"),
        "oracle (info)": ("base.py", "_info"),
        "observation copy": ("base.py", "_observation"),
        "task step logic": ("", "_act"),
        "reset (new task)": ("", "_start"),
    }
    print(f"\nwhere the time goes ({env_id}, 224x224, {steps} steps, cumulative share):")
    for label, (file, name) in parts.items():
        cumulative = sum(ct for (f, _, n), (_, _, _, ct, _) in stats.items() if n == name and file in f)
        print(f"  {label:<22} {cumulative / total:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: all GUI tasks)")
    args = parser.parse_args()
    names = set(filter(None, args.tasks.split(",")))
    ids = [s.env_id for s in TASKS if s.family == "gui" and (not names or s.name in names)]
    if not ids:
        parser.error(f"no GUI task named {args.tasks!r}; see `mmgym envs`")

    print(f"{'env':<28} {'size':>9} {'steps/s':>9} {'redraw':>9} {'ratio':>6}")
    rates = {}
    for env_id in ids:
        for size in ((224, 224), (1280, 720)):
            steps = args.steps if size == (224, 224) else args.steps // 4
            fast = steps_per_second(env_id, size, steps)
            with redraw_every_step():
                slow = steps_per_second(env_id, size, steps)
            rates[env_id, size] = fast
            print(f"{env_id:<28} {size[0]:>4}x{size[1]:<4} {fast:9.0f} {slow:9.0f} {fast / slow:5.1f}x")
    small = [rates[i, (224, 224)] for i in ids]
    print(f"\n224x224 single process: min {min(small):.0f}, median {np.median(small):.0f} steps/s "
          f"(target 2000 per core: {sum(r >= 2000 for r in small)} of {len(small)} tasks reach it)")

    print("\nmake_vec async, 2 workers, 224x224, random actions:")
    for env_id in ids:
        single = steps_per_second(env_id, (224, 224), args.steps, expert_share=0.0)  # same policy
        vector = vector_steps_per_second(env_id, args.steps)
        print(f"  {env_id:<28} {vector:7.0f} steps/s ({vector / single:.2f}x one process)")
    profile(ids[-1], args.steps)


if __name__ == "__main__":
    main()
