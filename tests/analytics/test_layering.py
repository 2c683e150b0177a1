"""DESIGN.md §2: analytics works on plain arrays and never reaches for a database or the web."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ANALYTICS = Path(__file__).parents[2] / "src/tvec/analytics"
ALLOWED_THIRD_PARTY = {"numpy", "scipy"}  # matplotlib too, once plots exist (imported lazily)


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def allowed(module: str) -> bool:
    top = module.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or top in ALLOWED_THIRD_PARTY
        or module == "tvec.analytics"
        or module.startswith("tvec.analytics.")
    )


def test_analytics_imports_only_numpy_scipy_the_standard_library_and_itself() -> None:
    offenders = [
        f"{path.name}: {module}"
        for path in sorted(ANALYTICS.glob("*.py"))
        for module in imported_modules(path)
        if not allowed(module)
    ]
    assert offenders == []
