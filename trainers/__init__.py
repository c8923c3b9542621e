"""Trainers: rollout collection, advantages, losses; the SFT, GRPO-family and PPO-family trainers land here."""
