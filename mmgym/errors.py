"""Errors the command line reports as one line."""


class UsageError(Exception):
    """A mistake in how mmgym was called: reported as one line, without a traceback."""
