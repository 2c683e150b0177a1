"""The pharmacy's reconciliation as a table: the page's rows and the CSV download's are these."""

from __future__ import annotations

from tvec.domain.reconciliation import Ledger, Problem, Reconciliation
from tvec.reports.spreadsheet import csv_text

COLUMNS = [
    "Day",
    "Opening in stock",
    "Opening quarantined",
    "Opening thawed",
    "Received",
    "Quarantined",
    "Released",
    "Thawed",
    "Given",
    "Emptied",
    "Discarded",
    "Discarded after thaw",
    "Closing in stock",
    "Closing quarantined",
    "Closing thawed",
    "Stock difference",
    "Thaw difference",
    "Vials flagged",
]


def problem_text(problem: Problem) -> str:
    """ "vial 1002 (lot UX8-C11): a dose while the vial was in stock"."""
    return f"vial {problem.serial} (lot {problem.lot}): {problem.problem}"


def ledger_cells(ledger: Ledger, day: str) -> list[str]:
    """One row: `day` is the day, or the period's name for its totals."""
    counts = [
        ledger.opening.in_stock,
        ledger.opening.quarantined,
        ledger.opening.thawed,
        ledger.received,
        ledger.quarantined,
        ledger.released,
        ledger.thawed,
        ledger.given,
        ledger.emptied,
        ledger.discarded,
        ledger.discarded_after_thaw,
        ledger.closing.in_stock,
        ledger.closing.quarantined,
        ledger.closing.thawed,
        ledger.stock_difference,
        ledger.thaw_difference,
    ]
    flagged = "; ".join(problem_text(p) for p in ledger.problems)
    return [day, *(str(n) for n in counts), flagged]


def period_name(rec: Reconciliation) -> str:
    return f"{rec.period.start.isoformat()} to {rec.period.end.isoformat()}"


def reconciliation_csv(rec: Reconciliation) -> str:
    """Each day, then the period's totals (its row names the period)."""
    rows = [ledger_cells(day, day.start.isoformat()) for day in rec.days]
    rows.append(ledger_cells(rec.period, period_name(rec)))
    return csv_text(COLUMNS, rows)


def csv_filename(rec: Reconciliation) -> str:
    return f"reconciliation-{rec.period.start.isoformat()}-to-{rec.period.end.isoformat()}.csv"
