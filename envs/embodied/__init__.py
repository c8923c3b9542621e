"""Embodied envs on MuJoCo: tabletop manipulation with language instructions, driven by skill
actions (for MLLMs) or continuous control (for classical RL)."""

from mmgym.envs.embodied.skills import Skill, SkillType

__all__ = ["Skill", "SkillType"]
