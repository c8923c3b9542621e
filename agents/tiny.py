"""A tiny Qwen2.5-VL built offline, for tests, the demo and development on a CPU.

It is a real ``Qwen2_5_VLForConditionalGeneration`` (about 5 M parameters) with a byte-level BPE
tokenizer trained on the envs' own instructions and replies, saved with ``save_pretrained``; every
caller loads it back through ``from_pretrained``, the path a downloaded checkpoint takes. Nothing
touches a model hub.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym

from mmgym.agents.hf_stack import import_transformers

VERSION = 2  # bump when the recipe changes: cached copies of older recipes are rebuilt
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                  "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]  # fmt: skip
#: Qwen's chat layout: one ``<|vision_start|><|image_pad|><|vision_end|>`` per image, which the
#: processor expands to the image's patch tokens.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def default_path() -> Path:
    """Where the cached tiny model lives: ``$MMGYM_CACHE`` or ``~/.cache/mmgym``."""
    root = Path(os.environ.get("MMGYM_CACHE", Path.home() / ".cache" / "mmgym"))
    return root / "models" / f"tiny-qwen2.5-vl-v{VERSION}"


def cached_tiny_model() -> Path:
    """The cached tiny model's directory, built on first use (about 20 s)."""
    path = default_path()
    if not (path / "config.json").is_file():
        build_tiny_model(path)
    return path


def corpus(seeds: int = 40) -> Iterator[str]:
    """The text the tokenizer learns from: every GUI task's instructions and oracle replies,
    the system prompt and the reply format."""
    import mmgym  # noqa: F401  (registers the envs)
    from mmgym.agents.prompts import SYSTEM_PROMPT, action_summary, demonstration_reply, step_prompt
    from mmgym.envs.registration import gui_env_ids

    yield SYSTEM_PROMPT
    yield "<|im_start|>system\n<|im_end|>\n<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\n"
    for env_id in gui_env_ids():
        env = gym.make(env_id, width=112, height=112)
        for seed in range(seeds):
            _, info = env.reset(seed=seed)
            history: list[str] = []
            for _ in range(8):
                expert = info["expert_action"]
                if expert is None:
                    break
                reply = demonstration_reply(expert)
                yield step_prompt(env.unwrapped.instruction, history)
                yield reply
                history.append(action_summary(reply))  # as the step-wise history shows it
                _, _, terminated, truncated, info = env.step(expert)
                if terminated or truncated:
                    break
        env.close()


def build_tiny_model(out_dir: str | Path, *, seed: int = 0, vocab_size: int = 2048) -> Path:
    """Train the tokenizer, initialise the model from ``seed`` and save both to ``out_dir``.

    The directory appears whole or not at all (written beside it, then renamed).
    """
    transformers = import_transformers()
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    out_dir = Path(out_dir)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus(), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))  # fmt: skip
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", padding_side="left",
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>",
                              "vision_start_token": "<|vision_start|>", "vision_end_token": "<|vision_end|>"},
    )  # fmt: skip
    tokenizer.chat_template = CHAT_TEMPLATE
    pixels = {"min_pixels": 56 * 56, "max_pixels": 224 * 224}
    image_processor = transformers.Qwen2VLImageProcessor(patch_size=14, merge_size=2, temporal_patch_size=2,
                                                         **pixels)  # fmt: skip
    video_processor = transformers.Qwen2VLVideoProcessor(patch_size=14, merge_size=2, temporal_patch_size=2)
    processor = transformers.Qwen2_5_VLProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                                 video_processor=video_processor, chat_template=CHAT_TEMPLATE)
    ids = {f"{name}_token_id": tokenizer.convert_tokens_to_ids(f"<|{token}|>") for name, token in (
        ("image", "image_pad"), ("video", "video_pad"), ("vision_start", "vision_start"),
        ("vision_end", "vision_end"))}  # fmt: skip
    config = transformers.Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": 256, "intermediate_size": 768,
            "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
            "max_position_embeddings": 4096,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [8, 12, 12]},
            "eos_token_id": tokenizer.eos_token_id, "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "depth": 4, "hidden_size": 128, "intermediate_size": 512, "num_heads": 4, "patch_size": 14,
            "spatial_merge_size": 2, "temporal_patch_size": 2, "window_size": 112, "out_hidden_size": 256,
            "fullatt_block_indexes": [1, 3],
        },
        tie_word_embeddings=True,
        **ids,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = transformers.Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        model.save_pretrained(staging)
        processor.save_pretrained(staging)
        staging.chmod(0o755)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir
