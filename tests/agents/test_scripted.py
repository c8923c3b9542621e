"""The scripted agents write replies the parser reads back."""

import gymnasium as gym

import mmgym  # noqa: F401
from mmgym.agents import OracleAgent, RandomAgent
from mmgym.envs.actions import ActionType
from mmgym.envs.parsing import parse_reply
from mmgym.envs.text_actions import TextActions
from mmgym.episodes import run_episode


def test_oracle_reply_parses_to_the_expert_action():
    env = gym.make("mmgym/FillForm-v0")
    obs, info = env.reset(seed=5)
    reply = OracleAgent().act([obs], [info])[0]
    parsed = parse_reply(reply.text, screen_size=(224, 224))
    assert parsed.format_ok and parsed.action == info["expert_action"]
    assert obs["instruction"] in parsed.think


def test_random_agent_is_seeded_well_formed_and_covers_the_vocabulary():
    env = gym.make("mmgym/FillForm-v0")
    obs, info = env.reset(seed=0)
    first = [RandomAgent(seed=1).act([obs], [info])[0].text for _ in range(3)]
    agent_a, agent_b = RandomAgent(seed=1), RandomAgent(seed=1)
    a = [agent_a.act([obs], [info])[0].text for _ in range(200)]
    b = [agent_b.act([obs], [info])[0].text for _ in range(200)]
    assert a == b and len(set(first)) == 1
    types = set()
    for text in a:
        parsed = parse_reply(text, screen_size=(224, 224))
        assert parsed.format_ok and parsed.valid, parsed.error
        types.add(parsed.action.type)
    assert types == set(ActionType)


def test_random_episode_depends_only_on_its_seed():
    env = TextActions(gym.make("mmgym/FillForm-v0"))
    agent = RandomAgent()
    replies: dict[int, list[str]] = {}
    for seed in range(4):  # a run of episodes, as `mmgym play --episodes 4` plays them
        replies[seed] = []
        run_episode(env, agent, seed, on_step=lambda step, s=seed: replies[s].append(step.reply.text))
    alone: list[str] = []
    run_episode(env, RandomAgent(), 3, on_step=lambda step: alone.append(step.reply.text))
    assert alone == replies[3] and replies[3] != replies[2]
