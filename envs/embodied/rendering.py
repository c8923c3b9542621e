"""Offscreen MuJoCo rendering on CPU: the OpenGL backend, chosen before MuJoCo is imported.

MuJoCo reads ``MUJOCO_GL`` once, when it is first imported. Unless the user has set it, mmgym picks
the first backend whose library is on the machine: EGL (Mesa's llvmpipe renders it in software),
then OSMesa. With neither, :func:`import_mujoco` raises one line saying what to install.
"""

from __future__ import annotations

import ctypes.util
import os
from typing import Any

from mmgym.errors import UsageError, first_line

#: Backends in the order they are tried, with the library each needs and the Debian package giving it.
BACKENDS = (("egl", "EGL", "libegl1 libgl1-mesa-dri"), ("osmesa", "OSMesa", "libosmesa6"))
INSTALL_HINT = "install libegl1 and libgl1-mesa-dri (or libosmesa6) with apt, or set MUJOCO_GL"


class RenderingUnavailable(UsageError):
    """No OpenGL backend MuJoCo can render offscreen with."""


def choose_backend() -> str:
    """Set ``MUJOCO_GL`` (if unset) to the first backend whose library is installed; return it."""
    if chosen := os.environ.get("MUJOCO_GL"):
        return chosen
    for backend, library, _ in BACKENDS:
        if ctypes.util.find_library(library):
            os.environ["MUJOCO_GL"] = backend
            return backend
    raise RenderingUnavailable(f"no offscreen OpenGL library for MuJoCo: {INSTALL_HINT}")


def import_mujoco() -> Any:
    """The ``mujoco`` module, imported after :func:`choose_backend`."""
    choose_backend()
    try:
        import mujoco
    except ImportError:
        raise RenderingUnavailable("the embodied envs need MuJoCo: pip install mujoco") from None
    return mujoco


def make_renderer(model: Any, width: int, height: int) -> Any:
    """A ``mujoco.Renderer``, or one line on what to install when the backend cannot start."""
    mujoco = import_mujoco()
    try:
        return mujoco.Renderer(model, height=height, width=width)
    except Exception as error:  # the GL context failed: missing driver, wrong MUJOCO_GL
        backend, why = os.environ.get("MUJOCO_GL"), first_line(error)
        raise RenderingUnavailable(f"MuJoCo cannot render with MUJOCO_GL={backend} ({why}); "
                                   f"{INSTALL_HINT}") from None  # fmt: skip
