"""Backtest the vial demand forecast on a synthetic registry and print its error per strength.

    python scripts/forecast_backtest.py [--patients 200] [--seed 7] [--weeks 4]

A synthetic all-T-VEC registry (`tvec synth`'s model, fixed seed) gives each patient's visits and
vials (`tvec.analytics.forecast_backtest.registry_dosing`); every Monday from the first year of
accrual on, the forecast of the next weeks is compared with the vials given. docs/forecast.md
quotes this script's output.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from tvec.analytics.forecast_backtest import backtest, registry_dosing, summarise
from tvec.analytics.synth import synthesize
from tvec.knowledge import load_label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--first", default="2019-07-01", help="first origin (a Monday)")
    parser.add_argument("--last", default="2023-12-25", help="last origin")
    args = parser.parse_args()
    began = time.perf_counter()
    label = load_label("us")
    cohort = synthesize(args.patients, args.seed, arms=(1, 0))
    dosing = registry_dosing(cohort, label)
    first, last = date.fromisoformat(args.first), date.fromisoformat(args.last)
    origins = [first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)]
    cells = backtest(label, dosing, origins, args.weeks)
    print(
        f"{args.patients} synthetic patients (seed {args.seed}), {len(dosing.history)} visits, "
        f"{len(origins)} weekly origins {first} to {last}, {args.weeks}-week horizon"
    )
    header = (
        f"{'strength':>8} {'lead':>4} {'cells':>5} {'mean':>6} {'MAE':>5} {'WAPE':>6} {'RMSE':>5} "
        f"{'bias':>6} | {'MAE':>5} {'RMSE':>5} {'bias':>6} | {'cov80':>6} {'cov95':>6}"
    )
    print(f"{'':>36}forecast | {'plain plan':>18} | interval coverage")
    print(header)
    for row in summarise(cells) + summarise(cells, by_lead=True):
        strength = f"10^{len(str(row.pfu_per_ml)) - 1}"
        lead = "all" if row.lead is None else str(row.lead)
        print(
            f"{strength:>8} {lead:>4} {row.cells:>5} {row.mean_actual:>6.2f} {row.mae:>5.2f} "
            f"{row.wape:>6.1%} {row.rmse:>5.2f} {row.bias:>+6.2f} | {row.plan_mae:>5.2f} "
            f"{row.plan_rmse:>5.2f} {row.plan_bias:>+6.2f} | {row.coverage80:>6.1%} "
            f"{row.coverage95:>6.1%}"
        )
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
