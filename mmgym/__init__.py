"""mmgym: Gymnasium environments, rewards, agents and trainers for multimodal LLM agents.

Importing ``mmgym`` registers every ``mmgym/<Name>-v0`` environment with Gymnasium.
"""

from mmgym.envs import TASKS, Action, ActionType, Direction

__version__ = "0.1.0"
__all__ = ["TASKS", "Action", "ActionType", "Direction", "__version__"]
