"""A strict reader of JSON and Python-literal spellings, for untrusted model output.

Nothing is evaluated (no ``eval``, ``exec`` or ``ast.literal_eval``). The reader accepts single-
or double-quoted strings with JSON and Python escapes, ``True``/``False``/``None`` and
``true``/``false``/``null``, ints, floats, lists and dicts with string keys (trailing commas
allowed), and rejects NaN and infinities, long numbers, deep nesting, long texts and trailing text,
all in time linear in the text.
"""

from __future__ import annotations

import math
import re

#: Caps on what :func:`read_literal` reads: characters in all, characters per number, nesting.
MAX_LITERAL_LENGTH = 4096
MAX_NUMBER_LENGTH = 32
MAX_DEPTH = 16


class LiteralError(ValueError):
    """Text that is not a literal this reader accepts; the message is one line saying why."""


def read_literal(text: str) -> object:
    """The value ``text`` spells.

    Raises:
        LiteralError: ``text`` is not such a literal, or is over the caps.

    Example:
        >>> read_literal("[{'action': 'click', 'coordinate': [1, 2.5]}]")
        [{'action': 'click', 'coordinate': [1, 2.5]}]
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    if len(text) > MAX_LITERAL_LENGTH:
        raise LiteralError(f"answer is {len(text)} characters long; the limit is {MAX_LITERAL_LENGTH}")
    reader = _LiteralReader(text)
    value = reader.value(reader.next_char(), depth=0)
    if reader.next_char():
        raise reader.error("unexpected text after the value")
    return value


def is_finite(value: float) -> bool:
    return isinstance(value, int) or math.isfinite(value)


def describe(value: object) -> str:
    """A short, single-line rendering of untrusted model output for an error message."""
    try:
        text = repr(value)  # repr escapes every line break, so messages stay on one line
    except ValueError:  # ints beyond 4300 digits, which only a caller's own dict can hold
        return "a value too large to show"
    return text if len(text) <= 60 else text[:57] + "..."


# Single character classes cannot backtrack; they scan in C what a Python loop would crawl.
_SPACE_RUN = re.compile(r"[ \t\r\n]*")
_NUMBER_TOKEN = re.compile(r"[0-9+\-.eE]*")
_NUMBER_START = frozenset("0123456789+-.")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_WORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_ESCAPES = {
    '"': '"', "'": "'", "\\": "\\", "/": "/",
    "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
}  # fmt: skip


class _LiteralReader:
    """A recursive-descent reader; recursion is capped at ``MAX_DEPTH`` containers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, problem: str) -> LiteralError:
        return LiteralError(f"answer is not a valid literal: {problem} at position {self.pos}")

    def next_char(self) -> str:
        """Skip whitespace and return the character there ("" at the end) without taking it."""
        self.pos = _SPACE_RUN.match(self.text, self.pos).end()
        return self.text[self.pos : self.pos + 1]

    def value(self, char: str, depth: int) -> object:
        """Read the value starting at ``self.pos``, whose first character is ``char``."""
        if char in ("'", '"'):
            return self.string()
        if char in ("[", "{"):
            if depth >= MAX_DEPTH:
                raise self.error(f"nesting deeper than {MAX_DEPTH} levels")
            return self.list(depth + 1) if char == "[" else self.dict(depth + 1)
        if char and char in _NUMBER_START:
            return self.number()
        if char.isalpha():
            return self.word()
        raise self.error(f"unexpected {describe(char)}" if char else "unexpected end")

    def list(self, depth: int) -> list:
        self.pos += 1
        items: list = []
        while (char := self.next_char()) != "]":
            items.append(self.value(char, depth))
            self.separator("]")
        self.pos += 1
        return items

    def dict(self, depth: int) -> dict:
        self.pos += 1
        items: dict = {}
        while (char := self.next_char()) != "}":
            if char not in ("'", '"'):
                raise self.error("expected a quoted key")
            key = self.string()
            if self.next_char() != ":":
                raise self.error("expected ':' after a key")
            self.pos += 1
            items[key] = self.value(self.next_char(), depth)
            self.separator("}")
        self.pos += 1
        return items

    def separator(self, bracket: str) -> None:
        """Take the ',' after an item, or stop before the closing bracket."""
        char = self.next_char()
        if char == ",":
            self.pos += 1
        elif char != bracket:
            raise self.error(f"expected ',' or '{bracket}'")

    def number(self) -> int | float:
        end = _NUMBER_TOKEN.match(self.text, self.pos).end()
        token = self.text[self.pos : end]
        if len(token) > MAX_NUMBER_LENGTH:
            raise self.error(f"number longer than {MAX_NUMBER_LENGTH} characters")
        # The token holds only digits, signs, '.', 'e' and 'E', so int() and float() cannot
        # accept anything beyond plain decimal numbers (no underscores, inf or nan).
        try:
            is_float = "." in token or "e" in token or "E" in token
            value: int | float = float(token) if is_float else int(token)
        except ValueError:
            raise self.error(f"bad number {token!r}") from None
        if not is_finite(value):
            raise self.error(f"number {token!r} is out of range")
        self.pos = end
        return value

    def word(self) -> bool | None:
        text, end = self.text, self.pos
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        word = text[self.pos : end]
        if word not in _WORDS:
            raise self.error(f"unexpected word {describe(word)}")
        self.pos = end
        return _WORDS[word]

    def string(self) -> str:
        text, quote = self.text, self.text[self.pos]
        self.pos += 1
        parts: list[str] = []
        close = -1
        while True:
            # Each search resumes where the last stopped, so a string costs linear time however
            # many escapes it holds.
            if close < self.pos:
                close = text.find(quote, self.pos)
                if close == -1:
                    raise self.error("unterminated string")
            slash = text.find("\\", self.pos, close)
            end = close if slash == -1 else slash
            chunk = text[self.pos : end]
            if "\n" in chunk or "\r" in chunk:
                raise self.error("line break inside a string")
            parts.append(chunk)
            self.pos = end
            if slash == -1:
                self.pos += 1
                return "".join(parts)
            parts.append(self.escape())

    def escape(self) -> str:
        code = self.text[self.pos + 1 : self.pos + 2]
        if code in _ESCAPES:
            self.pos += 2
            return _ESCAPES[code]
        if code == "x":
            return chr(self.hex_code(2))
        if code == "u":
            return self.unicode_escape()
        if code == "U":  # Python's repr() spells non-printable characters beyond U+FFFF so
            return self.checked_chr(self.hex_code(8))
        raise self.error(f"invalid escape \\{code}" if code else "unterminated string")

    def unicode_escape(self) -> str:
        code = self.hex_code(4)
        if 0xD800 <= code < 0xDC00 and self.text.startswith("\\u", self.pos):
            low = self.hex_code(4)  # JSON spells characters beyond U+FFFF as surrogate pairs
            if 0xDC00 <= low < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
        return self.checked_chr(code)

    def checked_chr(self, code: int) -> str:
        if 0xD800 <= code < 0xE000 or code > 0x10FFFF:
            raise self.error(f"escape for U+{code:X} is not a character")
        return chr(code)

    def hex_code(self, size: int) -> int:
        digits = self.text[self.pos + 2 : self.pos + 2 + size]
        if len(digits) != size or not all(c in _HEX_DIGITS for c in digits):
            raise self.error(f"\\{self.text[self.pos + 1]} escape needs {size} hex digits")
        self.pos += 2 + size
        return int(digits, 16)
