"""The benchmarks' results: one source (benchmarks/results/*.json), rendered alike.

benchmarks/README.md and the docs show the tables that benchmarks/publish.py
renders from the result files; these tests hold the README to the files, the
files to their format, and a run's Report to what publish.py reads.
"""

import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import publish  # noqa: E402
from _common import Report  # noqa: E402


def test_readme_tables_are_those_of_the_result_files():
    text = publish.README.read_text()
    assert f"{publish.BEGIN}\n\n{publish.markdown(publish.load())}\n{publish.END}" in text, (
        "benchmarks/README.md is out of date: run python benchmarks/publish.py")
    assert publish.main(["--check"]) == 0


def test_result_files_have_the_documented_fields():
    results = publish.load()
    assert set(results) <= {key for key, _, _ in publish.SECTIONS}
    assert {"mlp", "search", "perceptron", "bayes", "shrinkage", "memory"} <= set(results)
    for key, result in results.items():
        assert result["benchmark"] == key
        assert {"title", "date", "command", "machine", "tables", "notes", "targets"} <= set(result)
        for table in result["tables"]:
            assert all(len(row) == len(table["columns"]) for row in table["rows"]), key
        for target in result["targets"]:
            assert {"what", "target", "measured", "met"} <= set(target)
            assert isinstance(target["met"], bool)
            assert ("ratio" in target) == ("goal" in target)
            if "ratio" in target:  # met exactly when the ratio reaches its goal
                assert target["met"] == (target["ratio"] >= target["goal"]), target


def _report():
    report = Report("python benchmarks/run.py --only mlp")
    report.start("mlp", "MLP on some data")
    report.table(["estimator", "shrinkage_", "others %"],
                 [["sklearn | MLPClassifier", "-", 1], ["skmlp *ours*", "+0.5", ""]])
    report.note("- a note that starts like a list item")
    report.check("MLP epoch vs sklearn", ">= 5x faster", "1.25x", False, ratio=1.25, goal=5)
    report.check("accuracy vs sklearn", "within 0.5 point", "+0.02 points", True)
    return report


def test_a_run_is_written_read_and_rendered(tmp_path, capsys):
    (path,) = publish.save(_report(), tmp_path)
    assert path == tmp_path / "mlp.json"
    result = json.loads(path.read_text())
    assert result["tables"][0]["rows"][0] == ["sklearn | MLPClassifier", "-", "1"]
    assert result["targets"][0] == dict(what="MLP epoch vs sklearn", target=">= 5x faster",
                                        measured="1.25x", met=False, ratio=1.25, goal=5.0)
    results = publish.load(tmp_path)
    md = publish.markdown(results)
    assert "| sklearn \\| MLPClassifier | - | 1 |" in md
    assert "| MLP epoch vs sklearn | >= 5x faster | 1.25x | NO |" in md
    assert "| accuracy vs sklearn | within 0.5 point | +0.02 points | yes |" in md
    assert md.count("*Not yet measured.*") == len(publish.SECTIONS) - 1
    rst = publish.rst(results)
    # markup characters escaped; cells that would start a list start with an escape
    for cell in ("sklearn \\| MLPClassifier", "shrinkage\\_", "skmlp \\*ours\\*", "\\+0.5",
                 "\\- a note that starts like a list item", "**no**"):
        assert cell in rst, cell
    # the bars are the summary's workflows: none in this made-up run, one per row in the real
    assert publish.figure(results, tmp_path / "none.png") == 0
    assert not (tmp_path / "none.png").exists()
    real = publish.load()
    assert publish.figure(real, tmp_path / "bars.png") == len(publish.summary(real)) >= 4
    assert (tmp_path / "bars.png").stat().st_size > 0
    assert "Not yet measured" not in publish.search_rst(real, tmp_path)


def test_a_quick_run_never_replaces_the_results(tmp_path, monkeypatch):
    before = {p.name: p.read_text() for p in publish.RESULTS.glob("*.json")}
    readme = publish.README.read_text()
    (path,) = publish.save(_report(), quick=True)
    assert publish.RESULTS not in path.parents
    assert {p.name: p.read_text() for p in publish.RESULTS.glob("*.json")} == before
    assert publish.README.read_text() == readme


def test_write_docs_makes_the_includes_and_figures(tmp_path):
    publish.write_docs(tmp_path)
    page = (tmp_path / "benchmarks.inc").read_text()
    assert "bench-summary" in page and "GridSearchCV(MLPClassifier)" in page
    assert f"/{tmp_path.name}/benchmark_ratios.png" in page
    assert (tmp_path / "benchmark_ratios.png").exists()
    details = (tmp_path / "benchmark_details.inc").read_text()
    for key, heading, _ in publish.SECTIONS:
        assert f".. _benchmark-{key.replace('_', '-')}:" in details and heading in details
    assert details.count("*Not yet measured.*") == len(
        {key for key, _, _ in publish.SECTIONS} - set(publish.load()))
    search = (tmp_path / "benchmark_search.inc").read_text()
    assert "search_ratios.png" in search and "GridSearchCV(MLPClassifier)" in search


def test_the_docs_page_leaves_the_goals_to_the_project():
    results = publish.load()
    page = publish.summary_rst(results) + publish.rst(results, readers=True)
    assert "met?" not in page and "goal" not in page.lower()
    assert "Recorded by hand" not in page  # how a file was made is the project's business
    assert "met?" in publish.markdown(results)  # benchmarks/README.md keeps them


def test_every_column_is_explained_on_the_docs_page():
    page = (BENCHMARKS.parent / "docs" / "benchmarks.rst").read_text()
    explained = page.split("\nColumns\n")[1].split("\nReproduce\n")[0]
    columns = {c for result in publish.load().values() for table in result["tables"]
               for c in table["columns"] if c not in publish.GOAL_COLUMNS}
    missing = sorted(c for c in columns if f"``{c}``" not in explained)
    assert not missing, f"docs/benchmarks.rst does not explain {missing}"


def test_the_summary_reads_the_tables():
    # the grid search's row: 4.73 s against 34.5 s in the search table, 34.5 / 4.73
    results = publish.load()
    (grid,) = [c for w, c in publish.summary(results) if w.startswith("Grid search")]
    table = results["search"]["tables"][0]
    rows = {(r[0], r[1], r[2]): r for r in table["rows"]}
    ours, theirs = rows[("float64", "1", "MLPGridSearchCV")], rows[
        ("float64", "1", "GridSearchCV(MLPClassifier)")]
    assert (grid["ours_s"], grid["theirs_s"]) == (ours[3], theirs[3])
    assert grid["speedup"] == f"{float(theirs[3]) / float(ours[3]):.1f}x"


def test_cpu_time_counts_worker_processes():
    import multiprocessing

    from _common import cpu_time

    context = multiprocessing.get_context("fork")
    burnt, leave = context.Event(), context.Event()
    start = cpu_time()
    worker = context.Process(target=_burn, args=(0.3, burnt, leave))
    worker.start()
    assert burnt.wait(60)
    alive = cpu_time() - start  # a live worker, read from /proc
    leave.set()
    worker.join()
    finished = cpu_time() - start  # a finished one, from RUSAGE_CHILDREN
    assert 0.29 <= alive and 0.29 <= finished < alive + 0.2  # counted once


def _burn(seconds, burnt, leave):
    import time

    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    burnt.set()
    leave.wait(60)
