"""The library's shape: modules small enough to read (issue 22); the import rules are import-linter's (pyproject)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "hiap_geo"

MAX_MODULE_LINES = 600
"""The most lines a library module may have: past it, a module holds more than one concern (ARCHITECTURE.md)."""


def _lines(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def test_no_library_module_is_over_600_lines() -> None:
    sizes = {str(path.relative_to(ROOT)): _lines(path) for path in sorted(LIBRARY.rglob("*.py"))}
    assert len(sizes) > 50, "the library's modules were found"
    over = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not over, f"library modules over {MAX_MODULE_LINES} lines (split them by concern): {over}"


@pytest.mark.parametrize("module", ["drafts", "bundle_io", "migrations", "reviews"])
def test_the_store_parts_compose_the_store_core_and_never_the_progress_store(module: str) -> None:
    """The drafts, the export file, the schema upgrades and the review checks sit below ``progress``: none
    imports it (a mixin calling the store's private methods made a cycle before)."""
    text = (LIBRARY / "plans" / f"{module}.py").read_text(encoding="utf-8")
    assert "plans.progress " not in text and "plans.progress\n" not in text and "import progress" not in text
    assert "# type: ignore" not in text


PAGES = sorted(path.stem for path in (ROOT / "app" / "pages").glob("*.py") if path.stem != "__init__")
MAX_PAGE_LINES = 300
"""The most lines a page may have: a longer page holds decisions that belong in its view model, or widgets that
belong in an ``app/`` module beside it (as ``app/plan_progress.py``)."""
PAGE_IMPORTS = ("hiap_geo.views", "app", "streamlit")
"""What a page may import besides the standard library: its view model does the rest (ARCHITECTURE.md)."""


@pytest.mark.parametrize("page", PAGES)
def test_the_page_imports_only_its_view_models_streamlit_and_the_standard_library(page: str) -> None:
    tree = ast.parse((ROOT / "app" / "pages" / f"{page}.py").read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0]
    outside = [name for name in imported if name.split(".")[0] not in sys.stdlib_module_names
               and not any(name == allowed or name.startswith(allowed + ".") for allowed in PAGE_IMPORTS)]
    assert not outside, f"app/pages/{page}.py imports {outside}: re-export or wrap them in its view model"


def test_every_page_is_thin() -> None:
    assert len(PAGES) >= 8, "the pages were found"
    over = {page: n for page in PAGES if (n := _lines(ROOT / "app" / "pages" / f"{page}.py")) > MAX_PAGE_LINES}
    assert not over, f"pages over {MAX_PAGE_LINES} lines (move decisions to views/, widgets to app/): {over}"


def test_every_limit_is_set_in_core_limits() -> None:
    """A ``MAX_`` constant assigned anywhere in the library but ``core/limits.py`` is a second place to set a
    limit: the README's table would no longer be the whole truth. Import it from ``core.limits`` instead."""
    elsewhere = []
    for path in sorted((ROOT / "hiap_geo").rglob("*.py")):
        if path == ROOT / "hiap_geo" / "core" / "limits.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign | ast.AugAssign) else []
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            elsewhere += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.startswith("MAX_")]
    assert not elsewhere, f"limits set outside hiap_geo/core/limits.py: {elsewhere}"


def test_no_download_reruns_the_page() -> None:
    """A download is a file, not a change: a rerun on its click redraws the page and may drop the next button's
    deferred file (a download that never came, seen in the walk of the Plan page)."""
    rerunning = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "download_button"
                    and not any(k.arg == "on_click" and isinstance(k.value, ast.Constant) and k.value.value == "ignore"
                                for k in node.keywords)):
                rerunning.append(f"{path}:{node.lineno}")
    assert rerunning == []
