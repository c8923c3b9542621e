"""The PPO critic: a value ``V(s)`` before every reply token, from an MLLM's last hidden states.

Two forms (``PPOConfig.critic``):

- ``"head"``: a linear value head on the policy's own hidden states. One forward serves the policy
  and the critic; the value loss also trains the shared backbone, weighted by ``value_coef``.
- ``"model"``: a separate model (``critic_model``, or a copy of the starting policy) with its own
  head, trained only by the value loss. Its forward skips the vocabulary projection.

Either way the head and (for ``"model"``) the backbone have their own optimizer and learning rate,
and are checkpointed with the run (``Run(config, parts={"critic": Critic})``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from mmgym.agents.decode import forward_replies
from mmgym.agents.hf import load_policy
from mmgym.trainers.config import ConfigError, PPOConfig
from mmgym.trainers.run import Run


class ValueHead(nn.Module):
    """``(..., H) -> (...)``: one linear unit, started at 0 so that the first values are 0 (and
    without drawing from the RNG, so a resumed run samples as an uninterrupted one)."""

    def __init__(self, hidden_size: int):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(hidden_size))
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, states: Tensor) -> Tensor:
        return states.float() @ self.weight + self.bias


def hidden_size(model: nn.Module, role: str) -> int:
    """The width of ``model``'s last hidden states, read from its output projection; a model that
    exposes none is refused before any work, with the fix."""
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if not isinstance(output, nn.Linear) or not hasattr(model, "config"):
        raise ConfigError(f"critic: the {role} ({type(model).__name__}) exposes no hidden states for a value "
                          "head; use a Hugging Face causal or image-text-to-text model, or set critic: model "
                          "with critic_model: a checkpoint that does")  # fmt: skip
    return output.in_features


class Critic:
    """Values of a turn batch (:func:`mmgym.trainers.policy.turn_batch`) and the critic's update."""

    def __init__(self, run: Run):
        config: PPOConfig = run.config
        self.config = config
        self.backbone: nn.Module | None = None
        if config.critic == "model":
            _, self.backbone = load_policy(config.critic_model or config.model)
            self.backbone.train()
            width = hidden_size(self.backbone, f"critic model {config.critic_model or config.model!r}")
        else:
            width = hidden_size(run.model, f"policy {config.model!r}")
        self.head = ValueHead(width)
        self.pretrained = config.value_pretrain_steps == 0
        self.optimizer = torch.optim.AdamW(self.parameters(), lr=config.critic_learning_rate,
                                           weight_decay=config.weight_decay)  # fmt: skip

    def parameters(self) -> list[nn.Parameter]:
        backbone = list(self.backbone.parameters()) if self.backbone is not None else []
        return [*self.head.parameters(), *backbone]

    def values(self, batch: dict, policy_states: Tensor | None = None) -> Tensor:
        """``(B, R)`` values before each reply token: from ``policy_states (B, R, H)`` with a
        head on the policy, else from the critic model's own forward."""
        if self.backbone is None:
            if policy_states is None:
                raise ValueError("a critic head on the policy needs the policy's hidden states")
            return self.head(policy_states)
        _, states = forward_replies(self.backbone, batch["inputs"], batch["rows"], batch["reply_ids"],
                                    hidden=True, logits=False)  # fmt: skip
        return self.head(states)

    def step(self) -> float:
        """Clip, step; returns the gradient norm before clipping."""
        norm = torch.nn.utils.clip_grad_norm_(self.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(norm)

    def state_dict(self) -> dict[str, Any]:
        state = {"head": self.head.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "pretrained": self.pretrained}  # fmt: skip
        if self.backbone is not None:
            state["backbone"] = self.backbone.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.head.load_state_dict(state["head"])
        if self.backbone is not None:
            self.backbone.load_state_dict(state["backbone"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.pretrained = state["pretrained"]
