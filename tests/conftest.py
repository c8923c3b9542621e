"""Fixtures shared across the suite."""

from __future__ import annotations

import http.server
import json
import os
import threading

import pytest

# Parallel workers share the cores: torch threads beyond a worker's share spin against each other
# and slow a training test tenfold, so each worker takes its share (read when torch starts).
if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")):
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
    # vLLM's CPU backend would bind its threads to every core, starving the other worker (a browser
    # page then misses its load time-out); unbound, it keeps to OMP_NUM_THREADS like torch.
    os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", "nobind")


@pytest.fixture(autouse=True)
def _runs_in_tmp(tmp_path_factory, monkeypatch):
    """`mmgym eval` and `play` without --out make their run directory under $MMGYM_RUNS, not the checkout."""
    monkeypatch.setenv("MMGYM_RUNS", str(tmp_path_factory.getbasetemp() / "runs"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    """A freshly built offline tiny Qwen2.5-VL directory (about 10 s), loaded by path like any
    downloaded checkpoint."""
    from mmgym.agents.tiny import build_tiny_model

    return str(build_tiny_model(tmp_path_factory.mktemp("models") / "tiny"))


@pytest.fixture(scope="session")
def sft_model(tiny_model, tmp_path_factory) -> str:
    """The tiny model after a short SFT on ClickShape (about 20 s): a sampled reply is well-formed
    a bit more than half the time, so format rewards within a GRPO group differ and gradients flow."""
    from mmgym.trainers.config import load_config
    from mmgym.trainers.sft import train_sft

    out = tmp_path_factory.mktemp("sft")
    config = load_config(None, ["--trainer=sft", f"--model={tiny_model}", f"--output_dir={out}", "--steps=45",
                                "--episodes=16", "--batch_size=8", "--learning_rate=3e-3", "--save_every=0",
                                "--env=mmgym/ClickShape-v0"])  # fmt: skip
    train_sft(config, report=lambda _: None)
    return str(out / "checkpoint")


class FakeChatServer:
    """A chat-completions endpoint on 127.0.0.1 that answers as a test scripts it, to inject faults.

    ``answer(request, number)`` gets each request's JSON body (or None if it is not JSON) and its
    number from 0, and returns a reply text (a well-formed completion), ``(status, body bytes)``,
    or None to drop the connection unanswered; it may sleep first.
    """

    def __init__(self, answer):
        self.requests, self.headers = [], []
        lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    number = len(server.requests)
                    server.requests.append(json.loads(raw) if raw.startswith(b"{") else None)
                    server.headers.append(dict(self.headers))
                answered = answer(server.requests[number], number)
                if answered is None:
                    return  # closes the connection without a status line
                if isinstance(answered, str):
                    message = {"role": "assistant", "content": answered}
                    answered = 200, json.dumps({"choices": [{"index": 0, "message": message}]}).encode()
                status, body = answered
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.handle_error = lambda *args: None  # a client that gave up (a timeout test) is no error
        self.url = f"http://127.0.0.1:{self.http.server_port}/v1"
        threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def chat_server():
    """Starts :class:`FakeChatServer` s: ``chat_server(answer)``; all stop after the test."""
    servers = []

    def start(answer) -> FakeChatServer:
        servers.append(FakeChatServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
