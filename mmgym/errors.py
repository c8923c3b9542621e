"""Errors the command line reports as one line."""


class UsageError(Exception):
    """A mistake in how mmgym was called: reported as one line, without a traceback."""


def first_line(error: BaseException) -> str:
    """An error as one line: its message's first line, else its type."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
