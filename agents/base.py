"""What every agent is: a batch of observations (and the env's infos) in, a batch of replies out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Reply:
    """One model reply.

    Attributes:
        text: the reply, e.g. ``<think>...</think><answer>{...}</answer>``.
        token_ids: the generated token ids, for agents backed by a model (token-in-token-out:
            trainers never re-tokenise a reply).
        logprobs: the log-probability of each generated token under the sampling policy.
        error: why no reply came (a served model that was down, too slow or answered garbage);
            the episode stops there and is reported as failed with this reason.
    """

    text: str
    token_ids: tuple[int, ...] | None = None
    logprobs: tuple[float, ...] | None = None
    error: str | None = None


class Agent(Protocol):
    """A policy over text-action envs (see :class:`mmgym.envs.TextActions`)."""

    def reset(self, index: int, seed: int | None = None) -> None:
        """Start a new episode in env slot ``index``: forget its history; ``seed`` is the
        episode's seed, so that a stochastic agent can act the same whenever that episode is
        replayed."""

    def act(self, observations: Sequence[dict[str, Any]], infos: Sequence[dict[str, Any]]) -> list[Reply]:
        """One reply per env slot."""
