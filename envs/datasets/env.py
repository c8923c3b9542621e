"""A GUI dataset as a Gymnasium env: each episode is one sample, judged by a named protocol."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from PIL import Image

from mmgym.envs.actions import CHARSET, MAX_INSTRUCTION_LENGTH, Action, action_space, as_action
from mmgym.envs.coordinates import Coordinates
from mmgym.envs.datasets.formats import IMAGE_FOLDERS, Loaded, data_files, read_dataset
from mmgym.envs.datasets.samples import GuiSample
from mmgym.envs.protocols import PROTOCOLS, score_step
from mmgym.errors import UsageError, first_line

#: The protocol each layout's papers report, used when none is named.
DEFAULT_PROTOCOLS = {"ui-r1": "ui-r1", "gui-r1": "gui-r1", "screenspot": "screenspot",
                     "androidcontrol": "ui-r1"}  # fmt: skip


class DatasetGuiEnv(gym.Env):
    """Static GUI data (UI-R1, GUI-R1, ScreenSpot, AndroidControl layouts) as one-step episodes.

    Description:
        Each episode shows one sample's screenshot, resized to ``width x height``, and its
        instruction (with the earlier steps of its episode, for step-level data). The agent acts
        once; the step is judged against the sample's ground-truth action under ``protocol``
        (:mod:`mmgym.envs.protocols`), in pixels of the sample's own screenshot.
    Action Space:
        The shared GUI schema (:func:`mmgym.envs.actions.action_space`) in observation pixels.
    Observation Space:
        ``image`` ``(height, width, 3)`` uint8 and ``instruction``, whose charset is the
        printable ASCII set plus every other character the dataset's instructions use.
    Rewards:
        1.0 when the step is correct under the protocol, else 0.0; ``reward_components`` has
        ``success``, ``action_type`` and, for point actions, ``grounding``.
    Starting State:
        ``reset(seed=s)`` shows sample ``s mod N``, so seeds ``0..N-1`` visit every sample once;
        ``options={"index": i}`` shows sample ``i``; no seed draws one from the env's RNG.
    Episode End:
        After the one step (terminated).
    Arguments:
        path: a dataset file or folder; format: its layout (None: detected); on_bad: "skip" bad
        rows (each named in :attr:`skipped`) or "reject" the dataset at the first one.
    Version History:
        v0: first version.

    ``info["expert_action"]`` is the ground truth in observation pixels and ``info["target_box"]``
    its box, so every reward and the oracle work unchanged.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 1}
    #: :class:`mmgym.envs.text_actions.TextActions` steps it with None for a reply that does not
    #: parse, which is judged wrong (as ``wait`` it would be right on a ``wait`` sample).
    takes_no_action = True

    def __init__(self, path: str | Path, format: str | None = None, width: int = 448, height: int = 448,
                 protocol: str | None = None, on_bad: str = "skip",
                 render_mode: str | None = None):  # fmt: skip
        if protocol is not None and protocol not in PROTOCOLS:
            raise UsageError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
        if not Path(path).exists():
            raise UsageError(f"dataset {path}: no such file or folder")
        try:
            loaded, extra, longest = _read(Path(path).resolve(), format, on_bad)
        except (OSError, ArithmeticError) as error:  # an unreadable file or folder, a number past float
            raise UsageError(f"dataset {path}: {first_line(error)}") from None
        self.samples, self.skipped = tuple(loaded.samples), tuple(loaded.skipped)
        if not self.samples:
            raise UsageError(f"{path} holds no usable sample ({len(self.skipped)} rows skipped); "
                             "see the rows listed by mmgym.envs.datasets.read_dataset")  # fmt: skip
        self.format = loaded.format
        self.protocol = protocol or DEFAULT_PROTOCOLS[self.format]
        self.size, self.render_mode = (width, height), render_mode
        self.observation_space = spaces.Dict({
            "image": spaces.Box(0, 255, (height, width, 3), np.uint8),
            "instruction": spaces.Text(max(MAX_INSTRUCTION_LENGTH, longest), min_length=1,
                                       charset=CHARSET + extra),
        })  # fmt: skip
        self.action_space = action_space(width, height)
        self._sample: GuiSample | None = None
        self._image: np.ndarray | None = None
        self._source_size = (0, 0)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        count = len(self.samples)
        if options and "index" in options:
            index = int(options["index"]) % count
        else:
            index = seed % count if seed is not None else int(self.np_random.integers(count))
        self._sample = sample = self.samples[index]
        try:
            with Image.open(sample.image) as image:
                self._source_size = image.size
                self._image = np.asarray(image.convert("RGB").resize(self.size, Image.Resampling.BILINEAR))
        except (OSError, Image.DecompressionBombError) as error:  # a header that read, a body that does not
            raise UsageError(f"dataset sample {sample.source}: cannot read {sample.image}: "
                             f"{first_line(error)}") from None  # fmt: skip
        return self._observation(), {**self._truth(), "sample": sample.source, "index": index}

    def step(self, action: Action | dict[str, Any] | None):
        """Judge ``action`` (None: the agent gave no valid action) against the sample's truth."""
        if self._sample is None:
            raise RuntimeError("call reset() before step()")
        predicted = as_action(action) if action is not None else None
        if predicted is not None and predicted.point is not None:  # judged where the truth was annotated
            point = self._coordinates().from_screen(*predicted.point, self.size)
            predicted = dataclasses.replace(predicted, point=point)
        sample = self._sample
        box = sample.box if sample.box is not None else self._pixel_area(sample.action)
        score = score_step(self.protocol, predicted, sample.action, box, self._source_size)
        components = {"success": float(score.success), "action_type": float(score.type_match)}
        if score.grounded is not None:
            components["grounding"] = float(score.grounded)
        info = {**self._truth(), "success": score.success, "reward_components": components,
                "protocol": self.protocol, "grounded": score.grounded}  # fmt: skip
        return self._observation(), float(score.success), True, False, info

    def render(self) -> np.ndarray | None:
        return self._image.copy() if self.render_mode == "rgb_array" and self._image is not None else None

    def _pixel_area(self, truth: Action) -> tuple[float, float, float, float] | None:
        """For a truth with a point but no box: the screenshot area of the observation pixel its
        point falls on, the finest target a model seeing the observation can hit."""
        if truth.point is None:
            return None
        x, y = self._coordinates().to_screen(*truth.point, self.size)
        (width, height), (source_width, source_height) = self.size, self._source_size
        scale_x, scale_y = source_width / width, source_height / height
        return x * scale_x, y * scale_y, (x + 1) * scale_x, (y + 1) * scale_y

    def _coordinates(self) -> Coordinates:
        """Source-image pixels (the "model" side) to and from observation pixels."""
        return Coordinates("pixel", image_size=self._source_size)

    def _observation(self) -> dict[str, Any]:
        return {"image": self._image.copy(), "instruction": _instruction(self._sample)}

    def _truth(self) -> dict[str, Any]:
        """The ground truth in observation pixels: ``expert_action`` and ``target_box``."""
        sample, coordinates = self._sample, self._coordinates()
        expert = sample.action
        if expert.point is not None:
            expert = dataclasses.replace(expert, point=coordinates.to_screen(*expert.point, self.size))
        box = coordinates.box_to_screen(sample.box, self.size) if sample.box is not None else None
        return {"expert_action": expert, "target_box": box}


_READ: dict[tuple[Path, str | None, str], tuple[tuple[int, ...], tuple[Loaded, str, int]]] = {}


def _read(path: Path, format: str | None, on_bad: str) -> tuple[Loaded, str, int]:
    """The dataset, read once per process while it stays unchanged (a trainer makes a new env for
    every episode it plays), with the characters its instructions add to :data:`CHARSET` and the
    longest instruction's length."""
    key, version = (path, format, on_bad), _version(path)
    if key in _READ and _READ[key][0] == version:
        return _READ[key][1]
    loaded = read_dataset(path, format, on_bad=on_bad)
    texts = [_instruction(sample) for sample in loaded.samples]
    extra = "".join(sorted({char for text in texts for char in text} - set(CHARSET)))
    if len(_READ) >= 4:  # a few datasets at a time
        _READ.pop(next(iter(_READ)))
    # (a change made while reading is caught by the next look; so is a reader's first unpacking of
    # embedded images, which reads the dataset once more)
    _READ[key] = (version, (loaded, extra, max(map(len, texts), default=0)))
    return _READ[key][1]


def _version(path: Path) -> tuple[int, ...]:
    """What changes when the dataset does: the size and modification time of each data file, and the
    modification times of the folder it is in and of the image folders beside it or its folder (a
    folder's changes when a file in it is added, removed or renamed). Folders under those are not
    looked into: listing 10,000 screenshots for every env a trainer makes would cost more than the
    step's own data."""
    files = data_files(path)
    stamps = [value for file in files for value in (file.stat().st_size, file.stat().st_mtime_ns)]
    bases = sorted({base for file in files for base in (file.parent, file.parent.parent)})
    folders = [file.parent for file in files] + [base / name for base in bases for name in IMAGE_FOLDERS]
    return (*stamps, *(folder.stat().st_mtime_ns for folder in folders if folder.is_dir()))


def _instruction(sample: GuiSample) -> str:
    if not sample.history:
        return sample.instruction
    return f"{sample.instruction} Earlier steps: {'; '.join(sample.history)}."
