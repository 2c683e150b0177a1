"""Layering (DESIGN.md §2): tvec.domain imports nothing but the standard library and itself."""

import ast
import sys
from pathlib import Path

SRC = Path(__file__).parents[2] / "src/tvec"


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def allowed_in_domain(module: str) -> bool:
    top = module.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or module == "tvec.domain"
        or module.startswith("tvec.domain.")
    )


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    offenders = [
        f"{path.relative_to(SRC)}: {module}"
        for path in sorted((SRC / "domain").rglob("*.py"))
        for module in imported_modules(path)
        if not allowed_in_domain(module)
    ]
    assert offenders == []


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import pydantic\nfrom tvec.knowledge import load_label\nimport decimal\n")
    assert [m for m in imported_modules(bad) if not allowed_in_domain(m)] == [
        "pydantic",
        "tvec.knowledge",
    ]
