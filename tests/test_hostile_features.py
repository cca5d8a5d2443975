"""Hostile input, features: the e-mail test is linear in the length of a word (issue 16, finding 13)."""

from __future__ import annotations

import random
import re
import time

from detector import features

# the pattern the features used before: it rescans a long word from every start position
_QUADRATIC_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def test_email_test_says_the_same_yes_or_no_as_the_old_pattern():
    rng = random.Random(16)
    alphabet = "ab_9.+-@ é\n"
    cases = ["", "@", "a@b.c", "a@b.", "@b.c", ".@-.x", "x @b.c", "mail me: jo.doe+x@ex-ample.co.uk!", "a@b@c.d"]
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(20000)]
    for text in cases:
        assert bool(features._EMAIL.search(text)) == bool(_QUADRATIC_EMAIL.search(text)), text


def _cpu_per_call(text: str) -> float:
    """CPU seconds per search, over as many calls as fit in 50 ms (at least one)."""
    calls, start = 0, time.process_time()
    while True:
        features._EMAIL.search(text)
        calls += 1
        spent = time.process_time() - start
        if spent >= 0.05:
            return spent / calls


def test_email_test_is_linear_in_word_length():
    # finding 13: 20,000-character words followed by " @" took 1.4 s each (103 s for a 2 MB page).
    # A ratio, not a clock bound: 8x longer words cost ~8x (linear), not ~64x (quadratic).
    short, long = "a" * 2_500 + " @", "a" * 20_000 + " @"
    ratio = min(_cpu_per_call(long) for _ in range(3)) / min(_cpu_per_call(short) for _ in range(3))
    assert ratio < 30, f"8x longer word cost {ratio:.0f}x: quadratic"
