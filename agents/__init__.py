"""Agents: policies that turn observations into replies."""

from mmgym.agents.base import Agent, Reply
from mmgym.agents.openai import OpenAIAgent
from mmgym.agents.scripted import OracleAgent, RandomAgent

AGENTS = {"oracle": OracleAgent, "random": RandomAgent}

__all__ = ["AGENTS", "Agent", "OpenAIAgent", "OracleAgent", "RandomAgent", "Reply"]
