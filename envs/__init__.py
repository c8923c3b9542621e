"""mmgym environments: the shared action schema, the GUI task family and the LLM-facing wrapper."""

from mmgym.envs.actions import Action, ActionType, Direction, action_space
from mmgym.envs.registration import TASKS, register_all
from mmgym.envs.text_actions import TextActions

register_all()

__all__ = ["TASKS", "Action", "ActionType", "Direction", "action_space", "register_all", "TextActions"]
