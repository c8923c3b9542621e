"""Oracle trajectories of a live GUI env as dataset samples, and UI-R1's selection of samples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
from PIL import Image

from mmgym.envs.datasets.formats import cannot_hold
from mmgym.envs.datasets.samples import GuiSample


def oracle_samples(env_id: str, episodes: int, folder: Path, *, width: int, height: int, seed: int = 0,
                   format: str | None = None) -> tuple[list[GuiSample], Counter]:  # fmt: skip
    """Every step of ``episodes`` oracle episodes of ``env_id`` (seeds ``seed`` on) as a sample: the
    screen (saved as a PNG in ``folder``), the instruction, the expert action and its target box,
    and the earlier actions of the episode as history. With ``format``, only the steps its layout
    can hold (:func:`mmgym.envs.datasets.formats.cannot_hold`). Returns the samples and, per
    reason, the steps left out."""
    env = gym.make(env_id, width=width, height=height)
    folder.mkdir(parents=True, exist_ok=True)
    samples, left_out = [], Counter()
    try:
        for episode in range(seed, seed + episodes):
            observation, info = env.reset(seed=episode)
            history: list[str] = []
            for step in range(10_000):
                expert = info.get("expert_action")
                if expert is None:
                    raise ValueError(f"{env_id} has no oracle (info['expert_action']) to export")
                box = info.get("target_box")
                box = tuple(map(float, box)) if box is not None else None
                earlier = () if format == "screenspot" else tuple(history)  # grounding data: single screens
                sample = GuiSample(folder / f"{episode:06d}_{step:03d}.png", observation["instruction"],
                                   expert, box, earlier, f"{env_id} seed {episode} step {step}")  # fmt: skip
                Image.fromarray(observation["image"]).save(sample.image)
                reason = cannot_hold(sample, format) if format is not None else None
                if reason is None:
                    samples.append(sample)
                else:
                    sample.image.unlink()
                    left_out[reason] += 1
                history.append(expert.to_json())
                observation, _, terminated, truncated, info = env.step(expert)
                if terminated or truncated:
                    break
    finally:
        env.close()
    return samples, left_out


@dataclass(frozen=True)
class Selection:
    """What :func:`select_samples` kept, and the counts that explain it."""

    kept: list[GuiSample]
    seen: Counter  # action type -> samples
    wrong: Counter  # action type -> samples the model got wrong
    kept_by_type: Counter
    cap: int  # samples kept per action type at most


def select_samples(samples: Sequence[GuiSample], correct: Callable[[int], bool],
                   per_type: int | None = None) -> Selection:  # fmt: skip
    """UI-R1's data selection (Lu et al., 2025, sec. 3.2): keep the samples the current model gets
    wrong (difficulty), then balance the action types (diversity): at most ``per_type`` of each
    type, by default as many as the rarest type kept has, taken in dataset order.

    Args:
        samples: the dataset.
        correct: whether the model gets sample ``i`` right.
        per_type: the cap per action type; None balances to the rarest type among the wrong ones.
    """
    seen, wrong, hard = Counter(), Counter(), []
    for index, sample in enumerate(samples):
        kind = sample.action.type.label
        seen[kind] += 1
        if not correct(index):
            wrong[kind] += 1
            hard.append(sample)
    cap = per_type if per_type is not None else min(wrong.values(), default=0)
    kept, kept_by_type = [], Counter()
    for sample in hard:
        kind = sample.action.type.label
        if kept_by_type[kind] < cap:
            kept.append(sample)
            kept_by_type[kind] += 1
    return Selection(kept, seen, wrong, kept_by_type, cap)
