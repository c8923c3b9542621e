"""The OpenAI-compatible agent: its requests, and every way a server can fail it (fault injection
with a local fake endpoint; the real vLLM server is tested in tests/mmgym/test_openai_cli.py)."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time

import gymnasium as gym
import numpy as np
import pytest
from PIL import Image

import mmgym  # noqa: F401
from mmgym.agents.openai import OpenAIAgent
from mmgym.agents.prompts import SYSTEM_PROMPT

CLICK = '<think>click</think><answer>{"action": "click", "coordinate": [10, 20]}</answer>'


def screens(count: int) -> list[dict]:
    env = gym.make("mmgym/ClickElement-v0", width=112, height=112)
    return [env.reset(seed=seed)[0] for seed in range(count)]


def agent_for(server, **options) -> OpenAIAgent:
    return OpenAIAgent("tiny", base_url=server.url, backoff=0.01, **options)


def pixels(url: str) -> np.ndarray:
    head, data = url.split(",", 1)
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_request_carries_the_screen_exactly_and_the_options(chat_server):
    server = chat_server(lambda request, number: CLICK)
    agent = agent_for(server, api_key="k-123", max_tokens=17, temperature=0.0, top_p=0.9)
    (screen,) = screens(1)
    agent.reset(0, seed=0)
    (reply,) = agent.act([screen], [{}])
    assert reply.text == CLICK and reply.error is None and reply.token_ids is None
    (request,) = server.requests
    assert {k: request[k] for k in ("model", "max_tokens", "temperature", "top_p")} == {
        "model": "tiny", "max_tokens": 17, "temperature": 0.0, "top_p": 0.9}  # fmt: skip
    assert "seed" not in request  # greedy: nothing to seed
    assert server.headers[0]["Authorization"] == "Bearer k-123"
    system, user = request["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    image, text = user["content"]
    assert image["type"] == "image_url" and np.array_equal(pixels(image["image_url"]["url"]), screen["image"])
    assert text == {"type": "text", "text": f"Task: {screen['instruction']}\nNo actions yet."}


def test_no_key_sends_no_authorization(chat_server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = chat_server(lambda request, number: CLICK)
    agent_for(server).act(screens(1), [{}])
    assert "Authorization" not in server.headers[0]


def test_the_environment_gives_the_defaults(chat_server, monkeypatch):
    server = chat_server(lambda request, number: CLICK)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/")
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    agent = OpenAIAgent("tiny")
    assert agent.base_url == server.url
    agent.act(screens(1), [{}])
    assert server.headers[0]["Authorization"] == "Bearer from-env"


def test_history_is_kept_per_slot_and_forgotten_on_reset(chat_server):
    server = chat_server(lambda request, number: f"reply {number}")
    agent = agent_for(server, history="chat", concurrency=1)
    first = screens(3)
    agent.act(first, [{}] * 3)  # replies 0, 1, 2 to slots 0, 1, 2
    agent.act([first[0], first[2]], [{}] * 2, indices=[0, 2])  # slot 1 has finished
    slot0, slot2 = server.requests[3]["messages"], server.requests[4]["messages"]
    assert [m["role"] for m in slot0] == ["system", "user", "assistant", "user"]
    assert slot0[2]["content"] == "reply 0" and slot2[2]["content"] == "reply 2"
    assert slot2[1]["content"][1]["text"] == f"Task: {first[2]['instruction']}"
    agent.reset(2)
    agent.act([first[2]], [{}], indices=[2])
    assert [m["role"] for m in server.requests[5]["messages"]] == ["system", "user"]


def test_step_history_lists_earlier_actions(chat_server):
    server = chat_server(lambda request, number: CLICK)
    agent = agent_for(server)
    (screen,) = screens(1)
    agent.act([screen], [{}])
    agent.act([screen], [{}])
    text = server.requests[1]["messages"][1]["content"][1]["text"]
    assert text.endswith('Actions so far:\n1. {"action": "click", "coordinate": [10, 20]}')


def test_sampling_is_seeded_by_the_episode(chat_server):
    server = chat_server(lambda request, number: CLICK)
    agent = agent_for(server, temperature=0.7)
    (screen,) = screens(1)
    for _ in range(2):  # the same episode twice
        agent.reset(0, seed=5)
        agent.act([screen], [{}])
        agent.act([screen], [{}])
    seeds = [request["seed"] for request in server.requests]
    assert seeds == [5000, 5001, 5000, 5001]


def test_requests_run_concurrently_up_to_the_limit(chat_server):
    in_flight, most, lock = [0], [0], threading.Lock()
    together = threading.Barrier(3, timeout=20)  # passes only when three requests are in flight at once

    def answer(request, number):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        together.wait()
        with lock:
            in_flight[0] -= 1
        return f"reply {number}"

    server = chat_server(answer)
    replies = agent_for(server, concurrency=3).act(screens(6), [{}] * 6)
    assert [reply.error for reply in replies] == [None] * 6
    assert len(server.requests) == 6 and most[0] == 3
    # replies come back in slot order, whatever order the server answered in
    instructions = [request["messages"][1]["content"][1]["text"] for request in server.requests]
    order = [instructions.index(f"Task: {s['instruction']}\nNo actions yet.") for s in screens(6)]
    assert [reply.text for reply in replies] == [f"reply {number}" for number in order]


COMPLETION_OK = json.dumps({"choices": [{"message": {"content": "fine"}}]}).encode()


@pytest.mark.parametrize(
    ("answers", "text", "error", "tries"),
    [
        ([(500, b"oops"), (200, COMPLETION_OK)], "fine", None, 2),
        ([(429, b"slow down"), (429, b"slow down"), (200, COMPLETION_OK)], "fine", None, 3),
        ([None, (200, COMPLETION_OK)], "fine", None, 2),  # a dropped connection is retried
        ([(503, b"<html><h1>503</h1>\n<p>Service\nUnavailable</p></html>")] * 3, "",
         "answered HTTP 503 after 3 tries: <html><h1>503</h1> <p>Service Unavailable</p></html>", 3),
        ([(404, b'{"object": "error", "message": "The model `tiny` does not exist.", "code": 404}')], "",
         "answered HTTP 404: The model `tiny` does not exist.", 1),  # not retried
        ([(400, b'{"error": {"message": "max_tokens is too large"}}')], "",
         "answered HTTP 400: max_tokens is too large", 1),
        ([(401, b'{"detail": "Unauthorized"}')], "", "answered HTTP 401: Unauthorized", 1),
        ([(500, b"oops"), (200, b"<html>Bad gateway</html>")], "",
         "answered something that is not JSON after 2 tries: '<html>Bad gateway</html>'", 2),
    ],
)
def test_http_failures_are_retried_only_where_a_new_try_may_help(chat_server, answers, text, error, tries):
    server = chat_server(lambda request, number: answers[number])
    (reply,) = agent_for(server, retries=2).act(screens(1), [{}])
    assert (reply.text, reply.error) == (text, error and f"{server.url} {error}")
    assert len(server.requests) == tries


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<html><body>Welcome to nginx!</body></html>", "answered something that is not JSON"),
        (b'{"choices": [{"message": {"content": "cut', "answered something that is not JSON"),
        (b"\xff\xfe\x00garbage", "answered something that is not JSON"),
        (b"[" * 100_000, "answered something that is not JSON"),
        (b"", "answered something that is not JSON"),
        (b'{"object": "chat.completion"}', "answered without choices"),
        (b'{"choices": []}', "answered without choices"),
        (b'{"choices": "many"}', "answered without choices"),
        (b"[1, 2]", "answered without choices"),
        (b'"text"', "answered without choices"),
        (b'{"choices": [7]}', "answered without reply text in choices[0].message.content"),
        (b'{"choices": [{"text": "a"}]}', "answered without reply text in choices[0].message.content"),
        (b'{"choices": [{"message": {"content": null}}]}', "answered without reply text"),
        (b'{"choices": [{"message": {"content": 5}}]}', "answered without reply text"),
        (b'{"choices": [{"message": {"content": [{"type": "text"}]}}]}', "answered without reply text"),
    ],
)
def test_garbage_answers_are_an_error_not_a_crash(chat_server, body, error):
    server = chat_server(lambda request, number: (200, body))
    (reply,) = agent_for(server, retries=3).act(screens(1), [{}])
    assert reply.text == "" and reply.error.startswith(f"{server.url} {error}")
    assert "\n" not in reply.error and len(reply.error) < 300
    assert len(server.requests) == 1  # the server answered: asking again would get the same


def test_a_silent_server_times_out_on_every_try(chat_server):
    release = threading.Event()
    server = chat_server(lambda request, number: release.wait(30) and "late")
    agent = agent_for(server, timeout=0.2, retries=1)
    (reply,) = agent.act(screens(1), [{}])
    release.set()
    assert reply.error == f"{server.url} did not answer within 0.2 s after 2 tries"
    assert len(server.requests) == 2


def test_a_refused_connection_is_retried_then_reported():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    agent = OpenAIAgent("tiny", base_url=url, retries=2, backoff=0.01)
    replies = agent.act(screens(2), [{}] * 2)
    assert [(reply.text, reply.error) for reply in replies] == [
        ("", f"{url} refused the connection after 3 tries")] * 2  # fmt: skip


def test_backoff_doubles_with_jitter(chat_server, monkeypatch):
    waits = []
    monkeypatch.setattr(time, "sleep", waits.append)
    server = chat_server(lambda request, number: (502, b"bad gateway"))
    (reply,) = OpenAIAgent("tiny", base_url=server.url, retries=4, backoff=1.0).act(screens(1), [{}])
    assert reply.error.endswith("answered HTTP 502 after 5 tries: bad gateway")
    assert len(waits) == 4
    for k, wait in enumerate(waits):
        assert 0.5 * 2**k <= wait <= 2**k


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "ftp://host/v1"}, "the base URL must be http(s)"),
        ({"base_url": "localhost:8000"}, "the base URL must be http(s)"),
        ({"timeout": 0}, "timeout must be at least 0.001, not 0"),
        ({"retries": -1}, "retries must be at least 0, not -1"),
        ({"concurrency": 0, "max_tokens": 0}, "concurrency must be at least 1, not 0; max_tokens must be"),
    ],
)
def test_bad_options_say_what_is_wrong(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        OpenAIAgent("tiny", **options)
