"""Matching a text argument against a reference: SQuAD's normalisation and token F1, shared by the
text rewards (:mod:`mmgym.rewards.text`) and the evaluation protocols (:mod:`mmgym.envs.protocols`)."""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def answer_tokens(text: str) -> list[str]:
    """SQuAD normalisation: lowercase, drop punctuation and the articles a/an/the, split on spaces.

    >>> answer_tokens("The Eiffel-Tower, Paris!")
    ['eiffeltower', 'paris']
    """
    return _ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split()


def token_f1(prediction: str, truth: str) -> float:
    """SQuAD token F1 of two texts (Rajpurkar et al. 2016), as GUI-R1 scores text arguments.

    With ``c`` the tokens the two share (counted with multiplicity), ``p = c / len(prediction)``,
    ``r = c / len(truth)`` and ``F1 = 2 p r / (p + r)``; 1.0 when both are empty after
    normalisation, 0.0 when only one is.

    >>> token_f1("the red car", "a red bike")  # c = 1 of 2 and 2 tokens: p = r = 1/2
    0.5
    """
    predicted, expected = answer_tokens(prediction), answer_tokens(truth)
    if not predicted or not expected:
        return float(predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted), shared / len(expected)
    return 2 * precision * recall / (precision + recall)
