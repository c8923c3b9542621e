"""Tests for mmgym.envs.parsing: known answers, layout, the literal reader, fuzzing, round trip."""

import doctest
import importlib
import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mmgym.envs.actions import CHARSET, KEYS, MAX_TEXT_LENGTH, Action, Direction
from mmgym.envs.coordinates import Coordinates
from mmgym.envs.embodied.skills import Skill
from mmgym.envs.literal import MAX_DEPTH, MAX_LITERAL_LENGTH
from mmgym.envs.parsing import (
    ParsedReply,
    ReplyError,
    action_from_dict,
    format_reply,
    parse_answer,
    parse_box,
    parse_literal,
    parse_reply,
    parse_skill_reply,
)

SCREEN = (224, 224)


def reply_with(answer: str) -> str:
    return f"<think>the button is there</think><answer>{answer}</answer>"


# Known answers: accepted shapes, names and aliases.


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"action": "click", "coordinate": [10, 20]}', Action.click(10, 20)),
        ("{'action': 'click', 'coordinate': [10, 20]}", Action.click(10, 20)),
        ("[{'action': 'click', 'coordinate': [10, 20]}]", Action.click(10, 20)),
        ('{"action_type": "click", "point": [10.9, 20.1]}', Action.click(10, 20)),
        ('{"type": "Tap", "coordinates": [10, 20]}', Action.click(10, 20)),
        ('{"action": "click", "position": [10, 20], "why": "extra keys are ignored"}',
         Action.click(10, 20)),
        ('{"action": "click", "coordinate": null, "point": [1, 2]}', Action.click(1, 2)),
        ('{"action": "long_press", "coordinate": [5, 6]}', Action.long_press(5, 6)),
        ('{"action": "LongPress", "coordinate": [5, 6]}', Action.long_press(5, 6)),
        ('{"action": "long click", "coordinate": [5, 6]}', Action.long_press(5, 6)),
        ('{"action": "long-press", "coordinate": [5, 6]}', Action.long_press(5, 6)),
        ('{"action": "scroll", "direction": "DOWN"}', Action.scroll("down")),
        ('{"action": "scroll", "direction": "left", "coordinate": [3, 4]}',
         Action.scroll("left", (3, 4))),
        ("[{'action': 'scroll', 'point': [100, 200], 'input_text': 'down'}]",
         Action.scroll("down", (100, 200))),
        ("{'action': 'scroll', 'text': 'up'}", Action.scroll("up")),
        ('{"action": "type", "text": "hello world"}', Action.type_text("hello world")),
        ('{"action": "input", "input_text": "hi"}', Action.type_text("hi")),
        ('{"action": "input_text", "content": "hi"}', Action.type_text("hi")),
        ('{"action": "type_text", "value": "hi"}', Action.type_text("hi")),
        ('{"action": "type", "text": "No Input Text", "content": "hi"}', Action.type_text("hi")),
        ('{"action": "type", "text": " "}', Action.type_text(" ")),  # typing a space is an action
        ('{"action": "type", "input_text": "", "text": "a b"}', Action.type_text("a b")),
        ('{"action": "key", "key": "Enter"}', Action.press_key("enter")),
        ('{"action": "press", "keys": ["Return"]}', Action.press_key("enter")),
        ('{"action": "press_key", "keys": "esc"}', Action.press_key("escape")),
        ('{"action": "key_press", "text": "ArrowUp"}', Action.press_key("up")),
        ('{"action": "key", "key": "arrow_left"}', Action.press_key("left")),
        ('{"action": "key", "key": "Arrow Down"}', Action.press_key("down")),
        ('{"action": "key", "key": "arrowright"}', Action.press_key("right")),
        ('{"action": "key", "key": "PageUp"}', Action.press_key("page_up")),
        ('{"action": "key", "key": "page up"}', Action.press_key("page_up")),
        ('{"action": "key", "key": "pagedown"}', Action.press_key("page_down")),
        ('{"action": "key", "key": "del"}', Action.press_key("delete")),
        ('{"action": "key", "key": "back_space"}', Action.press_key("backspace")),
        ('{"action": "key", "key": "tab"}', Action.press_key("tab")),
        ('{"action": "navigate_back"}', Action.back()),
        ('{"action": "back"}', Action.back()),
        ('{"action": "press_back"}', Action.back()),
        ('{"action": "go_back"}', Action.back()),
        ('{"action": "navigate_home"}', Action.home()),
        ('{"action": "home"}', Action.home()),
        ('{"action": "press_home"}', Action.home()),
        ('{"action": "go_home"}', Action.home()),
        ('{"action": "open_app", "app": "Clock"}', Action.open_app("Clock")),
        ('{"action": "open", "app_name": "Clock"}', Action.open_app("Clock")),
        ('{"action": "launch", "text": "Clock"}', Action.open_app("Clock")),
        ('{"action": "open_application", "name": "Clock"}', Action.open_app("Clock")),
        ('{"action": "wait"}', Action.wait()),
        ('{"action": "finish"}', Action.finish()),
        ('{"action": "finish", "text": "42"}', Action.finish("42")),
        ('{"action": "complete", "input_text": "no input text"}', Action.finish()),
        ('{"action": "done"}', Action.finish()),
        ('{"action": "answer", "content": "Paris"}', Action.finish("Paris")),
        ('{"action": "terminate", "status": "success"}', Action.finish()),
        ('{"action": "stop"}', Action.finish()),
        ('{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [7, 8]}}',
         Action.click(7, 8)),
        ('{"name": "mobile_use", "arguments": {"action": "open", "name": "Maps"}}',
         Action.open_app("Maps")),
        ('{"name": "mobile_use", "arguments": "{\\"action\\": \\"key\\", \\"text\\": \\"tab\\"}"}',
         Action.press_key("tab")),
    ],
)  # fmt: skip
def test_known_answers(answer, expected):
    parsed = parse_reply(reply_with(answer), screen_size=SCREEN)
    assert (parsed.action, parsed.error, parsed.format_ok) == (expected, None, True)
    assert parsed.valid
    assert parsed.answer == answer


def test_single_quoted_strings_with_escaped_quotes():
    answer = r"""{'action': 'type', 'text': 'it\'s "quoted" \\ ok'}"""
    assert parse_answer(answer) == Action.type_text('it\'s "quoted" \\ ok')


@pytest.mark.parametrize(
    ("coordinates", "point", "expected"),
    [
        ("pixel", [112, 56], (112, 56)),
        ("pixel@448x448", [224, 112], (112, 56)),
        ("norm1000", [500, 250], (112, 56)),
        ("norm1000", [1000, 1000], (223, 223)),
        ("norm1", [0.5, 0.25], (112, 56)),
        (Coordinates("norm1"), [1, 0], (223, 0)),
    ],
)
def test_each_coordinate_kind_converts_to_screen_pixels(coordinates, point, expected):
    answer = json.dumps({"action": "click", "coordinate": point})
    assert parse_answer(answer, screen_size=SCREEN, coordinates=coordinates).point == expected


# Known answers: invalid actions and their one-line reasons.


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ('{"action": "click", "coordinate": [300, 12]}',
         "coordinate (300, 12) is outside the 224x224 screen"),
        ('{"action": "click", "coordinate": [-1, 12]}', "outside the 224x224 screen"),
        ('{"action": "click", "coordinate": [true, 12]}', "field 'coordinate' must be two numbers"),
        ('{"action": "click", "coordinate": [1, 2, 3]}', "must be two numbers"),
        ('{"action": "click", "coordinate": "[1, 2]"}', "must be two numbers"),
        ('{"action": "click", "coordinate": [NaN, 1]}', "unexpected word 'NaN'"),
        ('{"action": "click", "coordinate": [Infinity, 1]}', "unexpected word 'Infinity'"),
        ('{"action": "click", "coordinate": [-Infinity, 1]}', "bad number '-'"),
        ('{"action": "click", "coordinate": [1e999, 1]}', "number '1e999' is out of range"),
        ('{"action": "click", "coordinate": [' + "9" * 40 + ", 1]}", "longer than 32 characters"),
        ('{"action": "click"}', 'click needs a "coordinate": [x, y]'),
        ('{"action": "fly"}', "unknown action 'fly'; use one of click, long_press, scroll"),
        ('{"action": 3}', "field 'action' must be a string, got 3"),
        ('{"coordinate": [1, 2]}', 'action has no "action" field'),
        ('{"action": "scroll"}', 'scroll needs a "direction"'),
        ('{"action": "scroll", "direction": "sideways"}', "unknown scroll direction 'sideways'"),
        ('{"action": "scroll", "input_text": "no input text"}', 'scroll needs a "direction"'),
        ('{"action": "type"}', 'type needs a non-empty "text"'),
        ('{"action": "type", "text": ""}', 'type needs a non-empty "text"'),
        ('{"action": "type", "input_text": "no input text"}', 'type needs a non-empty "text"'),
        ('{"action": "type", "text": 5}', "field 'text' must be a string, got 5"),
        ('{"action": "type", "text": "' + "a" * (MAX_TEXT_LENGTH + 1) + '"}',
         f"is {MAX_TEXT_LENGTH + 1} characters long; the limit is {MAX_TEXT_LENGTH}"),
        ('{"action": "type", "text": "caf\\u00e9"}', "field 'text' has 'é'; text must be"),
        ('{"action": "type", "text": "a\\nb"}', "field 'text' has '\\n'"),
        ('{"action": "open_app"}', 'open_app needs a non-empty "app"'),
        ('{"action": "key", "key": "F13"}', "unknown key 'F13'; use one of " + ", ".join(KEYS)),
        ('{"action": "key"}', 'key needs a "key"'),
        ('{"action": "key", "keys": ["ctrl", "c"]}', "field 'keys' must be a key name"),
        ('{"name": "mobile_use", "arguments": [1]}', "field 'arguments' must be an object"),
        ("[]", "answer is a list of 0 items; give exactly one action"),
        ('[{"action": "wait"}, {"action": "wait"}]', "answer is a list of 2 items"),
        ('"click"', "an action must be an object"),
        ("[5]", "an action must be an object"),
        ("", "answer is empty"),
        ("click(10, 20)", "unexpected word 'click'"),
        ('{"action": "wait"} trailing', "unexpected text after the value"),
        ('{"action": "wait"', "expected ',' or '}'"),
    ],
)  # fmt: skip
def test_invalid_answers_give_a_one_line_reason(answer, reason):
    parsed = parse_reply(reply_with(answer), screen_size=SCREEN)
    assert parsed.action is None
    assert reason in parsed.error
    assert len(parsed.error.splitlines()) == 1
    with pytest.raises(ReplyError, match="."):
        parse_answer(answer, screen_size=SCREEN)


def test_without_a_screen_only_negative_points_are_invalid():
    assert parse_answer('{"action": "click", "coordinate": [5000, 7.5]}') == Action.click(5000, 7)
    with pytest.raises(ReplyError, match="is negative"):
        parse_answer('{"action": "click", "coordinate": [-0.5, 3]}')


def test_normalised_coordinates_need_a_screen_size():
    with pytest.raises(ValueError, match="pass screen_size"):
        parse_reply(reply_with('{"action": "wait"}'), coordinates="norm1000")


@pytest.mark.parametrize(
    "action",
    [
        Action.click(3, 4),
        Action.scroll("up", (1, 2)),
        Action.type_text("hi"),
        Action.press_key("page_down"),
        Action.open_app("Clock"),
        Action.finish(""),
        Action.back(),
    ],
)
def test_action_from_dict_reads_the_json_form(action):
    assert action_from_dict(action.to_dict(), screen_size=SCREEN) == action
    assert action_from_dict(json.loads(action.to_json())) == action


def test_action_from_dict_rejects_non_finite_numbers_from_json_loads():
    data = json.loads('{"action": "click", "coordinate": [NaN, 1]}')
    with pytest.raises(ReplyError, match="not a pair of finite numbers"):
        action_from_dict(data)
    with pytest.raises(ReplyError, match="not a pair of finite numbers"):
        action_from_dict(data, screen_size=SCREEN)


# Grounding boxes.


@pytest.mark.parametrize(
    ("answer", "coordinates", "expected"),
    [
        ('{"bbox_2d": [10, 20, 30, 40]}', "pixel", (10, 20, 30, 40)),
        ("{'bbox': [10, 20, 30, 40.5]}", "pixel", (10, 20, 30, 40.5)),
        ("[10, 20, 224, 224]", "pixel", (10, 20, 224, 224)),
        ('[{"bbox_2d": [0, 0, 448, 224], "label": "ok"}]', "pixel@448x448", (0, 0, 224, 112)),
        ('{"bbox_2d": [0, 500, 1000, 1000]}', "norm1000", (0, 112, 224, 224)),
        ("[0.25, 0, 0.5, 1]", "norm1", (56, 0, 112, 224)),
    ],
)
def test_parse_box_known_answers(answer, coordinates, expected):
    box = parse_box(answer, screen_size=SCREEN, coordinates=coordinates)
    assert box == pytest.approx(expected)
    assert all(isinstance(v, float) for v in box)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ('{"bbox_2d": [30, 20, 10, 40]}', "needs x1 <= x2 and y1 <= y2"),
        ('{"bbox_2d": [0, 0, 300, 40]}', "is outside the 224x224 screen"),
        ('{"bbox_2d": [0, 0, 30]}', "bbox_2d must be four numbers"),
        ('{"box": [0, 0, 30, 30]}', "needs a 'bbox_2d' field"),
        ("[0, 0, true, 30]", "answer must be four numbers"),
        ("[[0, 0, 1, 1], [0, 0, 1, 1]]", "answer must be four numbers"),
    ],
)
def test_parse_box_rejects_bad_boxes(answer, reason):
    with pytest.raises(ReplyError, match=reason.replace("(", r"\(")):
        parse_box(answer, screen_size=SCREEN)


def test_parse_box_without_screen_checks_non_negative():
    assert parse_box("[1, 2, 3000, 4000]") == (1.0, 2.0, 3000.0, 4000.0)
    with pytest.raises(ReplyError, match="non-negative"):
        parse_box("[-1, 2, 3, 4]")


# Reply layout.

ANSWER = '{"action": "wait"}'


@pytest.mark.parametrize(
    ("reply", "format_ok", "valid"),
    [
        (f"<think>a</think><answer>{ANSWER}</answer>", True, True),
        (f"  \n<think>\na\n</think>\n\n<answer>\n{ANSWER}\n</answer>\n", True, True),
        (f"<think></think><answer>{ANSWER}</answer>", True, True),
        (f"<answer>{ANSWER}</answer>", False, True),  # missing think
        (f"<answer>{ANSWER}</answer><think>a</think>", False, True),  # think after answer
        (f"<think>a</think>so<answer>{ANSWER}</answer>", False, True),  # text between blocks
        (f"<think>a</think><answer>{ANSWER}</answer> done", False, True),  # text after
        (f"Sure! <think>a</think><answer>{ANSWER}</answer>", False, True),  # text before
        (f"<think>a<answer>{ANSWER}</answer></think>", False, True),  # answer nested in think
        (f"<think>a</think><think>b</think><answer>{ANSWER}</answer>", False, True),
        (f"<think>a<think>b</think><answer>{ANSWER}</answer>", False, True),
        (f"<think>a</think><answer>{ANSWER}</answer><answer>{ANSWER}</answer>", False, False),
        (f"<think>a</think><answer><answer>{ANSWER}</answer></answer>", False, False),
        (f"<think>a</think><answer>{ANSWER}</answ", False, False),  # truncated
        (f"<think>a</think><answer>{ANSWER}", False, False),
        (f"<think>a</think>{ANSWER}", False, False),
        (f"<think>a</think></answer>{ANSWER}<answer>", False, False),
        ("<think>a</think><answer></answer>", True, False),
        ("", False, False),
    ],
)
def test_format_ok_and_validity(reply, format_ok, valid):
    parsed = parse_reply(reply)
    assert (parsed.format_ok, parsed.valid) == (format_ok, valid)


def test_think_is_optional_when_not_required():
    assert parse_reply(f"<answer>{ANSWER}</answer>", require_think=False).format_ok
    assert parse_reply(f" <think>a</think> <answer>{ANSWER}</answer>", require_think=False).format_ok
    assert not parse_reply(f"<think>a<answer>{ANSWER}</answer>", require_think=False).format_ok
    assert not parse_reply(f"<answer>{ANSWER}</answer></think>", require_think=False).format_ok


def test_think_and_answer_texts_are_stripped():
    parsed = parse_reply(f"<think>\n  look left \n</think><answer>  {ANSWER}\n</answer>")
    assert (parsed.think, parsed.answer) == ("look left", ANSWER)
    assert parse_reply("no tags at all") == ParsedReply(
        None, "reply has no <answer> block; end it with <answer>{...}</answer>", False, None, None
    )


def test_hundred_kilobyte_replies():
    long_think = reply_with('{"action": "wait"}').replace("the button", "x" * 100_000)
    assert parse_reply(long_think).action == Action.wait()
    long_answer = reply_with("[" + "1, " * 35_000 + "1]")
    assert "the limit is 4096" in parse_reply(long_answer).error
    assert parse_reply("<" * 100_000).error is not None
    assert parse_reply("<answer>" + "'" * 100_000).error is not None


# The literal reader.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, -2, 3.5, -0.25, 1e3, 2E-2, .5, 7.]", [1, -2, 3.5, -0.25, 1000.0, 0.02, 0.5, 7.0]),
        ("[True, False, None, true, false, null]", [True, False, None, True, False, None]),
        ("{'a': [1,], \"b\": {},}", {"a": [1], "b": {}}),
        (r"'\n\t\\\'\"\/'", "\n\t\\'\"/"),
        (r'"\u00e9\x41\ud83d\ude00\U0001F600"', "éA😀😀"),
        ("  [ ]  ", []),
        ("-0", 0),
    ],
)
def test_parse_literal_known_answers(text, expected):
    assert parse_literal(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NaN", "unexpected word 'NaN'"),
        ("nan", "unexpected word 'nan'"),
        ("-Infinity", "bad number '-'"),
        ("1_000", "unexpected text after the value"),
        ("0x10", "unexpected text after the value"),
        ("1" * 33, "longer than 32 characters"),
        ("1e400", "out of range"),
        ("1.2.3", "bad number"),
        ("'abc", "unterminated string"),
        ("'a\nb'", "line break inside a string"),
        (r"'\q'", r"invalid escape \q"),
        (r"'\u12'", "escape needs 4 hex digits"),
        (r"'\u0x12'", "escape needs 4 hex digits"),
        (r"'\ud800'", "is not a character"),
        (r"'\U00110000'", "is not a character"),
        ("{1: 2}", "expected a quoted key"),
        ("{'a' 2}", "expected ':' after a key"),
        ("[1 2]", "expected ',' or ']'"),
        ("[,]", "unexpected ','"),
        ("(1, 2)", "unexpected '('"),
        ("{'a': 1} {}", "unexpected text after the value"),
        ("", "unexpected end"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"nesting deeper than {MAX_DEPTH}"),
        ("1" + " " * MAX_LITERAL_LENGTH, f"the limit is {MAX_LITERAL_LENGTH}"),
        ("__import__('os')", "unexpected '_'"),
    ],
)
def test_parse_literal_rejects(text, reason):
    with pytest.raises(ReplyError) as caught:
        parse_literal(text)
    assert reason in str(caught.value)


def test_parse_literal_reads_the_deepest_allowed_nesting():
    assert parse_literal("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


literals = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=12,
)


@given(literals, st.sampled_from(["json", "json-unicode", "python"]))
def test_parse_literal_reads_json_and_python_spellings(value, spelling):
    assume(depth(value) <= MAX_DEPTH)
    text = repr(value) if spelling == "python" else json.dumps(value, ensure_ascii=spelling == "json")
    assume(len(text) <= MAX_LITERAL_LENGTH)
    # repr() tells True from 1 and 1.0, which == does not.
    assert repr(parse_literal(text)) == repr(value)


# Never raise, whatever the reply.


def assert_well_formed(parsed: ParsedReply) -> None:
    assert isinstance(parsed, ParsedReply)
    assert (parsed.action is None) != (parsed.error is None)
    if parsed.error is not None:
        assert len(parsed.error.splitlines()) == 1


@given(st.text())
def test_arbitrary_text_never_raises(reply):
    assert_well_formed(parse_reply(reply, screen_size=SCREEN))


LITERAL_ALPHABET = "[]{}:,'\"\\ 0123456789.-+eEuxTrueFalsNn_\n"


@given(st.text(LITERAL_ALPHABET, max_size=200), st.sampled_from(["pixel", "norm1000", "norm1"]))
def test_literal_like_answers_never_raise(answer, coordinates):
    reply = reply_with(answer)
    assert_well_formed(parse_reply(reply, screen_size=SCREEN, coordinates=coordinates))


TAGS = ["<think>", "</think>", "<answer>", "</answer>", "<answer", "</", "<"]
BAD_NUMBERS = ["1e999", "NaN", "-5", "-Infinity", "9" * 40, "true", "1.5", "-0.0", "1e-999"]


@st.composite
def mutated_replies(draw):
    """A valid reply, then truncated, with a tag inserted or duplicated, or a number replaced."""
    action = draw(actions(SCREEN))
    reply = format_reply(action, think=draw(st.text(max_size=30).filter(no_tags)))
    mutation = draw(st.sampled_from(["truncate", "insert", "duplicate", "number"]))
    at = draw(st.integers(0, len(reply)))
    if mutation == "truncate":
        return reply[:at]
    if mutation == "insert":
        return reply[:at] + draw(st.sampled_from(TAGS)) + reply[at:]
    if mutation == "duplicate":
        tag = draw(st.sampled_from(TAGS[:4]))
        return reply.replace(tag, tag + tag, 1)
    digits = [i for i, char in enumerate(reply) if char.isdigit()]
    if not digits:
        return reply
    i = draw(st.sampled_from(digits))
    return reply[:i] + draw(st.sampled_from(BAD_NUMBERS)) + reply[i + 1 :]


@given(mutated_replies(), st.booleans())
def test_mutated_replies_never_raise(reply, require_think):
    assert_well_formed(parse_reply(reply, screen_size=SCREEN, require_think=require_think))


# Round trip: format_reply is the inverse of parse_reply.


def no_tags(text: str) -> bool:
    return not any(tag in text for tag in TAGS[:4])


texts = st.text(CHARSET, min_size=1, max_size=MAX_TEXT_LENGTH).filter(
    lambda text: text.strip().lower() != "no input text"
)


def actions(screen: tuple[int, int]) -> st.SearchStrategy[Action]:
    points = st.tuples(st.integers(0, screen[0] - 1), st.integers(0, screen[1] - 1))
    directions = st.sampled_from(list(Direction))
    return st.one_of(
        points.map(lambda p: Action.click(*p)),
        points.map(lambda p: Action.long_press(*p)),
        st.builds(Action.scroll, directions, st.none() | points),
        texts.map(Action.type_text),
        st.sampled_from(KEYS).map(Action.press_key),
        st.just(Action.back()),
        st.just(Action.home()),
        texts.map(Action.open_app),
        st.just(Action.wait()),
        (st.just("") | texts).map(Action.finish),
    )


@st.composite
def exact_conventions(draw):
    """A screen and a convention whose model range is at least as fine as the screen."""
    kind = draw(st.sampled_from(["pixel", "resized", "norm1000", "norm1"]))
    top = 1000 if kind == "norm1000" else 1920
    screen = (draw(st.integers(1, top)), draw(st.integers(1, top)))
    if kind == "resized":
        image = (draw(st.integers(screen[0], 4000)), draw(st.integers(screen[1], 4000)))
        return screen, Coordinates("pixel", image)
    return screen, Coordinates(kind)


@given(st.data(), exact_conventions(), st.booleans())
def test_format_reply_round_trips_every_action(data, convention, with_think):
    screen, coordinates = convention
    action = data.draw(actions(screen))
    think = data.draw(st.text(max_size=50).filter(no_tags))
    reply = format_reply(
        action, think=think, screen_size=screen, coordinates=coordinates, with_think=with_think
    )
    parsed = parse_reply(reply, screen_size=screen, coordinates=coordinates, require_think=with_think)
    assert (parsed.action, parsed.error, parsed.format_ok) == (action, None, True)
    assert parsed.think == (think.strip() if with_think else None)


@given(actions((1920, 1080)))
def test_format_reply_round_trips_plain_pixels_without_a_screen(action):
    assert parse_reply(format_reply(action)).action == action


def test_format_reply_escapes_tags_in_typed_text():
    reply = format_reply(Action.type_text("</answer><think>"))
    assert reply.count("</answer>") == 1
    assert parse_reply(reply).action == Action.type_text("</answer><think>")


def test_format_reply_rejects_tags_in_think():
    with pytest.raises(ValueError, match="must not contain the reply tags"):
        format_reply(Action.wait(), think="then <answer>")


def test_format_reply_known_answers():
    assert format_reply(Action.click(112, 56), screen_size=SCREEN, coordinates="norm1000") == (
        '<think></think><answer>{"action": "click", "coordinate": [502, 252]}</answer>'
    )
    assert format_reply(Action.open_app("Clock"), with_think=False) == (
        '<answer>{"action": "open_app", "app": "Clock"}</answer>'
    )


@pytest.mark.parametrize("module", ["mmgym.envs.parsing", "mmgym.envs.literal"])
def test_docstring_examples_hold(module):
    failures, _ = doctest.testmod(importlib.import_module(module))
    assert failures == 0


@pytest.mark.parametrize("answer, expected", [
    ('{"action": "move_to", "coordinate": [500, 250]}', Skill.move_to(32, 16)),  # norm1000 on 64x64
    ("[{'action': 'grasp'}]", Skill.grasp()),
    ('{"action": "move", "direction": "left", "amount": 2.5}', Skill.move("left", 2.5)),
    ('{"action": "move_to", "coordinate": [1000, 1200]}', "outside the 0-1000 range"),
    ('{"action": "click", "coordinate": [1, 2]}', "action must be one of move, move_to"),
    ('[{"action": "grasp"}, {"action": "release"}]', "a list of 2 items"),
])  # fmt: skip
def test_skill_replies_parse_like_gui_replies(answer, expected):
    parsed = parse_skill_reply(f"<think>t</think><answer>{answer}</answer>", screen_size=(64, 64),
                               coordinates="norm1000")  # fmt: skip
    if isinstance(expected, Skill):
        assert parsed.action == expected and parsed.format_ok
    else:
        assert parsed.action is None and expected in parsed.error
