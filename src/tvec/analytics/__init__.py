"""Cohort statistics on plain arrays: response rates, two-arm comparisons, survival, Cox models.

Nothing here opens a database or a file (DESIGN.md §2): callers pass counts or numpy arrays and
receive frozen result objects. Statistical caveats arrive as `StatisticalWarning`. Every estimate
is checked in ``tests/analytics`` against statsmodels, scipy or lifelines to 1e-8.
"""

from tvec.analytics.caveats import StatisticalWarning
from tvec.analytics.cox import CoxModel, CoxTerm, GlobalTest, cox_ph
from tvec.analytics.export import (
    comparison_record,
    cox_record,
    kaplan_meier_record,
    logrank_record,
)
from tvec.analytics.intervals import Interval
from tvec.analytics.logrank import LogRank, logrank_test
from tvec.analytics.mantel_haenszel import MantelHaenszel, mantel_haenszel
from tvec.analytics.proportions import (
    ChiSquareTest,
    ProportionEstimate,
    RatioEstimate,
    RiskDifference,
    TwoArmComparison,
    chi_square_test,
    compare_proportions,
    exact_interval,
    fisher_exact_p,
    odds_ratio,
    proportion,
    relative_risk,
    risk_difference,
    wald_interval,
    wilson_interval,
)
from tvec.analytics.survival import (
    KaplanMeier,
    Landmarks,
    MedianSurvival,
    kaplan_meier,
    kaplan_meier_by_group,
    number_at_risk,
    survival_at,
)
from tvec.analytics.survival_csv import SurvivalCsvError, SurvivalRecords, read_survival_csv

__all__ = [
    "ChiSquareTest",
    "CoxModel",
    "CoxTerm",
    "GlobalTest",
    "Interval",
    "KaplanMeier",
    "Landmarks",
    "LogRank",
    "MantelHaenszel",
    "MedianSurvival",
    "ProportionEstimate",
    "RatioEstimate",
    "RiskDifference",
    "StatisticalWarning",
    "SurvivalCsvError",
    "SurvivalRecords",
    "TwoArmComparison",
    "chi_square_test",
    "compare_proportions",
    "comparison_record",
    "cox_ph",
    "cox_record",
    "exact_interval",
    "fisher_exact_p",
    "kaplan_meier",
    "kaplan_meier_by_group",
    "kaplan_meier_record",
    "logrank_record",
    "logrank_test",
    "mantel_haenszel",
    "number_at_risk",
    "odds_ratio",
    "proportion",
    "read_survival_csv",
    "relative_risk",
    "risk_difference",
    "survival_at",
    "wald_interval",
    "wilson_interval",
]
