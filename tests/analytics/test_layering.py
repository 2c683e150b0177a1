"""DESIGN.md §2: analytics works on plain arrays and never reaches for a database or the web.

It may use the pure domain (the response engine) and the knowledge data (criteria, trial figures);
matplotlib and pyarrow only inside functions (imported lazily, for plots and Parquet files).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ANALYTICS = Path(__file__).parents[2] / "src/tvec/analytics"
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}
LAZY_ONLY = {"matplotlib", "pyarrow"}
OWN = ("tvec.analytics", "tvec.domain", "tvec.knowledge")


def imported_modules(path: Path) -> list[tuple[str, bool]]:
    """(module, imported at module level) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    names: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.module, id(node) in top_level))
    return names


def allowed(module: str, at_top: bool) -> bool:
    top = module.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or top in ALLOWED_THIRD_PARTY
        or (top in LAZY_ONLY and not at_top)
        or any(module == own or module.startswith(own + ".") for own in OWN)
    )


def test_analytics_imports_only_numpy_scipy_the_standard_library_and_the_core() -> None:
    offenders = [
        f"{path.name}: {module}"
        for path in sorted(ANALYTICS.glob("*.py"))
        for module, at_top in imported_modules(path)
        if not allowed(module, at_top)
    ]
    assert offenders == []


def test_a_top_level_matplotlib_import_would_be_caught() -> None:
    assert not allowed("matplotlib.pyplot", at_top=True)
    assert allowed("matplotlib.pyplot", at_top=False)
    assert not allowed("sqlalchemy", at_top=False)
    assert not allowed("tvec.persistence.records", at_top=False)
