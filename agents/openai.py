"""An MLLM agent behind any OpenAI-compatible chat-completions server (`mmgym serve`, vLLM, SGLang,
hosted APIs), over HTTP with the standard library only.

The prompts are the HF agent's (:class:`mmgym.agents.prompts.Conversation`), each screenshot sent
as a PNG data URL. Whatever the server answers is untrusted: a slot whose request fails after every
retry, or whose answer holds no reply text, gets a :class:`Reply` with ``error`` set and no text,
never an exception.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import random
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from mmgym.agents.base import Reply
from mmgym.agents.prompts import Conversation, History

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
MAX_BODY = 16 * 2**20  # bytes of an answer read at most: a reply is a few hundred
MAX_DELAY = 30.0  # seconds between two tries at the most


class _Failure(Exception):
    """One try that failed: ``what`` went wrong, ``detail`` the server's words, and whether another
    try may succeed."""

    def __init__(self, what: str, retry: bool, detail: str = ""):
        super().__init__(what)
        self.what, self.retry, self.detail = what, retry, detail


def data_url(image: Image.Image) -> str:
    """``image`` as a ``data:image/png;base64,...`` URL (PNG: the server sees the exact pixels)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def openai_messages(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A :class:`Conversation` chat in the chat-completions form: images as ``image_url`` parts."""
    converted = []
    for message in messages:
        content = message["content"]
        if isinstance(content, list):
            content = [{"type": "image_url", "image_url": {"url": data_url(part["image"])}}
                       if part["type"] == "image" else {"type": "text", "text": part["text"]}
                       for part in content]  # fmt: skip
        converted.append({"role": message["role"], "content": content})
    return converted


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; a ValueError unless it is an http(s) URL."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the base URL must be http(s)://HOST[:PORT]/PATH such as {DEFAULT_BASE_URL}, "
                         f"not {base_url!r}")  # fmt: skip
    return base_url.rstrip("/")


class OpenAIAgent:
    """A policy served behind ``POST {base_url}/chat/completions``.

    Args:
        model: the model name the server knows (``mmgym serve tiny`` serves ``"tiny"``).
        base_url: the API root; default ``$OPENAI_BASE_URL``, else ``http://127.0.0.1:8000/v1``.
        api_key: sent as a Bearer token; default ``$OPENAI_API_KEY`` (none if unset).
        history, max_images, skills: the prompt, as for :class:`mmgym.agents.hf.HFAgent`.
        max_tokens: reply length cap.
        temperature, top_p: sampling (temperature 0 is greedy). With a temperature, each request
            carries a seed derived from the episode's seed and step, so a replayed episode asks
            the same question with the same seed.
        timeout: seconds the server may take to accept a request and to send each part of its
            answer.
        retries: how many times a request is tried again after a refused or dropped connection,
            a timeout, HTTP 429 or HTTP 5xx (not after another HTTP 4xx, nor after an answer
            without reply text).
        backoff: seconds before the first retry; each next wait doubles (up to 30 s), with jitter.
        concurrency: how many requests :meth:`act` keeps in flight at once.
    """

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 history: History = "steps", max_images: int = 2, skills: bool = False, max_tokens: int = 256,
                 temperature: float = 0.0, top_p: float = 1.0, timeout: float = 60.0, retries: int = 3,
                 backoff: float = 1.0, concurrency: int = 4):  # fmt: skip
        if not model:
            raise ValueError("name the served model, e.g. openai:tiny for `mmgym serve tiny`")
        lowest = {"timeout": (timeout, 0.001), "retries": (retries, 0), "concurrency": (concurrency, 1),
                  "max_tokens": (max_tokens, 1)}  # fmt: skip
        wrong = [f"{name} must be at least {low:g}, not {value}"
                 for name, (value, low) in lowest.items() if value < low]  # fmt: skip
        if wrong:
            raise ValueError("; ".join(wrong))
        self.model = model
        self.base_url = check_base_url(base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.history, self.max_images, self.skills = history, max_images, skills
        self.max_tokens, self.temperature, self.top_p = max_tokens, temperature, top_p
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.concurrency = concurrency
        self.conversations: dict[int, Conversation] = {}
        self.seeds: dict[int, int | None] = {}
        self.random = random.Random()

    def reset(self, index: int, seed: int | None = None) -> None:
        self.conversations[index] = Conversation(self.skills)
        self.seeds[index] = seed

    def act(self, observations: Sequence[dict[str, Any]], infos: Sequence[dict[str, Any]],
            indices: Sequence[int] | None = None) -> list[Reply]:  # fmt: skip
        """One reply per observation; ``indices`` names the env slot of each (default 0, 1, ...),
        so that a batch may hold only the slots still playing."""
        indices = range(len(observations)) if indices is None else indices
        bodies = [self.request(index, observation)
                  for index, observation in zip(indices, observations, strict=True)]  # fmt: skip
        with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(bodies)))) as pool:
            replies = list(pool.map(self.complete, bodies))
        for index, reply in zip(indices, replies, strict=True):
            self.conversations[index].replies.append(reply.text)
        return replies

    def request(self, index: int, observation: dict[str, Any]) -> dict[str, Any]:
        """Record slot ``index``'s new screenshot; the request body for its next reply."""
        conversation = self.conversations.setdefault(index, Conversation(self.skills))
        conversation.observe(observation)
        messages = openai_messages(conversation.messages(self.history, self.max_images))
        body = {"model": self.model, "messages": messages, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "top_p": self.top_p}  # fmt: skip
        seed = self.seeds.get(index)
        if self.temperature > 0 and seed is not None:
            body["seed"] = (seed * 1000 + len(conversation.replies)) % 2**31
        return body

    def complete(self, body: dict[str, Any]) -> Reply:
        """The server's reply to ``body``, tried up to ``retries + 1`` times."""
        payload, attempt = json.dumps(body).encode(), 0
        while True:
            try:
                return Reply(self._post(payload))
            except _Failure as failure:
                if not failure.retry or attempt == self.retries:
                    tries = f" after {attempt + 1} tries" if attempt else ""
                    detail = f": {failure.detail}" if failure.detail else ""
                    return Reply("", error=f"{self.base_url} {failure.what}{tries}{detail}")
            time.sleep(min(MAX_DELAY, self.backoff * 2**attempt) * self.random.uniform(0.5, 1.0))
            attempt += 1

    def _post(self, payload: bytes) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.base_url}/chat/completions", payload, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_BODY + 1)
        except urllib.error.HTTPError as error:
            retry = error.code == 429 or error.code >= 500
            raise _Failure(f"answered HTTP {error.code}", retry, _error_text(error)) from None
        except urllib.error.URLError as error:
            raise _connection_failure(error.reason, self.timeout) from None
        except (OSError, http.client.HTTPException) as error:
            raise _connection_failure(error, self.timeout) from None
        if len(body) > MAX_BODY:
            raise _Failure(f"answered more than {MAX_BODY // 2**20} MiB", retry=False)
        return _reply_text(body)


def _connection_failure(reason: Any, timeout: float) -> _Failure:
    if isinstance(reason, TimeoutError):
        return _Failure(f"did not answer within {timeout:g} s", retry=True)
    if isinstance(reason, ConnectionRefusedError):
        return _Failure("refused the connection", retry=True)
    if isinstance(reason, (ConnectionError, http.client.HTTPException)):
        return _Failure("dropped the connection", retry=True, detail=type(reason).__name__)
    return _Failure("could not be reached", retry=True, detail=_one_line(str(reason)))


def _error_text(error: urllib.error.HTTPError) -> str:
    """The server's explanation of an HTTP error, as one short line."""
    try:
        body = error.read(MAX_BODY)
    except (OSError, http.client.HTTPException):
        return error.reason if isinstance(error.reason, str) else ""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _snippet(body) or str(error.reason)
    found = data.get("error", data) if isinstance(data, dict) else data
    found = found.get("message", found.get("detail", found)) if isinstance(found, dict) else found
    return _one_line(found) if isinstance(found, str) else _snippet(body)


def _reply_text(body: bytes) -> str:
    """The reply text of a chat-completions answer; a :class:`_Failure` saying what is missing if
    the answer holds none."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise _Failure("answered something that is not JSON", False, repr(_snippet(body))) from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices:
        raise _Failure("answered without choices", retry=False, detail=_snippet(body))
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise _Failure("answered without reply text in choices[0].message.content", retry=False,
                       detail=_snippet(body))  # fmt: skip
    return content


def _snippet(body: bytes) -> str:
    return _one_line(body[:1000].decode("utf-8", "replace"))


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
