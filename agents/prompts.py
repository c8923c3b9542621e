"""Prompts for MLLM agents on the GUI envs, in the chat-message form every chat template reads.

Two history modes for multi-turn episodes:

- ``"steps"``: each turn shows the current screenshot, the instruction and a numbered list of the
  actions taken so far (step-wise, short prompts).
- ``"chat"``: the whole episode as a conversation, each earlier turn with its screenshot and the
  model's reply; only the ``max_images`` most recent screenshots stay, older ones become a note.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from mmgym.envs.embodied.skills import DIRECTIONS
from mmgym.envs.parsing import format_reply, parse_reply, parse_skill_reply

History = Literal["steps", "chat"]

SYSTEM_PROMPT = (
    "You operate a phone screen. Reply as <think>reasoning</think><answer>{json action}</answer>. "
    'Actions: {"action": "click", "coordinate": [x, y]}, {"action": "long_press", "coordinate": [x, y]}, '
    '{"action": "scroll", "direction": "up|down|left|right"}, {"action": "type", "text": "..."}, '
    '{"action": "key", "key": "enter"}, {"action": "navigate_back"}, {"action": "navigate_home"}, '
    '{"action": "open_app", "text": "name"}, {"action": "wait"}, {"action": "finish", "text": "answer"}. '
    "Coordinates are pixels of the screenshot."
)

SKILL_PROMPT = (
    "You control a robot seen in the camera image. Reply as <think>reasoning</think><answer>{json skill}"
    '</answer>. Skills: {"action": "move", "direction": "DIRECTION", "amount": centimetres}, '
    '{"action": "move_to", "coordinate": [x, y]}, {"action": "grasp"}, {"action": "release"}, '
    '{"action": "finish"}. DIRECTION is one of ' + ", ".join(DIRECTIONS) + ". Coordinates are pixels "
    "of the image."
)


def step_prompt(instruction: str, earlier: Sequence[str]) -> str:
    """The text of a step-wise turn: the task and the actions taken so far."""
    if not earlier:
        return f"Task: {instruction}\nNo actions yet."
    steps = "\n".join(f"{i}. {action}" for i, action in enumerate(earlier, start=1))
    return f"Task: {instruction}\nActions so far:\n{steps}"


def demonstration_reply(action: Any) -> str:
    """How the tiny model is taught to answer: a one-word thought (the action's type), then the
    action. SFT imitates these replies and the tiny model's tokenizer is trained on them."""
    return format_reply(action, think=action.type.label)


def action_summary(reply: str, skills: bool = False) -> str:
    """An earlier reply as one line of the step-wise history: its action's (or skill's) JSON, or
    "invalid reply"."""
    parsed = parse_skill_reply(reply) if skills else parse_reply(reply)
    return json.dumps(parsed.action.to_dict()) if parsed.action is not None else "invalid reply"


@dataclass
class Conversation:
    """One env slot's episode so far: the screenshots seen and the replies given. ``skills``: the
    replies are embodied skills, not GUI actions."""

    skills: bool = False
    instruction: str = ""
    images: list[Image.Image] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    def observe(self, observation: dict[str, Any]) -> None:
        """Record a new screenshot (and the instruction it comes with), which the next reply answers."""
        self.instruction = observation["instruction"]
        self.images.append(Image.fromarray(observation["image"]))

    def messages(self, history: History, max_images: int) -> list[dict[str, Any]]:
        """The chat for the next reply, which answers the last screenshot."""
        system = {"role": "system", "content": SKILL_PROMPT if self.skills else SYSTEM_PROMPT}
        if history == "steps":
            text = step_prompt(self.instruction, [action_summary(r, self.skills) for r in self.replies])
            return [system, _user(self.images[-1], text)]
        messages = [system]
        first_kept = len(self.images) - max_images
        for turn, image in enumerate(self.images):
            text = f"Task: {self.instruction}" if turn == 0 else "The screen now."
            messages.append(_user(image if turn >= first_kept else None, text))
            if turn < len(self.replies):
                messages.append({"role": "assistant", "content": self.replies[turn]})
        return messages


def _user(image: Image.Image | None, text: str) -> dict[str, Any]:
    if image is None:
        return {"role": "user", "content": [{"type": "text", "text": f"(earlier screenshot omitted) {text}"}]}
    return {"role": "user", "content": [{"type": "image", "image": image}, {"type": "text", "text": text}]}


def images_of(messages: list[dict[str, Any]]) -> list[Image.Image]:
    """The images of ``messages`` in order, as the processor wants them beside the text."""
    return [part["image"] for message in messages if isinstance(message["content"], list)
            for part in message["content"] if part["type"] == "image"]  # fmt: skip


def chat_key(messages: list[dict[str, Any]]) -> tuple:
    """A hashable key equal for two chats exactly when their texts and images are equal."""
    key = []
    for message in messages:
        parts = message["content"] if isinstance(message["content"], list) else [message["content"]]
        for part in parts:
            if isinstance(part, str):
                key.append((message["role"], part))
            elif part["type"] == "image":
                image = part["image"]
                digest = hashlib.blake2b(image.tobytes()).digest()
                key.append((message["role"], image.mode, image.size, digest))
            else:
                key.append((message["role"], part["text"]))
    return tuple(key)
