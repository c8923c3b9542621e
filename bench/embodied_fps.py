"""Frames per second (env step + the camera image it gives) of mmgym's embodied MuJoCo envs beside
Gymnasium's own Pusher-v5 and Reacher-v5, at 64x64 and 224x224, in the same run.

- mmgym: the continuous-control ids (``mmgym/<Task>Continuous-v0``, ``gym.make(id, width=W,
  height=H)``). One step is ten 5 ms physics steps (50 ms) under a ``Box`` action (4-d for the
  tabletop, 2-d for the navigation robot), then a render into ``obs["image"]``; it also computes the
  oracle's next action for ``info``. Their MJCF renders without shadows or multisampling
  (``shadowsize`` 0, ``offsamples`` 0, no shadow-casting light). The skill-action ids run a
  controller for many physics steps per step and are left out.
- Gymnasium: ``gym.make(id, render_mode="rgb_array", width=W, height=H)``, timed as ``env.step`` +
  ``env.render()``. Twice: with MuJoCo's default render settings (4096 shadow map, 4x multisampling,
  Pusher's light casts shadows; Reacher has no light, so only multisampling applies), and "fast",
  the same settings as mmgym's, set on the model before the first render (the GL context sizes its
  buffers then): ``vis.quality.shadowsize = 0``, ``vis.quality.offsamples = 0``,
  ``light_castshadow[:] = 0``. The physics (model, frame skip) is each env's own, so steps/s mixes
  physics and rendering cost.

Rendering is offscreen in software (``MUJOCO_GL`` from mmgym's ``choose_backend``: EGL on Mesa's
llvmpipe here, which uses every core). Each env is made, reset and stepped a few times (the GL
context, first frame) before timing. Gymnasium's ``OffScreenViewer.render`` does not make its own GL
context current (``mujoco.Renderer``, which mmgym uses, does): with several envs open in one process
it draws with the last-made context (blank or wrong images, meaningless timings), so each Gymnasium
env's context is made current before its run, outside the clock. Random actions are sampled before
the clock starts; an episode that ends is reset with the next seed inside the clock (mmgym's reset
renders its first image, Gymnasium's does not). Every env of a size is open at once and timed in
turn, for ``--runs`` rounds, so a burst of load on the shared machine hits one round, not one env;
each number is the best round. The target (the issue's): mmgym at least as fast as Reacher-v5 with
the fast settings, and 300 steps/s at 224x224. Numbers are printed, not checked: the machine is
shared and timings are noisy.

Usage: python bench/embodied_fps.py [--steps 200] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time

from mmgym.envs.embodied.rendering import choose_backend

BACKEND = choose_backend()  # before anything imports mujoco

import gymnasium as gym  # noqa: E402
import mujoco  # noqa: E402

import mmgym  # noqa: E402, F401  (registers the ids)

TASKS = ("ReachTarget", "PushBlock", "PickPlace", "StackBlocks", "BuildTower", "Navigate")
MMGYM_IDS = tuple(f"mmgym/{task}Continuous-v0" for task in TASKS)
PEERS = ("Pusher-v5", "Reacher-v5")
SIZES = (64, 224)
TARGET = 300  # steps/s with a 224x224 image


def make(env_id: str, size: int, settings: str) -> gym.Env:
    """The env, reset and stepped a little (GL context made, first frames drawn)."""
    if env_id in MMGYM_IDS:
        env = gym.make(env_id, width=size, height=size)
    else:
        env = gym.make(env_id, render_mode="rgb_array", width=size, height=size)
        if settings == "fast":  # before the first render, which makes the GL context
            model = env.unwrapped.model
            model.vis.quality.shadowsize = 0
            model.vis.quality.offsamples = 0
            model.light_castshadow[:] = 0
    env.reset(seed=0)
    for _ in range(5):
        observation, *_ = env.step(env.action_space.sample())
        image = observation["image"] if env_id in MMGYM_IDS else env.render()
        if image.shape != (size, size, 3) or not image.any():
            raise RuntimeError(f"{env_id} gave an image of shape {image.shape}, max {image.max()}")
    return env


def steps_per_second(env: gym.Env, steps: int, seed: int) -> float:
    """``steps`` steps of random actions (each with its image), resets included."""
    renders = env.spec.id not in MMGYM_IDS
    if renders:  # Gymnasium's viewer draws in whichever GL context is current (see the docstring)
        env.unwrapped.mujoco_renderer.viewer.make_context_current()
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    env.reset(seed=seed)
    start = time.perf_counter()
    for action in actions:
        observation, _, terminated, truncated, _ = env.step(action)
        image = env.render() if renders else observation["image"]
        if terminated or truncated:
            seed += 1
            env.reset(seed=seed)
    rate = steps / (time.perf_counter() - start)
    if not image.any():
        raise RuntimeError(f"{env.spec.id} drew a blank image")
    return rate


def measure(size: int, args: argparse.Namespace, skipped: dict[str, str]) -> dict[tuple[str, str], float]:
    """Best steps/s of every (env id, settings) at ``size``; a peer that cannot be made goes into
    ``skipped`` with why."""
    envs = {(env_id, "mjcf (fast)"): make(env_id, size, "") for env_id in MMGYM_IDS}
    for env_id in PEERS:
        for settings in ("default", "fast"):
            if env_id in skipped:
                continue
            try:
                envs[env_id, settings] = make(env_id, size, settings)
            except Exception as error:  # reported with the table, not papered over
                why = f"{type(error).__name__}: {error}"
                if isinstance(error, ModuleNotFoundError) and error.name == "imageio":
                    why += " (gymnasium.envs.mujoco imports it; only gymnasium's [mujoco] extra installs it)"
                skipped[env_id] = why
    best = dict.fromkeys(envs, 0.0)
    for run in range(args.runs):
        for index, (key, env) in enumerate(envs.items()):
            rate = steps_per_second(env, args.steps, args.seed + 10_000 * run + 1_000 * index)
            best[key] = max(best[key], rate)
    for env in envs.values():
        env.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is kept")
    parser.add_argument("--seed", type=int, default=0, help="seeds the actions and the episodes")
    parser.add_argument("--quick", action="store_true", help="a few steps only (checks that it runs)")
    args = parser.parse_args()
    if args.quick:
        args.steps = min(args.steps, 20)

    print(f"step + image, {args.steps} steps per run, best of {args.runs} runs; MUJOCO_GL={BACKEND}, "
          f"mujoco {mujoco.__version__}, gymnasium {gym.__version__}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'env':<32} {'size':>7} {'settings':<12} {'steps/s':>8}")
    rates: dict[tuple[str, str, int], float] = {}
    skipped: dict[str, str] = {}
    for size in SIZES:
        for (env_id, settings), rate in measure(size, args, skipped).items():
            rates[env_id, settings, size] = rate
            print(f"{env_id:<32} {size:>3}x{size:<3} {settings:<12} {rate:8.1f}", flush=True)
    for env_id, why in skipped.items():
        print(f"{env_id}: not measured: {why}")

    print("\nratios (steps/s):")
    for size in SIZES:
        for peer in PEERS:
            if (peer, "fast", size) in rates:
                speedup = rates[peer, "fast", size] / rates[peer, "default", size]
                print(f"  {size:>3}x{size:<3} {peer:<11} fast / default {speedup:6.2f}x")
        reacher = rates.get(("Reacher-v5", "fast", size))
        if not reacher:
            print(f"  {size:>3}x{size:<3} mmgym / Reacher-v5 (fast): n/a, Reacher-v5 not measured")
            continue
        for env_id in MMGYM_IDS:
            rate = rates[env_id, "mjcf (fast)", size] / reacher
            print(f"  {size:>3}x{size:<3} {env_id:<32} / Reacher-v5 (fast) {rate:5.2f}x")
    slowest = min(MMGYM_IDS, key=lambda env_id: rates[env_id, "mjcf (fast)", 224])
    reached = sum(rates[env_id, "mjcf (fast)", 224] >= TARGET for env_id in MMGYM_IDS)
    print(f"\n224x224: {reached} of {len(MMGYM_IDS)} mmgym ids at {TARGET} steps/s or more; slowest "
          f"{slowest} at {rates[slowest, 'mjcf (fast)', 224]:.0f}")  # fmt: skip
    for size in SIZES:
        reacher = rates.get(("Reacher-v5", "fast", size))
        if reacher:
            faster = sum(rates[env_id, "mjcf (fast)", size] >= reacher for env_id in MMGYM_IDS)
            print(f"{size}x{size}: {faster} of {len(MMGYM_IDS)} mmgym ids at least as fast as "
                  f"Reacher-v5 (fast), {reacher:.0f} steps/s")  # fmt: skip


if __name__ == "__main__":
    main()
