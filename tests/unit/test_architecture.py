"""Layering (DESIGN.md §2): which package of tvec may import which, read from the source with `ast`.

Every import counts: at module level, inside functions (lazy imports), under `TYPE_CHECKING`,
absolute or relative. Each contract has a test on the tree and a test that proves the check
catches a wrong-way import written to a scratch tree.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2] / "src"  # holds the package directory tvec/
STDLIB = "(standard library)"
# Entry points, and the modules that wire and serve them: nothing below them may import them.
ENTRY_POINTS: tuple[str, ...] = ("tvec.api", "tvec.web", "tvec.cli")
ENTRY_POINTS += ("tvec.app", "tvec.asgi", "tvec.bootstrap", "tvec.serving")
BELOW_SERVICES = ("tvec.persistence", "tvec.services", *ENTRY_POINTS)


@dataclass(frozen=True)
class Contract:
    """What the modules of one package may import: only `allowed`, or anything but `forbidden`."""

    allowed: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()

    def breaks(self, module: str) -> bool:
        if self.allowed:
            return not any(within(module, prefix) for prefix in self.allowed)
        return any(within(module, prefix) for prefix in self.forbidden)


CONTRACTS = {
    "tvec.domain": Contract(allowed=(STDLIB, "tvec.domain")),
    "tvec.knowledge": Contract(
        allowed=(STDLIB, "pydantic", "yaml", "tvec.domain", "tvec.knowledge")
    ),
    "tvec.analytics": Contract(forbidden=BELOW_SERVICES),
    "tvec.services": Contract(forbidden=ENTRY_POINTS),
    # The entry points never import each other: what api and web share is in tvec.http.
    "tvec.web": Contract(forbidden=("tvec.api", "tvec.cli")),
    "tvec.api": Contract(forbidden=("tvec.web", "tvec.cli")),
    "tvec.cli": Contract(forbidden=("tvec.api", "tvec.web")),
    "tvec.schemas": Contract(forbidden=("fastapi", "starlette", *BELOW_SERVICES)),
    "tvec.reports": Contract(forbidden=BELOW_SERVICES),
    "tvec.interop": Contract(forbidden=BELOW_SERVICES),
}
# An outside library behind an adapter: imported by its one package of tvec and nowhere else.
ADAPTED_LIBRARIES = {
    "biip": "tvec.interop.gs1",
    "fhir": "tvec.interop.fhir",
    "pyx12": "tvec.interop.x12",
}


@dataclass(frozen=True)
class Import:
    importer: str  # the module that imports, e.g. "tvec.web.pages"
    line: int
    module: str  # the module imported, or imported from (relative imports resolved)
    names: tuple[str, ...]  # the names of a `from ... import`; () for `import ...`

    def targets(self, root: Path) -> list[str]:
        """The modules this import depends on: `from tvec import web` depends on `tvec.web`."""
        submodules = [f"{self.module}.{name}" for name in self.names]
        found = [name for name in submodules if module_path(root, name) is not None]
        return found or [self.module]

    def where(self, root: Path) -> str:
        path = module_path(root, self.importer)
        return f"{path.relative_to(root) if path else self.importer}:{self.line}"


def within(module: str, prefix: str) -> bool:
    if prefix == STDLIB:
        return module.split(".")[0] in sys.stdlib_module_names
    return module == prefix or module.startswith(prefix + ".")


def module_path(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted((root / "tvec").rglob("*.py")):
        yield module_name(root, path), path


def package_of(root: Path, path: Path) -> str:
    module = module_name(root, path)
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imports_of(root: Path, path: Path) -> list[Import]:
    importer, package = module_name(root, path), package_of(root, path)
    found: list[Import] = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            found += [Import(importer, node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            module = resolve(package, node.level, node.module)
            found.append(Import(importer, node.lineno, module, names))
    return found


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def resolve(package: str, level: int, module: str | None) -> str:
    """The absolute name of `from <level dots><module> import ...` written in `package`."""
    if level == 0:
        return module or ""
    base = package.split(".")[: len(package.split(".")) - (level - 1)]
    return ".".join(base + ([module] if module else []))


@cache
def all_imports(root: Path) -> list[Import]:
    return [imp for _, path in modules(root) for imp in imports_of(root, path)]


# --- the checks --------------------------------------------------------------------------------


def contract_breaches(root: Path, layer: str) -> list[str]:
    contract = CONTRACTS[layer]
    return [
        f"{imp.where(root)} imports {target}"
        for imp in all_imports(root)
        if within(imp.importer, layer)
        for target in imp.targets(root)
        if contract.breaks(target)
    ]


def library_breaches(root: Path, library: str) -> list[str]:
    """Imports of `library` from outside the one package that adapts it."""
    home = ADAPTED_LIBRARIES[library]
    return [
        f"{imp.where(root)} imports {imp.module}"
        for imp in all_imports(root)
        if within(imp.module, library) and not within(imp.importer, home)
    ]


def private(name: str) -> bool:
    """`_name` is private to its module; `__dunder__` names (`__version__`) are public."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(root: Path) -> list[str]:
    """Private names taken from another module: `from m import _x`, `m._x` on an imported module,
    or a `_module` imported from outside the package that holds it."""
    found: list[str] = []
    for importer, path in modules(root):
        for imp in imports_of(root, path):
            found += [
                f"{imp.where(root)} imports {imp.module}.{n}" for n in imp.names if private(n)
            ]
            found += [
                f"{imp.where(root)} imports {imp.module}"
                for i, part in enumerate(imp.module.split("."))
                if private(part) and not within(importer, ".".join(imp.module.split(".")[:i]))
            ]
        found += private_attributes(root, path)
    return found


def private_attributes(root: Path, path: Path) -> list[str]:
    """`pages._check_csrf(...)` after `from tvec.web import pages`: a private name all the same."""
    bound: dict[str, str] = {}  # local name -> the module of tvec it is bound to
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:  # `import a.b` binds `a`; `import a.b as m` binds `a.b`
                bound[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            module = resolve(package_of(root, path), node.level, node.module)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{module}.{alias.name}"
    bound = {name: module for name, module in bound.items() if module_path(root, module)}
    return [
        f"{path.relative_to(root)}:{node.lineno} uses {bound[node.value.id]}.{node.attr}"
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in bound
        and private(node.attr)
    ]


def package_graph(root: Path) -> dict[str, set[str]]:
    """Which top-level package of tvec imports which (`tvec.web` -> `tvec.services`, ...)."""
    graph: dict[str, set[str]] = {}
    for imp in all_imports(root):
        source = top_level(imp.importer)
        for target in map(top_level, imp.targets(root)):
            if source and target and target != source:
                graph.setdefault(source, set()).add(target)
    return graph


def top_level(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "tvec" and len(parts) > 1 else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that import each other, directly or through others."""
    reach = {node: reachable(graph, node) for node in graph}
    groups = {
        tuple(sorted(other for other in reach if node in reach[other] and other in reach[node]))
        for node in reach
    }
    return sorted(list(group) for group in groups if len(group) > 1)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph.get(node, ())
    return seen


# --- the tree keeps the contracts --------------------------------------------------------------


@pytest.mark.parametrize("layer", sorted(CONTRACTS))
def test_each_layer_imports_only_what_its_contract_allows(layer: str) -> None:
    assert contract_breaches(ROOT, layer) == []


@pytest.mark.parametrize("library", sorted(ADAPTED_LIBRARIES))
def test_an_adapted_library_is_imported_only_by_its_adapter(library: str) -> None:
    assert library_breaches(ROOT, library) == []


def test_no_module_imports_a_private_name_of_another() -> None:
    assert private_imports(ROOT) == []


def test_the_top_level_packages_import_each_other_in_one_direction_only() -> None:
    assert cycles(package_graph(ROOT)) == []


def test_the_scan_sees_the_whole_tree() -> None:
    names = {name for name, _ in modules(ROOT)}
    assert {"tvec.domain.rules", "tvec.web.pages", "tvec.api.errors", "tvec.http"} <= names
    assert {top_level(name) for name in names} >= {f"tvec.{p.split('.')[1]}" for p in CONTRACTS}


# --- each check catches a wrong-way import -----------------------------------------------------

WRONG_WAY = {  # layer: (an import it must not make, the module that import depends on)
    "tvec.domain": ("import pydantic", "pydantic"),
    "tvec.knowledge": ("from tvec.services import auth", "tvec.services.auth"),
    "tvec.analytics": ("from tvec.persistence.db import make_engine", "tvec.persistence.db"),
    "tvec.services": ("from tvec.api.deps import Act", "tvec.api.deps"),
    "tvec.web": ("from tvec.api.deps import Ctx", "tvec.api.deps"),
    "tvec.api": ("from tvec import web", "tvec.web"),
    "tvec.cli": ("from tvec.api.deps import Act", "tvec.api.deps"),
    "tvec.schemas": ("from fastapi import Query", "fastapi"),
    "tvec.reports": ("import tvec.cli.report", "tvec.cli.report"),
    "tvec.interop": ("from tvec.services import auth", "tvec.services.auth"),
}
# Modules every scratch tree has, so that `from tvec import web` finds a package to depend on.
BASE = (
    "tvec.web.pages",
    "tvec.api.deps",
    "tvec.services.auth",
    "tvec.persistence.db",
    "tvec.cli.report",
)


def scratch_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A scratch `tvec` tree holding `files` (module name -> source), with package __init__s."""
    for module, source in {**dict.fromkeys(BASE, ""), **files}.items():
        path = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
        for folder in [path.parent, *path.parent.parents]:
            if folder == tmp_path:
                break
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("layer", sorted(CONTRACTS))
def test_the_contract_check_catches_a_wrong_way_import(tmp_path: Path, layer: str) -> None:
    wrong, target = WRONG_WAY[layer]
    source = (
        "import decimal\n"
        "from . import sibling\n"  # its own package
        "def later():\n"
        f"    {wrong}\n"  # inside a function: lazy imports count too
    )
    root = scratch_tree(tmp_path, {f"{layer}.bad": source, f"{layer}.sibling": ""})
    folder = layer.replace(".", "/")
    assert contract_breaches(root, layer) == [f"{folder}/bad.py:4 imports {target}"]


def test_the_domain_check_catches_a_library_and_a_higher_layer(tmp_path: Path) -> None:
    bad = "import pydantic\nfrom tvec.knowledge import load_label\nimport decimal\n"
    root = scratch_tree(tmp_path, {"tvec.domain.bad": bad, "tvec.knowledge.loader": ""})
    assert contract_breaches(root, "tvec.domain") == [
        "tvec/domain/bad.py:1 imports pydantic",
        "tvec/domain/bad.py:2 imports tvec.knowledge",
    ]


def test_a_relative_import_is_resolved_before_it_is_checked(tmp_path: Path) -> None:
    root = scratch_tree(
        tmp_path,
        {
            "tvec.web.pages": "from ..api.deps import Ctx\nfrom .forms import validate\n",
            "tvec.web.forms": "",
            "tvec.api.deps": "",
        },
    )
    assert contract_breaches(root, "tvec.web") == ["tvec/web/pages.py:1 imports tvec.api.deps"]


def test_the_private_check_catches_private_names_but_not_dunders(tmp_path: Path) -> None:
    root = scratch_tree(
        tmp_path,
        {
            "tvec.web.visit": (
                "from tvec import __version__\n"
                "from tvec.web.pages import _check_csrf, form_data\n"
                "from tvec.web import pages\n"
                "import tvec.web.pages as same_pages\n"
                "def later():\n"
                "    from ..knowledge.loader import _parse\n"
                "    return pages._check_csrf, pages.__name__, same_pages._form\n"
            ),
            "tvec.web.pages": "",
            "tvec.knowledge.loader": "",
            "tvec.cli._helpers": "",
            "tvec.cli.main": "from tvec.cli._helpers import x\n",  # its own package: fine
            "tvec.api.deps": "import tvec.cli._helpers\n",
        },
    )
    assert sorted(private_imports(root)) == [
        "tvec/api/deps.py:1 imports tvec.cli._helpers",
        "tvec/web/visit.py:2 imports tvec.web.pages._check_csrf",
        "tvec/web/visit.py:6 imports tvec.knowledge.loader._parse",
        "tvec/web/visit.py:7 uses tvec.web.pages._check_csrf",
        "tvec/web/visit.py:7 uses tvec.web.pages._form",
    ]


def test_the_cycle_check_catches_packages_that_import_each_other(tmp_path: Path) -> None:
    root = scratch_tree(
        tmp_path,
        {
            "tvec.schemas.clinic": "from tvec.services.permissions import Role\n",
            "tvec.services.permissions": "def later():\n    from tvec.schemas import clinic\n",
            "tvec.domain.rules": "",
            "tvec.web.pages": "from tvec.services import permissions\nimport tvec.domain.rules\n",
        },
    )
    graph = package_graph(root)
    assert graph["tvec.web"] == {"tvec.services", "tvec.domain"}
    assert cycles(graph) == [["tvec.schemas", "tvec.services"]]


def test_the_adapter_check_catches_a_library_imported_elsewhere(tmp_path: Path) -> None:
    root = scratch_tree(
        tmp_path,
        {
            "tvec.interop.gs1.carton": "from biip.gs1_messages import GS1Message\n",
            "tvec.services.receipt": "def later():\n    import biip\n",
        },
    )
    assert library_breaches(root, "biip") == ["tvec/services/receipt.py:2 imports biip"]
