"""Episodes in lockstep: several seeds at once, each slot's history its own, and episodes whose
agent gave no reply reported, not dropped."""

from __future__ import annotations

import pytest

from mmgym.agents import OracleAgent, Reply
from mmgym.episodes import evaluate, make_text_env, play_episodes, run_episode

ENV = "mmgym/FillForm-v0"  # several steps an episode, more for some seeds than for others


class OracleWithFaults:
    """The oracle, except that episodes of the ``failing`` seeds get no reply at step ``at``
    (a fault injector: what a served model does when its server goes down)."""

    def __init__(self, failing: set[int], at: int):
        self.oracle, self.failing, self.at = OracleAgent(), failing, at
        self.seeds: dict[int, int] = {}
        self.steps: dict[int, int] = {}
        self.batches: list[list[int]] = []

    def reset(self, index: int, seed: int | None = None) -> None:
        self.seeds[index], self.steps[index] = seed, 0

    def act(self, observations, infos, indices=None) -> list[Reply]:
        indices = list(range(len(observations)) if indices is None else indices)
        self.batches.append(indices)
        replies = []
        for index, reply in zip(indices, self.oracle.act(observations, infos), strict=True):
            broken = self.seeds[index] in self.failing and self.steps[index] == self.at
            replies.append(Reply("", error="the server is down") if broken else reply)
            self.steps[index] += 1
        return replies


def test_concurrent_episodes_keep_their_own_state_and_report_errors():
    alone = {seed: run_episode(make_text_env(ENV), OracleAgent(), seed).steps for seed in range(7)}
    assert len(set(alone.values())) > 1  # episodes of different lengths: slots free up unevenly
    made, finished = [], []

    def make_env():
        made.append(make_text_env(ENV))
        return made[-1]

    agent = OracleWithFaults(failing={3, 5}, at=1)
    result = evaluate(make_text_env(ENV), agent, ENV, "oracle", range(7), finished.append, concurrency=3,
                      make_env=make_env)  # fmt: skip
    assert len(made) == 2 and max(len(batch) for batch in agent.batches) == 3
    assert any(batch != list(range(len(batch))) for batch in agent.batches)  # slots named by indices
    assert [e.seed for e in result.episodes] == list(range(7)) and len(finished) == 7
    for episode in result.episodes:
        if episode.seed in (3, 5):  # stopped where the reply failed: that reply never reached the env
            assert (episode.error, episode.success, episode.steps, episode.invalid_replies) == (
                "the server is down", False, 1, 0)  # fmt: skip
        else:  # the oracle acted on its own episode's screens all along
            assert (episode.error, episode.success, episode.steps) == (None, True, alone[episode.seed])
    summary = result.summary()
    assert (summary["episodes"], summary["errors"], summary["success_rate"]) == (7, 2, 5 / 7)


def test_a_step_without_reply_is_reported_untaken():
    steps = []
    (result,) = play_episodes([make_text_env(ENV)], OracleWithFaults({4}, at=2), [4], on_step=steps.append)
    assert [step.index for step in steps] == [0, 1, 2] and result.steps == 2
    last = steps[-1]
    assert last.reply.error == "the server is down" and last.info == {} and last.reward == 0.0
    assert last.next_observation is last.observation and not (last.terminated or last.truncated)


def test_agents_that_read_slots_by_position_run_one_episode_at_a_time():
    with pytest.raises(ValueError, match="run oracle with concurrency 1"):
        evaluate(make_text_env(ENV), OracleAgent(), ENV, "oracle", range(3), concurrency=2,
                 make_env=lambda: make_text_env(ENV))  # fmt: skip
    result = evaluate(make_text_env(ENV), OracleAgent(), ENV, "oracle", range(3))
    assert result.summary()["success_rate"] == 1.0 and result.summary()["errors"] == 0


def test_under_a_protocol_a_step_that_got_no_reply_counts_as_a_miss():
    """ClickElement takes one click: 4 episodes, 1 with no reply at its first step. The 3 others are
    right, so step success and grounding are 3 of 4 (not 3 of 3), as the success rate is."""
    env = "mmgym/ClickElement-v0"
    agent = OracleWithFaults(failing={2}, at=0)
    summary = evaluate(make_text_env(env), agent, env, "oracle", range(4), protocol="screenspot").summary()
    assert (summary["success_rate"], summary["errors"], summary["protocol"]) == (0.75, 1, "screenspot")
    assert (summary["step_success_rate"], summary["grounding_accuracy"]) == (0.75, 0.75)
    assert summary["action_type_accuracy"] == 0.75
