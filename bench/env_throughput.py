"""Steps per second of the synthetic GUI envs (reset + step + observation), and where the time goes.

Two policies, because episode length decides how often a reset (a new layout, new text to draw)
comes: random actions, and the expert's action half the time (screens change and stay put, as in
training). Each rate is the best of three runs on fresh seeds (the machine is shared and noisy),
after a warm-up run that loads the fonts. The peer, in the same run, is the same env with every
render cache off and a full redraw on every step (each widget drawn afresh by Pillow, each string
rasterised whole); the ratio, mmgym / peer, is what the caches and skipped renders buy. Then
224x224 through ``gymnasium.make_vec`` with two async workers, and a profile of one task split
into rendering, task logic, oracle and observation copy.

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
from PIL import Image, ImageDraw

import mmgym  # noqa: F401
from mmgym.envs.gui import base, render
from mmgym.envs.gui import text as gui_text
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


def plain_text_length(text: str, size: int, bold: bool = False) -> float:
    return gui_text.font(size, bold).getlength(text)


def plain_glyphs(text: str, size: int, bold: bool) -> gui_text.TextMask:
    """A whole string rasterised by one Pillow call, as a plain Pillow env draws text."""
    face = gui_text.font(size, bold)
    x0, y0, x1, y1 = face.getbbox(text, anchor="lm")
    mask = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
    ImageDraw.Draw(mask).text((-x0, -y0), text, fill=255, font=face, anchor="lm")
    return gui_text.TextMask(np.asarray(mask), x0, y0, face.getlength(text))


@contextmanager
def redraw_every_step():
    """The peer: the same drawing code with no caches (each string rasterised whole by Pillow) and
    a full redraw on every step.

    The replacements go into every mmgym GUI module that imported the cached functions.
    """
    plain = {gui_text.text_length: plain_text_length, gui_text.text_mask: plain_glyphs}
    cached = (render.sprite, render.chrome, render._drawn_chrome, render._shape_mask, render.panel_sprite,
              render.background, gui_text.fit_text, *plain)  # fmt: skip
    replacements = {id(function): plain.get(function, function.__wrapped__) for function in cached}
    swapped = [
        (module, attr, value)
        for module in list(sys.modules.values())
        if module.__name__.startswith("mmgym.envs.gui")
        for attr, value in vars(module).items()
        if id(value) in replacements
    ]
    for module, attr, value in swapped:
        setattr(module, attr, replacements[id(value)])
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


TARGET = 2000  # steps/s per core at 224x224 (issue 2)


def best_of(runs: int, *args, **kwargs) -> float:
    return max(steps_per_second(*args, **kwargs) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: all GUI tasks)")
    args = parser.parse_args()
    names = set(filter(None, args.tasks.split(",")))
    ids = [s.env_id for s in TASKS if s.family == "gui" and (not names or s.name in names)]
    if not ids:
        parser.error(f"no GUI task named {args.tasks!r}; see `mmgym envs`")

    print(f"{'env':<26} {'size':>9} {'random':>8} {'half-expert':>12} {'peer':>7} {'ratio':>6}")
    rates: dict[tuple[str, str], float] = {}
    for env_id in ids:
        for size in ((224, 224), (1280, 720)):
            steps = args.steps if size == (224, 224) else args.steps // 4
            steps_per_second(env_id, size, steps // 4)  # warm-up: fonts, shared chrome
            random = best_of(3, env_id, size, steps, expert_share=0.0)
            mixed = best_of(3, env_id, size, steps)
            with redraw_every_step():
                peer = steps_per_second(env_id, size, steps)
            if size == (224, 224):
                rates[env_id, "random"], rates[env_id, "half-expert"] = random, mixed
            print(f"{env_id:<26} {size[0]:>4}x{size[1]:<4} {random:8.0f} {mixed:12.0f} {peer:7.0f} "
                  f"{mixed / peer:5.1f}x")  # fmt: skip
    for policy in ("random", "half-expert"):
        small = [rates[i, policy] for i in ids]
        reached = sum(r >= TARGET for r in small)
        print(f"224x224, {policy}: min {min(small):.0f}, median {np.median(small):.0f} steps/s; "
              f"{reached} of {len(small)} tasks reach {TARGET}")  # fmt: skip

    print("\nmake_vec async, 2 workers, 224x224, random actions:")
    for env_id in ids:
        vector = vector_steps_per_second(env_id, args.steps)
        print(f"  {env_id:<26} {vector:7.0f} steps/s ({vector / rates[env_id, 'random']:.2f}x one process)")
    profile(ids[-1], args.steps)

if __name__ == "__main__":
    main()
