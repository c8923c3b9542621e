"""Saving the episodes `mmgym play` and `mmgym eval` play into their run directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mmgym.episodes import Step
from mmgym.rundir import RunDir, append, turn_record


class EpisodeRecorder:
    """Collects each episode's steps (from :func:`mmgym.episodes.play_episodes`' ``on_step``) and
    saves the episode whole when it ends, as ``trajectories/<folder(seed)>/``.

    Args:
        run: the run directory.
        env_id, agent: what played.
        folder: the trajectory folder of an episode's seed; None skips the episode.
        embodied: whether the env is an embodied one (the report animates its episodes).
        log: also append every step of a saved episode to ``trajectory.jsonl`` (`mmgym play`).
    """

    def __init__(self, run: RunDir, env_id: str, agent: str, folder: Callable[[int], str | None],
                 embodied: bool = False, log: bool = False):  # fmt: skip
        self.run, self.env_id, self.agent, self.folder = run, env_id, agent, folder
        self.embodied, self.log = embodied, log
        self.playing: dict[int, list[Step]] = {}

    def __call__(self, step: Step) -> None:
        if self.folder(step.seed) is None:
            return
        self.playing.setdefault(step.seed, []).append(step)
        if step.terminated or step.truncated or step.reply.error is not None:
            self._save(step.seed, self.playing.pop(step.seed))

    def _save(self, seed: int, steps: list[Step]) -> None:
        last = steps[-1]
        record = {"env": self.env_id, "agent": self.agent, "seed": seed, "step": None,
                  "success": bool(last.info.get("success", False)), "return": sum(s.reward for s in steps),
                  "embodied": self.embodied, "turns": [_turn(step) for step in steps]}  # fmt: skip
        frames = [step.observation["image"] for step in steps]
        ended = last.terminated or last.truncated
        name = self.folder(seed)
        if not self.run.save_episode(name, record, frames, last.next_observation["image"] if ended else None):
            return
        if self.log:
            lines = ""
            for index, (step, turn) in enumerate(zip(steps, record["turns"], strict=True)):
                lines += json.dumps({"env": self.env_id, "seed": seed, "step": index,
                                     "screenshot": f"trajectories/{name}/step_{index:03d}.png", **turn,
                                     "terminated": step.terminated, "truncated": step.truncated,
                                     "success": bool(step.info.get("success", False))}) + "\n"  # fmt: skip
            append(self.run.path / "trajectory.jsonl", lines)


def _turn(step: Step) -> dict[str, Any]:
    return turn_record(step.observation["instruction"], step.reply.text, step.info.get("action"),
                       step.info.get("parse_error"), step.expert_action, step.reward,
                       step.info.get("reward_components", {}), step.reply.error)  # fmt: skip
