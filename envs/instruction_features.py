"""Instructions as numbers, for policies that cannot read text (stable-baselines3 and the like)."""

from __future__ import annotations

import re
import zlib
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

#: Length of the instruction feature vector.
FEATURES = 64


def instruction_features(instruction: str, size: int = FEATURES) -> np.ndarray:
    """A hashed bag of words: 1 at ``crc32(word) % size`` for each lower-cased word, else 0.

    Deterministic across processes and machines (unlike Python's ``hash``), so a saved policy reads
    instructions the same way when it is loaded again.

    Example:
        >>> features = instruction_features("Reach the red target.")
        >>> features.shape, int(features.sum()) <= 4
        ((64,), True)
    """
    features = np.zeros(size, np.float32)
    for word in re.findall(r"[a-z0-9]+", instruction.lower()):
        features[zlib.crc32(word.encode()) % size] = 1.0
    return features


class InstructionFeatures(gym.ObservationWrapper):
    """Replaces the ``instruction`` text of a Dict observation by :func:`instruction_features`."""

    def __init__(self, env: gym.Env, size: int = FEATURES):
        super().__init__(env)
        self.size = size
        features = spaces.Box(0.0, 1.0, (size,), np.float32)
        self.observation_space = spaces.Dict({**env.observation_space.spaces, "instruction": features})

    def observation(self, observation: dict[str, Any]) -> dict[str, Any]:
        return {**observation, "instruction": instruction_features(observation["instruction"], self.size)}
