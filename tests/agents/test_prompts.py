"""Prompts: the system text and step-wise history follow the env's action vocabulary."""

from __future__ import annotations

import numpy as np
from PIL import Image

from mmgym.agents.prompts import SKILL_PROMPT, SYSTEM_PROMPT, Conversation


def step_text(conversation: Conversation) -> tuple[str, str]:
    system, user = conversation.messages("steps", max_images=1)
    return system["content"], user["content"][1]["text"]


def test_skill_episodes_are_prompted_with_skills_and_their_replies_summarised():
    image = Image.fromarray(np.zeros((8, 8, 3), np.uint8))
    move = '<think>left</think><answer>{"action": "move", "direction": "left", "amount": 5}</answer>'
    skills = Conversation(skills=True, instruction="reach the red zone", images=[image], replies=[move])
    system, text = step_text(skills)
    assert system == SKILL_PROMPT and '"move_to"' in system and "forward" in system
    assert text.endswith('1. {"action": "move", "direction": "left", "amount": 5.0}')
    gui = Conversation(instruction="reach the red zone", images=[image], replies=[move])
    system, text = step_text(gui)
    assert system == SYSTEM_PROMPT and text.endswith("1. invalid reply")  # a skill is no GUI action
