"""Steps per second of "click + screenshot observation" on MiniWoB++ tasks: mmgym's browser env
against the ``miniwob`` package's own Selenium env and BrowserGym's MiniWoB env, plus how mmgym
scales from one env to two envs in two processes.

All three load the same HTML (the installed ``miniwob`` package's ``html/miniwob``) in Chromium
and click the same points: a seeded list of random points in the 160x210 task area below its
50 px instruction bar, point i on step i whatever the env. Every step returns a screenshot:

- mmgym: ``MiniWoBEnv(task)``, ``step(Action.click(x, y))``, ``obs["image"]`` (160x210, Playwright
  and a CDP screenshot). Reset wipes the browser context clean and loads the page again.
- miniwob: ``gymnasium.make("miniwob/<task>-v1")`` with its default observation (screenshot, DOM,
  utterance), clicks by ``CLICK_COORDS``; Selenium and chromedriver. Its reset restarts the episode
  on the open page. On the step that ends an episode it returns a blank screenshot instead of
  taking one, so its terminal steps cost less.
- BrowserGym: ``gym.make("browsergym/miniwob.<task>")`` with the coordinate action set
  (``mouse_click``), ``slow_mo`` and ``pre_observation_delay`` at 0 (its defaults add 100 ms and
  0.5 s a step); its observation always has the screenshot (at its 1.5x scale, so clicks are sent
  scaled by 1.5 to land on the same page points) besides the DOM snapshot and the AXTree. It pins
  an old Playwright, so it runs in its own venv, ``bench/.venv-browsergym`` (made on first use with
  ``pip install browsergym-miniwob``), as a child process of this script, on the system Chromium
  when Playwright has no browser of its own. Its reset starts two new browsers (task and chat).

Episode k resets mmgym with seed ``--seed + k`` and miniwob with the page seed mmgym derives from it,
so the two play the same layouts and end the same episodes; BrowserGym draws its page seed its own
way, so its layouts (and episode count) differ. Each measurement runs in its own process: one reset
and ``--warmup`` steps, then ``--steps`` timed steps. ``steps/s`` is 1 / the median time of
``env.step`` (actions are built before the clock starts); ``with resets`` is the timed steps over
the wall time they took, resets included. Scaling: the same mmgym loop (first task) in 1 process,
then in 2 processes started together after their warm-ups, total steps over wall time; once with
each process (and its browser) pinned to a core of its own, once free to use both cores. No number
here is checked against a target: the machine is shared and timings are noisy.

Usage: python bench/browser_vs_miniwob.py [--steps 200] [--warmup 10] [--quick] [--no-browsergym]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TASKS = ("click-test-2", "click-button")
WIDTH, HEIGHT, BAR = 160, 210, 50  # MiniWoB's task area and its instruction bar
BROWSERGYM_VENV = Path(__file__).resolve().parent / ".venv-browsergym"
BROWSERGYM_PACKAGE = "browsergym-miniwob==0.14.3"
SIDES = ("mmgym", "miniwob", "browsergym")


def click_points(seed: int, count: int) -> list[tuple[int, int]]:
    """Random points in the task area below the instruction bar (Python's ``random``, so the
    BrowserGym venv draws the same ones)."""
    rng = random.Random(seed)
    return [(rng.randrange(WIDTH), rng.randrange(BAR, HEIGHT)) for _ in range(count)]


# One adapter per side: reset(seed), action(x, y) (built before the clock starts), step(action) ->
# whether the episode ended. Each checks that the step's observation holds the screenshot.
class MmgymSide:
    def __init__(self, task: str):
        from mmgym.envs.actions import Action
        from mmgym.envs.browser.miniwob import MiniWoBEnv

        self.env, self.click = MiniWoBEnv(task), Action.click

    def reset(self, seed: int) -> None:
        observation, _ = self.env.reset(seed=seed)
        check_image(observation["image"])

    def action(self, x: int, y: int):
        return self.click(x, y)

    def step(self, action) -> bool:
        observation, _, terminated, truncated, info = self.env.step(action)
        check_image(observation["image"])
        if "error" in info:
            raise RuntimeError(f"mmgym step failed: {info['error']}")
        return terminated or truncated


class MiniwobSide:
    def __init__(self, task: str):
        import gymnasium
        import numpy as np

        os.environ.setdefault("MINIWOB_CHROME_BINARY", system_chromium(real_binary=True) or "")
        os.environ.setdefault("MINIWOB_CHROMEDRIVER", shutil.which("chromedriver") or "")
        if not os.environ["MINIWOB_CHROMEDRIVER"]:
            raise RuntimeError("no chromedriver: install the Debian package chromium-driver (make setup)")
        if not os.environ["MINIWOB_CHROME_BINARY"]:
            raise RuntimeError("no system Chromium: install the Debian package chromium (make setup)")
        import miniwob
        from miniwob.action import ActionTypes

        gymnasium.register_envs(miniwob)
        self.env = gymnasium.make(f"miniwob/{task}-v1")
        self.np, self.click = np, ActionTypes.CLICK_COORDS

    def reset(self, seed: int) -> None:
        from gymnasium.utils import seeding

        # The page seed mmgym's MiniWoBEnv draws from reset(seed=seed): the same layout.
        page_seed = int(seeding.np_random(seed)[0].integers(2**31))
        observation, _ = self.env.reset(seed=page_seed)
        check_image(observation["screenshot"])

    def action(self, x: int, y: int):
        return self.env.unwrapped.create_action(self.click, coords=self.np.array([x, y]))

    def step(self, action) -> bool:
        observation, _, terminated, truncated, _ = self.env.step(action)
        check_image(observation["screenshot"])  # blank (but there) on the step that ends an episode
        return terminated or truncated


class BrowsergymSide:
    def __init__(self, task: str):
        import logging

        import gymnasium
        import playwright.sync_api
        from browsergym.core import _get_global_playwright

        logging.getLogger("browsergym").setLevel(logging.ERROR)  # "Overriding the task's slow_mo"
        if not Path(_get_global_playwright().chromium.executable_path).exists():
            # No Playwright browser download here: every launch (task and chat browser) gets the
            # system Chromium, with BrowserGym's own launch arguments otherwise.
            path = system_chromium(real_binary=False)
            if path is None:
                raise RuntimeError("Playwright has no Chromium and there is no system chromium")
            launch = playwright.sync_api.BrowserType.launch

            def launch_system_chromium(self, *args, **kwargs):
                kwargs.setdefault("executable_path", path)
                return launch(self, *args, **kwargs)

            playwright.sync_api.BrowserType.launch = launch_system_chromium
        import browsergym.miniwob  # noqa: F401  (registers the tasks)
        from browsergym.core.action.highlevel import HighLevelActionSet

        actions = HighLevelActionSet(subsets=["coord"], multiaction=False, demo_mode="off")
        self.env = gymnasium.make(f"browsergym/miniwob.{task}", action_mapping=actions.to_python_code,
                                  slow_mo=0, pre_observation_delay=0, headless=True)  # fmt: skip
        self.scale = 1.0

    def reset(self, seed: int) -> None:
        observation, _ = self.env.reset(seed=seed)
        self.scale = getattr(self.env.unwrapped.page, "_bgym_scale_factor", 1.0)
        check_image(observation["screenshot"], (round(WIDTH * self.scale), round(HEIGHT * self.scale)))

    def action(self, x: int, y: int) -> str:
        # BrowserGym's coordinates are screenshot pixels, which it divides by its scale factor.
        return f"mouse_click({x * self.scale}, {y * self.scale})"

    def step(self, action: str) -> bool:
        observation, _, terminated, truncated, _ = self.env.step(action)
        if observation["last_action_error"]:
            raise RuntimeError(f"BrowserGym action {action!r} failed: {observation['last_action_error']}")
        check_image(observation["screenshot"], (round(WIDTH * self.scale), round(HEIGHT * self.scale)))
        return terminated or truncated


def check_image(image, at_least: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
    """The observation holds a screenshot covering the task area (width, height)."""
    if image.ndim != 3 or image.shape[1] < at_least[0] or image.shape[0] < at_least[1]:
        raise RuntimeError(f"observation image of shape {image.shape}, expected one of at least {at_least}")


def system_chromium(real_binary: bool) -> str | None:
    """``$MMGYM_CHROMIUM`` or the system's chromium; with ``real_binary``, Debian's binary behind its
    /usr/bin/chromium wrapper script (chromedriver can start either)."""
    if configured := os.environ.get("MMGYM_CHROMIUM"):
        return configured
    if real_binary and Path("/usr/lib/chromium/chromium").exists():
        return "/usr/lib/chromium/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def measure(side, points: list[tuple[int, int]], warmup: int, first_seed: int, barrier=None) -> dict:
    """Reset, ``warmup`` steps, then time the remaining points' steps; a step that ends an episode
    is followed by a reset with the next seed."""
    seeds = iter(range(first_seed, first_seed + 10**6))
    side.reset(next(seeds))
    step_times, reset_times, episodes = [], [], 0
    start = end = 0.0
    for index, (x, y) in enumerate(points):
        if index == warmup:
            if barrier is not None:
                barrier.wait()
            start = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
        action = side.action(x, y)
        began = time.perf_counter()
        ended = side.step(action)
        took = time.perf_counter() - began
        if index >= warmup:
            step_times.append(took)
            episodes += ended
        if ended:
            began = time.perf_counter()
            side.reset(next(seeds))
            if index >= warmup:
                reset_times.append(time.perf_counter() - began)
    end = time.monotonic()
    return {"steps_per_second": 1 / statistics.median(step_times),
            "with_resets": len(step_times) / (end - start),
            "reset_ms": 1000 * statistics.median(reset_times) if reset_times else float("nan"),
            "episodes": episodes, "start": start, "end": end, "steps": len(step_times)}  # fmt: skip


def run_side(side_name: str, task: str, args: argparse.Namespace, seed_offset: int = 0, barrier=None) -> dict:
    side_class = {"mmgym": MmgymSide, "miniwob": MiniwobSide, "browsergym": BrowsergymSide}[side_name]
    side = side_class(task)
    try:
        points = click_points(args.seed, args.warmup + args.steps)
        return measure(side, points, args.warmup, args.seed + seed_offset, barrier)
    finally:
        side.env.close()


def scaling_worker(task: str, args: argparse.Namespace, seed_offset: int, barrier, results,
                   core: int | None) -> None:  # fmt: skip
    if core is not None:
        os.sched_setaffinity(0, {core})  # the env's driver and browser processes inherit it
    try:
        results.put(run_side("mmgym", task, args, seed_offset, barrier))
    except Exception as error:  # reported by the parent
        barrier.abort()
        results.put({"error": f"{type(error).__name__}: {error}"})


def scaling(task: str, args: argparse.Namespace, processes: int, pinned: bool) -> float:
    """Total mmgym steps/s of ``processes`` envs, one per process, timed from a common start;
    ``pinned``: process i and its browser run on core i only."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=scaling_worker,
                               args=(task, args, 10**5 * i, barrier, results, i if pinned else None))
               for i in range(processes)]  # fmt: skip
    for worker in workers:
        worker.start()
    rows = [results.get(timeout=600 + 10 * (args.warmup + args.steps)) for _ in workers]
    for worker in workers:
        worker.join()
    errors = [row["error"] for row in rows if "error" in row]
    if errors:
        raise RuntimeError(errors[0])
    wall = max(row["end"] for row in rows) - min(row["start"] for row in rows)
    return sum(row["steps"] for row in rows) / wall


def browsergym_python() -> tuple[Path | None, str]:
    """The BrowserGym venv's python, making the venv first if needed; or None and why not."""
    python = BROWSERGYM_VENV / "bin" / "python"
    check = [str(python), "-c", "import browsergym.miniwob"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    print(f"setting up {BROWSERGYM_VENV} ({BROWSERGYM_PACKAGE}) ...", file=sys.stderr, flush=True)
    for command in ([sys.executable, "-m", "venv", str(BROWSERGYM_VENV)],
                    [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     BROWSERGYM_PACKAGE], check):  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip() and "WARNING" not in line]
            return None, f"`{' '.join(command[:4])} ...` failed: {lines[-1] if lines else done.returncode}"
    return python, ""


def run_child(python: str | Path, side: str, task: str, args: argparse.Namespace, env: dict) -> dict:
    """One measurement in a child process; its numbers, or {"error": why}."""
    command = [str(python), __file__, "--side", side, "--task", task,
               *(f"--{key}={getattr(args, key)}" for key in ("steps", "warmup", "seed"))]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        problem = [line for line in done.stderr.splitlines() if line.strip()]
        return {"error": problem[-1] if problem else f"exit code {done.returncode}"}
    return json.loads(lines[-1])


def peer_pythons(args: argparse.Namespace) -> tuple[dict[str, str | Path], dict[str, str]]:
    """The python each side runs in, and the sides skipped with why."""
    pythons: dict[str, str | Path] = {"mmgym": sys.executable, "miniwob": sys.executable}
    if args.no_browsergym:
        return pythons, {"browsergym": "skipped (--no-browsergym)"}
    python, why = browsergym_python()
    if python is None:
        if args.browsergym:
            sys.exit(f"BrowserGym: {why}")
        return pythons, {"browsergym": why}
    pythons["browsergym"] = python
    return pythons, {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps after the first reset")
    parser.add_argument("--seed", type=int, default=0, help="seeds the click points and the episodes")
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated MiniWoB++ task names")
    parser.add_argument("--quick", action="store_true", help="a few steps only (checks that it runs)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--browsergym", action="store_true", help="fail if BrowserGym cannot be set up")
    group.add_argument("--no-browsergym", action="store_true", help="skip BrowserGym")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.steps, args.warmup = min(args.steps, 12), min(args.warmup, 2)
    if args.side:  # a child process: one measurement, printed as JSON
        print(json.dumps(run_side(args.side, args.task, args)))
        return

    from mmgym.envs.browser.miniwob import html_folder

    folder = html_folder()
    if folder is None:
        sys.exit("the miniwob package is not installed: pip install -e '.[dev]' (make setup)")
    tasks = [task for task in args.tasks.split(",") if task]
    env = dict(os.environ, MINIWOB_URL=(folder / "miniwob").as_uri() + "/")
    pythons, skipped = peer_pythons(args)

    load = os.getloadavg()[0]
    print(f"{args.steps} timed steps after {args.warmup} warm-up steps, seed {args.seed}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f}")  # fmt: skip
    print(f"{'env':<11} {'task':<14} {'steps/s':>8} {'with resets':>12} {'reset ms':>9} {'episodes':>9}")
    results: dict[tuple[str, str], dict] = {}
    for task in tasks:
        for side in SIDES:
            if side in skipped:
                continue
            result = run_child(pythons[side], side, task, args, env)
            if "error" in result:
                if side == "mmgym":
                    sys.exit(f"mmgym on {task} failed: {result['error']}")
                print(f"{side:<11} {task:<14} failed: {result['error']}")
                continue
            results[side, task] = result
            print(f"{side:<11} {task:<14} {result['steps_per_second']:8.1f} {result['with_resets']:12.1f} "
                  f"{result['reset_ms']:9.0f} {result['episodes']:9d}", flush=True)  # fmt: skip
    for side, why in skipped.items():
        print(f"{side}: not measured: {why}")

    print("\nratios (steps/s; with resets):")
    for task in tasks:
        mm = results["mmgym", task]
        for peer in SIDES[1:]:
            if (peer, task) in results:
                other = results[peer, task]
                rate = mm["steps_per_second"] / other["steps_per_second"]
                print(f"  {task:<14} mmgym / {peer:<10} {rate:5.2f}x; "
                      f"{mm['with_resets'] / other['with_resets']:5.2f}x")  # fmt: skip

    print(f"\nmmgym scaling on {tasks[0]} (total steps/s with resets, one env per process):")
    for pinned in (True, False):
        one, two = scaling(tasks[0], args, 1, pinned), scaling(tasks[0], args, 2, pinned)
        where = "each env on a core of its own" if pinned else "envs free to use both cores"
        print(f"  {where:<30} 1 env {one:5.1f}, 2 envs {two:5.1f}; factor {two / one:.2f} (ideal 2.00)")


if __name__ == "__main__":
    main()
