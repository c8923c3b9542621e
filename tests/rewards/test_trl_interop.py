"""An mmgym reward, unchanged, as a ``reward_funcs`` entry of ``trl.GRPOTrainer`` on the tiny model."""

from __future__ import annotations

import gymnasium as gym
import pytest
from PIL import Image

import mmgym  # noqa: F401
from mmgym.agents.hf_stack import import_transformers
from mmgym.agents.prompts import SYSTEM_PROMPT
from mmgym.rewards import action_type_reward, format_reward


@pytest.mark.slow
def test_mmgym_rewards_drive_one_trl_grpo_step(tiny_model, tmp_path):
    import_transformers()
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    env = gym.make("mmgym/ClickElement-v0", width=112, height=112)
    rows = []
    for seed in range(4):
        observation, info = env.reset(seed=seed)
        rows.append({
            "prompt": [{"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
                       {"role": "user", "content": [{"type": "image"},
                                                    {"type": "text", "text": observation["instruction"]}]}],
            "image": Image.fromarray(observation["image"]),
            "expert_action": info["expert_action"].to_json(),
        })  # fmt: skip
    seen = []

    def counted_format(completions, **kwargs):
        scores = format_reward(completions, **kwargs)
        seen.append(scores)
        return scores

    config = GRPOConfig(output_dir=str(tmp_path), use_cpu=True, bf16=False, use_vllm=False, max_steps=1,
                        per_device_train_batch_size=4, num_generations=4, max_completion_length=8,
                        logging_steps=1, report_to=[], save_strategy="no",
                        gradient_checkpointing=False)  # fmt: skip
    trainer = GRPOTrainer(model=tiny_model, reward_funcs=[counted_format, action_type_reward], args=config,
                          train_dataset=Dataset.from_list(rows))  # fmt: skip
    trainer.train()
    assert seen and all(len(scores) == 4 and set(scores) <= {0.0, 1.0} for scores in seen)
    logged = trainer.state.log_history[0]
    assert "rewards/action_type_reward/mean" in logged and logged["rewards/action_type_reward/mean"] >= 0
