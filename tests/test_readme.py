"""The README's code and commands are part of the product: run them."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("code", _blocks("python"), ids=lambda c: c.splitlines()[0])
def test_readme_python_blocks_run(code):
    exec(compile(code, str(README), "exec"), {})


def test_readme_gives_exactly_the_two_commands():
    text = README.read_text()
    assert len(_blocks("sh")) == 2
    demo = text.split("<!-- demo-command -->")[1].split("```")[1]
    test = text.split("<!-- test-command -->")[1].split("```")[1]
    assert "-m skmlp" in demo and "pytest" in test


def test_ci_runs_the_readme_test_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and 'bash -c "$test_cmd"' in ci
