"""Reward functions for multimodal agents, with TRL's signature ``fn(completions, **kwargs)``.

Every reward takes the completions (strings or TRL conversations) and per-completion target
columns as keyword arguments (``expert_action``, ``bbox``, ``answer``; optional ``screen_size``
and ``coordinates``), and returns one finite float per completion, so it drops into
``trl.GRPOTrainer(reward_funcs=[...])`` unchanged. Targets are in env pixels; the replies'
coordinates are converted from the model's convention given by ``coordinates``.
"""

from mmgym.envs.text_match import answer_tokens, token_f1
from mmgym.rewards.action import (
    GUI_R1_ACCURACY_WEIGHT,
    GUI_R1_F1_THRESHOLD,
    GUI_R1_FORMAT_WEIGHT,
    GUI_R1_TOLERANCE_PX,
    action_type_reward,
    coordinate_in_box_reward,
    gui_r1_reward,
    make_gui_r1_reward,
)
from mmgym.rewards.compose import reward_components, reward_matrix, reward_name, weighted_sum
from mmgym.rewards.format import format_reward
from mmgym.rewards.grounding import (
    GAUSSIAN_ALPHA,
    box_iou,
    gaussian_coverage,
    gaussian_coverage_reward,
    gaussian_point,
    gaussian_point_reward,
    iou_reward,
)
from mmgym.rewards.inputs import completion_text
from mmgym.rewards.text import text_f1_reward

__all__ = [
    "GAUSSIAN_ALPHA",
    "GUI_R1_ACCURACY_WEIGHT",
    "GUI_R1_F1_THRESHOLD",
    "GUI_R1_FORMAT_WEIGHT",
    "GUI_R1_TOLERANCE_PX",
    "action_type_reward",
    "answer_tokens",
    "box_iou",
    "completion_text",
    "coordinate_in_box_reward",
    "format_reward",
    "gaussian_coverage",
    "gaussian_coverage_reward",
    "gaussian_point",
    "gaussian_point_reward",
    "gui_r1_reward",
    "iou_reward",
    "make_gui_r1_reward",
    "reward_components",
    "reward_matrix",
    "reward_name",
    "text_f1_reward",
    "token_f1",
    "weighted_sum",
]
