"""An MLLM agent over any Hugging Face image-text-to-text checkpoint (Qwen2-VL / Qwen2.5-VL first).

Generation is batched across env slots (left padding), samples with the configured temperature
and top-p, stops each reply at the chat template's end-of-turn token, and returns the reply's
token ids and their log-probabilities (token-in-token-out: trainers never re-tokenise a reply).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from mmgym.agents.base import Reply
from mmgym.agents.decode import distinct, sample
from mmgym.agents.hf_stack import import_transformers
from mmgym.agents.prompts import Conversation, History, chat_key, images_of

#: Tokens a reply may never contain: feeding an image placeholder back crashes the model's forward.
FORBIDDEN_TOKENS = ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
                    "<|im_start|>", "<|endoftext|>")  # fmt: skip


class ModelLoadError(ValueError):
    """A model path or id that does not hold an image-text-to-text checkpoint."""


def resolve_model(model: str) -> str:
    """``"tiny"`` -> the cached offline tiny Qwen2.5-VL (built on first use); else ``model``."""
    if model == "tiny":
        from mmgym.agents.tiny import cached_tiny_model

        return str(cached_tiny_model())
    path = Path(model)
    if model.startswith((".", "/", "~")) or path.exists():
        if not any((path.expanduser() / name).is_file() for name in ("config.json", "adapter_config.json")):
            raise ModelLoadError(f"model directory {model} has no config.json; pass a saved checkpoint "
                                 "directory, a hub id, or 'tiny'")  # fmt: skip
        return str(path.expanduser())
    return model


def load_policy(model: str, dtype: torch.dtype = torch.float32) -> tuple[Any, torch.nn.Module]:
    """The processor and model of ``model`` (a directory, a hub id or ``"tiny"``). A LoRA
    checkpoint (a directory with ``adapter_config.json``) loads as its base model with the
    adapters merged in."""
    transformers = import_transformers()
    source = resolve_model(model)
    adapter = Path(source) / "adapter_config.json"
    if adapter.is_file():
        from peft import PeftModel

        processor, base = load_policy(json.loads(adapter.read_text())["base_model_name_or_path"], dtype)
        return processor, PeftModel.from_pretrained(base, source).merge_and_unload()
    try:
        processor = transformers.AutoProcessor.from_pretrained(source)
        network = transformers.AutoModelForImageTextToText.from_pretrained(source, dtype=dtype)
    except (OSError, ValueError, KeyError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(f"cannot load {model!r} as an image-text-to-text model: {reason}") from None
    if not hasattr(processor, "image_processor"):
        raise ModelLoadError(f"{model!r} has no image processor; pass an image-text-to-text checkpoint")
    processor.tokenizer.padding_side = "left"
    return processor, network


def forbidden_ids(tokenizer) -> list[int]:
    vocab = tokenizer.get_vocab()
    return [vocab[token] for token in FORBIDDEN_TOKENS if token in vocab]


class HFAgent:
    """A policy backed by a Hugging Face model, for :class:`mmgym.envs.TextActions` envs.

    Args:
        model: a local checkpoint directory, a hub id, or ``"tiny"`` (the offline tiny model).
        history: ``"steps"`` (screen + earlier actions) or ``"chat"`` (the whole episode).
        max_images: in chat history, how many of the latest screenshots the prompt keeps.
        max_new_tokens: reply length cap.
        temperature, top_p: sampling; ``greedy=True`` takes the arg-max instead.
        skills: the env takes embodied skills (:class:`mmgym.envs.TextActions` ``.skills``), so the
            prompt lists skills instead of GUI actions.
        engine: generates the replies instead of the model itself (a
            :class:`mmgym.agents.vllm_engine.VLLMEngine` serving this model's weights).
    """

    def __init__(self, model: str = "tiny", *, history: History = "steps", max_images: int = 2,
                 max_new_tokens: int = 48, temperature: float = 1.0, top_p: float = 1.0, greedy: bool = False,
                 skills: bool = False, processor: Any = None, network: torch.nn.Module | None = None,
                 engine: Any = None):  # fmt: skip
        if processor is None or network is None:
            processor, network = load_policy(model)
        self.processor, self.model = processor, network
        self.tokenizer = processor.tokenizer
        self.history, self.max_images = history, max_images
        self.max_new_tokens, self.greedy = max_new_tokens, greedy
        self.temperature, self.top_p = temperature, top_p
        self.skills, self.engine = skills, engine
        self.forbidden = forbidden_ids(self.tokenizer)
        self.end_of_turn = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        self.conversations: dict[int, Conversation] = {}

    def reset(self, index: int, seed: int | None = None) -> None:
        self.conversations[index] = Conversation(self.skills)

    def prompts_for(self, indices: Sequence[int], observations: Sequence[dict[str, Any]]) -> list[list[dict]]:
        """Record each slot's new screenshot and return the chat each slot's reply answers."""
        chats = []
        for index, observation in zip(indices, observations, strict=True):
            conversation = self.conversations.setdefault(index, Conversation(self.skills))
            conversation.observe(observation)
            chats.append(conversation.messages(self.history, self.max_images))
        return chats

    def record(self, index: int, reply: Reply) -> None:
        """Add slot ``index``'s reply to its history."""
        self.conversations[index].replies.append(reply.text)

    def act(self, observations: Sequence[dict[str, Any]], infos: Sequence[dict[str, Any]]) -> list[Reply]:
        replies = self.generate(self.prompts_for(range(len(observations)), observations))
        for index, reply in enumerate(replies):
            self.record(index, reply)
        return replies

    def encode(self, chats: Sequence[list[dict[str, Any]]]) -> tuple[dict[str, Tensor], Tensor]:
        """Chats -> model inputs ending in the assistant's turn, left-padded, one row per distinct
        chat; and for each chat the row of its prompt."""
        firsts, rows = distinct([chat_key(chat) for chat in chats])
        texts = [self.processor.apply_chat_template(chats[i], tokenize=False, add_generation_prompt=True)
                 for i in firsts]  # fmt: skip
        images = [images_of(chats[i]) for i in firsts]
        inputs = self.processor(text=texts, images=images if any(images) else None, padding=True,
                                return_tensors="pt")  # fmt: skip
        return dict(inputs), rows

    @torch.no_grad()
    def generate(self, chats: Sequence[list[dict[str, Any]]]) -> list[Reply]:
        if self.engine is not None:
            return self.engine.generate(chats, max_new_tokens=self.max_new_tokens,
                                        temperature=self.temperature, top_p=self.top_p, greedy=self.greedy,
                                        end=self.end_of_turn, forbidden=self.forbidden)  # fmt: skip
        inputs, rows = self.encode(chats)
        was_training = self.model.training
        self.model.eval()
        replies = sample(self.model, inputs, rows, end=self.end_of_turn, max_new_tokens=self.max_new_tokens,
                         temperature=1.0 if self.greedy else self.temperature, top_p=self.top_p,
                         greedy=self.greedy, forbidden=self.forbidden)  # fmt: skip
        self.model.train(was_training)
        return [Reply(self.tokenizer.decode(ids, skip_special_tokens=True), tuple(ids), tuple(logprobs))
                for ids, logprobs in replies]  # fmt: skip
