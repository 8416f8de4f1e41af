"""The README's code and commands are part of the product: run them.

Every Python block runs and prints no warning (whatever pytest's filters say),
the quick start is the docs' quick start, and the numbers on the first screen
are those of benchmarks/results (rendered by benchmarks/publish.py).
"""

import re
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT / "benchmarks"))
import publish  # noqa: E402


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("code", _blocks("python"), ids=lambda c: c.splitlines()[0])
def test_readme_python_blocks_run_without_a_warning(code):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # setup.cfg's filters do not hide them here
        exec(compile(code, str(README), "exec"), {})
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []


def _quick_start():
    return README.read_text().split("<!-- quick-start")[1].split("```python\n")[1].split("```")[0]


def test_the_quick_start_is_the_docs_quick_start():
    install = (ROOT / "docs" / "install.rst").read_text()
    section = install.split("\nQuick start\n")[1]
    block = section.split(".. code-block:: python\n\n")[1]
    block = re.match(r"((?:\n|[ ]{3}.*\n)+)", block).group(1)
    assert textwrap.dedent(block).strip() == _quick_start().strip()
    assert "MLPGridSearchCV" in _quick_start()


def test_the_first_screen_quotes_the_benchmark_results():
    text = README.read_text()
    block = f"{publish.HEADLINE_BEGIN}\n{publish.headline(publish.load())}{publish.HEADLINE_END}"
    assert block in text, "README.md's headline is out of date: run python benchmarks/publish.py"
    first_screen = text.split("\n## ")[0]  # the title and what comes before the first section
    assert block in first_screen and len(first_screen.splitlines()) <= 30
    numbers = re.findall(r"\d+\.\d+x", block)
    assert len(numbers) >= 4  # the search, halving, single-fit and Gaussian speed-ups
    assert "benchmarks" in block


def test_readme_gives_exactly_the_two_commands():
    text = README.read_text()
    assert len(_blocks("sh")) == 2
    demo = text.split("<!-- demo-command -->")[1].split("```")[1]
    test = text.split("<!-- test-command -->")[1].split("```")[1]
    assert "-m skmlp" in demo and "pytest" in test


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and 'bash -c "$test_cmd"' in ci
