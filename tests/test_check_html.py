"""docs/check_html.py finds what it must on small pages, and passes a clean one.

CI runs the checker on the docs it builds (.ci/run); these tests show that
each of its rules fails the pages it is meant to fail.
"""

import shutil
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS))
import check_html  # noqa: E402

HEAD = '<html><head><link rel="stylesheet" href="_static/skmlp.css?v=1" /></head><body>'
FOOT = "</body></html>"


def _site(tmp_path, body, head=HEAD):
    (tmp_path / "_static").mkdir(exist_ok=True)
    shutil.copy(DOCS / "_static" / "skmlp.css", tmp_path / "_static" / "skmlp.css")
    (tmp_path / "page.html").write_text(head + body + FOOT)
    return tmp_path


def _problems(tmp_path, body, head=HEAD):
    root = _site(tmp_path, body, head)
    return check_html.check_css(root) + check_html.check_page(root / "page.html", root)


def test_a_clean_page_passes(tmp_path):
    body = ('<p>The package grew out of a course; the textbook '
            '<span class="math notranslate">\\(\\lambda\\)</span> is '
            '<code>alpha / S</code>; Seeds the initial weights; <code>"\\n".join(x)</code>'
            '</p><pre>random_state=0  # seeds the shuffles</pre>')
    assert _problems(tmp_path, body) == []
    assert check_html.main([str(tmp_path)]) == 0


@pytest.mark.parametrize("text", [
    "the grid of issue 12", "Targets (issues 6, 11, 12)", "Seed 000 (MNIST practice)",
    "seed 001's hand-set weights", "the seeds' Xavier", "The seeds train with eta",
    "see 000_f0927cd83b9b89b5.txt",
])
def test_history_words_are_found(tmp_path, text):
    (problem,) = _problems(tmp_path, f"<p>{text}</p>")
    assert "history word" in problem


@pytest.mark.parametrize("text", [
    "where the course notes slip", "the MNIST slides' network", "a slide earlier",
    "the backprop lecture", "Lecture 5", "the homework's problem 1", "course-notes",
])
def test_teaching_material_words_are_found(tmp_path, text):
    (problem,) = _problems(tmp_path, f"<p>{text}</p>")
    assert "teaching-material word" in problem


def test_teaching_material_words_in_code_and_alt_texts_are_found(tmp_path):
    body = '<pre># the lecture\'s weights</pre><img alt="homework data" src="x.png">'
    assert [p.split(": ")[1] for p in _problems(tmp_path, body)] == ["teaching-material word"] * 2


@pytest.mark.parametrize("text", [
    "The package grew out of a course on backpropagation.", "sliding windows",
    "a collection of notes", "of course",
])
def test_the_introductory_sentence_and_ordinary_words_pass(tmp_path, text):
    assert _problems(tmp_path, f"<p>{text}</p>") == []


def test_history_words_in_code_titles_and_alt_texts_are_found(tmp_path):
    body = ('<pre># Seed 001\'s weights</pre><img alt="the seed\'s network" src="x.png">'
            '<h1>Issue 19</h1>')
    assert [p.split(": ")[1] for p in _problems(tmp_path, body)] == ["history word"] * 3


def test_raw_tex_outside_math_and_code_is_found(tmp_path):
    body = ('<a href="#x">The L2 penalty: alpha and the textbook \\lambda</a>'
            '<div class="math">\\[\\frac{1}{2}\\]</div><code>\\lambda</code>')
    (problem,) = _problems(tmp_path, body)
    assert "raw TeX" in problem and "\\\\lambda" in problem


def test_private_names_are_found_in_text_and_code(tmp_path):
    body = ("<p>see skmlp._optimizers.SGDOptimizer</p><pre>from skmlp._training import x"
            "</pre><p>'skmlp._mlp.X'</p>")
    problems = _problems(tmp_path, body)
    assert len(problems) == 3 and all("private name" in p for p in problems)


def test_a_quoted_type_name_in_code_is_allowed(tmp_path):
    # skops' trusted types are the full names of the types, private modules included
    body = ('<pre>TRUSTED = ["skmlp._mlp.ManualMLPClassifier", \'skmlp._training.X\', '
            '<span>"</span><span>skmlp._optimizers.Y</span><span>"</span>]</pre>')
    assert _problems(tmp_path, body) == []


def test_a_page_without_the_wrapping_css_is_found(tmp_path):
    (problem,) = _problems(tmp_path, "<p>fine</p>", head="<html><head></head><body>")
    assert "does not load _static/skmlp.css" in problem


def test_css_without_the_wrap_rule_is_found(tmp_path):
    root = _site(tmp_path, "<p>fine</p>")
    (root / "_static" / "skmlp.css").write_text("pre { overflow: auto; }")
    assert check_html.check_css(root) == [
        "_static/skmlp.css no longer wraps <pre> blocks (white-space: pre-wrap)"]
    assert check_html.main([str(root)]) == 1
