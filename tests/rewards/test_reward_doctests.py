"""Run every rewards module's doctests (pytest collects only tests/)."""

import doctest
import importlib

import pytest

MODULES = ["inputs", "format", "action", "grounding", "text", "compose"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name):
    module = importlib.import_module(f"mmgym.rewards.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"mmgym.rewards.{name} has no doctest"
    assert result.failed == 0
