"""Importing the Hugging Face stack on CPU-only torch.

transformers needs torchvision to build Qwen2-VL / Qwen2.5-VL processors. Where the only
torchvision wheel matching torch is a CUDA build (as on CPU machines with a pinned torch), its import
fails because the compiled ``torchvision::nms`` / ``qnms`` operators are missing. Their schemas are
all the Python side needs (nothing here runs detection ops), so :func:`import_transformers` defines
them when, and only when, that import fails, then imports transformers.

Child processes (vLLM inspects models in a subprocess and runs its engine in another) do not run
the parent's imports: :func:`fix_subprocesses` has them run the same fix at start-up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType

_MISSING_OPS = ("nms", "qnms")
#: Holds a ``sitecustomize.py`` that applies the fix in every Python process started with it on the path.
BOOT = Path(__file__).resolve().parent / "boot"
_library = None  # kept alive: the operator definitions live as long as this object


def _define_missing_ops() -> None:
    global _library
    import torch

    _library = torch.library.Library("torchvision", "DEF")
    for name in _MISSING_OPS:
        _library.define(f"{name}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")


def import_torchvision() -> ModuleType | None:
    """torchvision, importable beside CPU torch; None if it is not installed."""
    try:
        import torchvision
    except ModuleNotFoundError:
        return None
    except RuntimeError as error:
        if "torchvision::nms does not exist" not in str(error):
            raise
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        _define_missing_ops()
        import torchvision
    return torchvision


def import_transformers() -> ModuleType:
    import_torchvision()
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return transformers


def fix_subprocesses() -> None:
    """Make the Python processes this one starts import torchvision the same way, if it needed the
    fix (their ``sitecustomize`` runs :func:`import_torchvision`)."""
    import_torchvision()
    if _library is None:
        return
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(BOOT) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(BOOT), *paths])
