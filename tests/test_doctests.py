"""Every example in the docstrings of the addons' pure engines runs and holds.

The engine modules are found on disk, so a new one is checked as soon as it exists. Each
``>>>`` line of a module must be an example the doctest finder reaches: one written where
the finder does not look (a comment, a nested function) would silently never run.
"""

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE_FILES = sorted(
    path
    for addon in ("recurring_billing", "mrr_analytics")
    for path in (ROOT / addon / "engine").glob("*.py")
    if path.name != "__init__.py"
)


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_engines_are_found():
    names = {module_name(path) for path in ENGINE_FILES}
    assert {"recurring_billing.engine.periods", "mrr_analytics.engine.rates"} <= names


@pytest.mark.parametrize("path", ENGINE_FILES, ids=module_name)
def test_engine_doctests_pass(path):
    module = importlib.import_module(module_name(path))
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    report = []
    for test in finder.find(module):
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)
    written = sum(
        line.lstrip().startswith(">>>") for line in path.read_text().splitlines()
    )
    assert results.attempted == written, (
        f"{written} examples written in {path.name}, {results.attempted} run"
    )
