"""The action schema's three forms agree, and bad arguments are refused with the fix."""

import numpy as np
import pytest

from mmgym.envs.actions import KEYS, Action, ActionType, Direction, action_space, as_action

EXAMPLES = [
    Action.click(3, 4),
    Action.long_press(10, 200),
    Action.scroll("down"),
    Action.scroll(Direction.LEFT, (5, 6)),
    Action.type_text("hello world"),
    Action.press_key("enter"),
    Action.back(),
    Action.home(),
    Action.open_app("Mail"),
    Action.wait(),
    Action.finish("$3.20"),
    Action.finish(),
]


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda a: a.type.label)
def test_space_form_round_trips_and_is_in_the_space(action):
    space = action_space(224, 224)
    element = action.to_space((224, 224))
    assert space.contains(element)
    back = Action.from_space(element)
    if action.type == ActionType.SCROLL and action.point is None:
        assert back == Action.scroll(action.direction, (112, 112))  # scroll defaults to the centre
    else:
        assert back == action


def test_json_form_is_what_models_write():
    assert Action.click(3, 4).to_dict() == {"action": "click", "coordinate": [3, 4]}
    assert Action.scroll("up").to_dict() == {"action": "scroll", "direction": "up"}
    assert Action.open_app("Mail").to_dict() == {"action": "open_app", "app": "Mail"}
    assert Action.press_key("tab").to_json() == '{"action": "key", "key": "tab"}'
    assert Action.finish("42").to_dict() == {"action": "finish", "text": "42"}


def test_sampled_space_elements_are_valid_actions():
    space = action_space(100, 80)
    space.seed(0)
    seen = set()
    for _ in range(500):
        action = Action.from_space(space.sample())
        seen.add(action.type)
        if action.point is not None:
            assert 0 <= action.point[0] < 100 and 0 <= action.point[1] < 80
    assert seen == set(ActionType)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": ActionType.CLICK}, "needs a point"),
        ({"type": ActionType.SCROLL}, "needs a direction"),
        ({"type": ActionType.TYPE}, "needs a text"),
        ({"type": ActionType.KEY, "key": "F13"}, "key must be one of"),
        ({"type": ActionType.CLICK, "point": (1.5, 2)}, "point must be two ints"),
    ],
)
def test_invalid_actions_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Action(**kwargs)


def test_as_action_accepts_both_forms_and_names_the_fix():
    assert as_action(Action.wait()) == Action.wait()
    element = Action.press_key(KEYS[3]).to_space((50, 50))
    assert as_action(element) == Action.press_key(KEYS[3])
    with pytest.raises(TypeError, match="TextActions"):
        as_action("<answer>{}</answer>")
    assert np.issubdtype(action_space(9, 9)["point"].dtype, np.integer)
