"""Trainers: rollout collection, advantages and losses for the SFT, GRPO and PPO families."""
