"""TextActions: the LLM-facing wrapper whose actions are model replies."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium import spaces

from mmgym.envs.actions import CHARSET, Action
from mmgym.envs.coordinates import PIXEL, Coordinates
from mmgym.envs.embodied.skills import Skill
from mmgym.envs.parsing import parse_reply, parse_skill_reply

#: Longest reply the action space describes; longer replies are still parsed (and rejected).
MAX_REPLY_LENGTH = 4096


class TextActions(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Step a structured-action env with model replies such as ``<think>..</think><answer>{..}</answer>``.

    The reply is parsed strictly (:func:`mmgym.envs.parsing.parse_reply`, or
    :func:`~mmgym.envs.parsing.parse_skill_reply` for an embodied env's skill actions) and its points
    converted from the model's coordinate convention to the env's pixels. A reply that does not
    parse is executed as ``wait`` (a zero-length move for skills): the step counts toward the time
    limit, the screen only changes if time changes it, and ``info["parse_error"]`` says what was
    wrong. An env whose ``takes_no_action`` is true (a dataset env, which judges the one step) is
    stepped with ``None`` instead, so that no reply counts as a ``wait``. The wrapper never raises
    on a reply.

    Adds to ``info``: ``action`` (the parsed :class:`Action` or ``None``), ``parse_error`` (a
    one-line reason or ``None``) and ``reward_components["format"]`` (1.0 when the reply has the
    strict think/answer layout and its answer parses, as :func:`mmgym.rewards.format_reward`).
    The reward itself is the env's.

    Args:
        env: an env with the shared GUI action space, or an embodied env with skill actions.
        coordinates: how the model writes points: ``"pixel"``, ``"norm1000"``, ``"norm1"`` or
            ``"pixel@WxH"`` for pixels of a resized image.
        require_think: whether the format needs a ``<think>`` block (``False`` for no-think models).
    """

    def __init__(self, env: gym.Env, coordinates: Coordinates | str = PIXEL, require_think: bool = True):
        gym.utils.RecordConstructorArgs.__init__(self, coordinates=coordinates, require_think=require_think)
        gym.Wrapper.__init__(self, env)
        self.coordinates = Coordinates.parse(coordinates)
        self.require_think = require_think
        self.action_space = spaces.Text(MAX_REPLY_LENGTH, min_length=0, charset=CHARSET + "\n")
        image = getattr(env.observation_space, "spaces", {}).get("image")
        if image is None or len(image.shape) != 3:
            raise ValueError(f"TextActions needs an mmgym GUI env (a Dict observation with an 'image'), "
                             f"got observation space {env.observation_space}")  # fmt: skip
        height, width = image.shape[:2]
        self.screen_size = (width, height)
        actions = getattr(env.action_space, "spaces", {})
        self.skills = "skill" in actions
        if not self.skills and "action_type" not in actions:
            kind = env.action_space
            raise ValueError(f"text replies drive GUI actions or embodied skills, not {kind}; for continuous "
                             "control, evaluate a policy: oracle, random or sb3:PATH")  # fmt: skip
        self._parse = parse_skill_reply if self.skills else parse_reply
        self._idle = Skill.move("up", 0) if self.skills else Action.wait()
        if getattr(env.unwrapped, "takes_no_action", False):  # it judges the reply itself (a dataset)
            self._idle = None

    def step(self, action: str) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if not isinstance(action, str):
            raise TypeError(f"TextActions.step takes the model's reply as a str, got {type(action).__name__}")
        parsed = self._parse(action, screen_size=self.screen_size, coordinates=self.coordinates,
                             require_think=self.require_think)  # fmt: skip
        obs, reward, terminated, truncated, info = self.env.step(parsed.action or self._idle)
        info["action"] = parsed.action
        info["parse_error"] = parsed.error
        info["reward_components"] = {**info.get("reward_components", {}),
                                     "format": 1.0 if parsed.format_ok and parsed.valid else 0.0}  # fmt: skip
        return obs, reward, terminated, truncated, info
