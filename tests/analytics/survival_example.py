"""The synthetic cohort in examples/survival.csv, regenerated from a fixed seed.

Run ``python -m tests.analytics.survival_example > examples/survival.csv`` to rewrite the file;
``test_cli_stats`` checks that the file on disk is exactly what this produces. Python's own
``random.Random`` is used because its sequence for a given seed is stable across versions.

Assumptions (made up for the demo, loosely shaped like OPTiM's overall survival): 40 patients on
T-VEC and 20 on GM-CSF (2:1); exponential survival with a median of about 23 months on T-VEC and
19 on GM-CSF at age 65 without stage IV M1b/c disease; hazard ratio 1.02 per year of age and 1.8
for stage IV; uniform accrual over 24 months with analysis at month 48, plus a small random
loss to follow-up. Times are in months, to one decimal.
"""

from __future__ import annotations

import math
import random

SEED = 20151027  # the day the FDA approved T-VEC
ARMS = (("t-vec", 40, 23.0), ("gm-csf", 20, 19.0))


def _patient(rng: random.Random, arm: str, median: float) -> tuple[float, int, str, int, int]:
    age = min(max(round(rng.gauss(64, 12)), 25), 90)
    stage_iv = 1 if rng.random() < 0.45 else 0
    hazard = math.log(2) / median * math.exp(0.02 * (age - 65) + math.log(1.8) * stage_iv)
    death = rng.expovariate(hazard)
    follow_up = min(48.0 - rng.uniform(0, 24), rng.expovariate(1 / 150))
    time = max(round(min(death, follow_up), 1), 0.1)
    return time, int(death <= follow_up), arm, age, stage_iv


def make_survival_example() -> str:
    """The CSV text of examples/survival.csv."""
    rng = random.Random(SEED)
    lines = ["id,time,event,group,age,stage_iv"]
    number = 0
    for arm, count, median in ARMS:
        for _ in range(count):
            number += 1
            time, event, group, age, stage_iv = _patient(rng, arm, median)
            lines.append(f"P{number:03d},{time:.1f},{event},{group},{age},{stage_iv}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(make_survival_example(), end="")
