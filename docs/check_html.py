"""Check a built HTML tree of these docs for what a newcomer should never see.

    python docs/check_html.py docs/_build/html             # the checks CI runs
    python docs/check_html.py docs/_build/html --measure   # also measure in Chromium

On every page's visible text (titles, alt texts and code included):

- words from the project's history: issue numbers, "seed 000"-style names,
  source file names such as "000_f0927cd83b9b89b5.txt";
- references to teaching material the reader does not have: "course notes",
  "slides", "lecture", "homework" (the pages state every derivation in full;
  the one sentence saying the package grew out of a course names none of
  these words);
- raw TeX outside typeset math and code (``\\lambda`` in a link text, ...);
- private names, ``skmlp._something`` (in code, a quoted one is a type name
  given as data, as skops' list of trusted types: allowed);

and that every page loads ``_static/skmlp.css``, whose rules wrap code and
output at the content column, so no literal block runs past its edge.
``--measure`` also loads the pages in headless Chromium at 1400 px and reports
every code block, table, formula, title or image that is wider than the
content column or overflows its own box. Exit status 1 if anything is found.
"""

import argparse
import html as html_module
import json
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

HISTORY = re.compile(
    r"\bissues?\s*#?\d+"                  # "issue 12", "issues 6, 11"
    r"|\bseeds?[\s_]+0\d\d\b"             # "seed 000", "Seed 001's"
    r"|\bseeds?['’]"                      # "the seeds' notation", "the seed's network"
    r"|\bthe seeds\b"                     # "the seeds train with ..."
    r"|\b\d{3}_[0-9a-f]{16}\b",           # source file names
    flags=re.IGNORECASE)
# Teaching material a reader of the docs does not hold.
MATERIAL = re.compile(r"\bcourse[\s-]+notes?\b|\bslides?\b|\blectures?\b|\bhomeworks?\b",
                      flags=re.IGNORECASE)
RAW_TEX = re.compile(r"\\[A-Za-z]+")
PRIVATE = re.compile(r"\bskmlp\._\w+")
CSS = "skmlp.css"
# The rule of skmlp.css that keeps literal blocks inside the content column.
WRAP_RULE = re.compile(r"pre\s*\{[^}]*white-space:\s*pre-wrap", flags=re.S)
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", "_modules"}


class _PageText(HTMLParser):
    """Visible text of a page, each piece marked as in math, in code, or neither."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.pieces, self.stylesheets = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs.get("href", ""))
        for name in ("alt", "title"):
            if attrs.get(name):
                self.pieces.append((attrs[name], False, False))
        if tag not in ("meta", "link", "img", "br", "hr", "input"):
            self.stack.append((tag, attrs.get("class", "").split()))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        tags = [tag for tag, _ in self.stack]
        if "script" in tags or "style" in tags or not data.strip():
            return
        math = any("math" in classes for _, classes in self.stack)
        code = "pre" in tags or "code" in tags
        self.pieces.append((data, math, code))


def pages(root):
    return sorted(path for path in Path(root).rglob("*.html")
                  if not SKIP_DIRS & set(path.relative_to(root).parts))


def _excerpt(text, match):
    return " ".join(text[max(0, match.start() - 40):match.end() + 40].split())


def _quoted(text, start):
    """A name in quotes: in code, a type name as data (skops' trusted types), allowed."""
    return start > 0 and text[start - 1] in "'\""


def check_page(path, root):
    """The problems of one page, as 'page: what: excerpt' lines."""
    parser = _PageText()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    name = Path(path).relative_to(root)
    problems = []
    before = ""  # the text before each piece (a highlighter splits a string's quotes off)
    for text, math, code in parser.pieces:
        for kind, pattern, applies in (("history word", HISTORY, True),
                                       ("teaching-material word", MATERIAL, True),
                                       ("raw TeX", RAW_TEX, not (math or code)),
                                       ("private name", PRIVATE, True)):
            if applies:
                problems += [f"{name}: {kind}: {_excerpt(text, m)!r}"
                             for m in pattern.finditer(text)
                             if not (kind == "private name" and code
                                     and _quoted(before + text, len(before) + m.start()))]
        before = text[-1:]
    if not any(href.split("?")[0].endswith("_static/" + CSS) for href in parser.stylesheets):
        problems.append(f"{name}: does not load _static/{CSS} (long code lines would "
                        "run past the content column)")
    return problems


def check_css(root):
    css = Path(root) / "_static" / CSS
    if not css.exists():
        return [f"_static/{CSS} is missing"]
    if not WRAP_RULE.search(css.read_text()):
        return [f"_static/{CSS} no longer wraps <pre> blocks (white-space: pre-wrap)"]
    return []


# ---------------------------------------------------------------- in a browser
_MEASURE = """
<script>
window.addEventListener("load", () => setTimeout(() => {
  const column = document.querySelector(".bd-article");
  const edge = column ? column.getBoundingClientRect().right + 1 : Infinity;
  const found = [];
  const selectors = "pre, table, .pst-scrollable-table-container, mjx-container[display='true'], "
    + ".bd-article h1, .bd-article h2, dt.sig, .bd-article img";
  for (const el of document.querySelectorAll(selectors)) {
    if (!el.closest(".bd-article") || el.offsetParent === null) continue;
    const box = el.getBoundingClientRect();
    // content wider than its own box is cut off, scrolled or spills out: all hide it
    if (box.right > edge || el.scrollWidth > el.clientWidth + 1) {
      found.push(el.tagName.toLowerCase() + ": " + el.textContent.trim().slice(0, 70)
                 + " (" + Math.round(box.width) + " px, scroll " + el.scrollWidth
                 + " > " + el.clientWidth + ", column ends at " + Math.round(edge) + ")");
    }
  }
  document.body.setAttribute("data-too-wide", JSON.stringify(found));
}, 3000));
</script>
"""


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def measure_page(path, root, width=1400, browser=None):
    """Elements of the page wider than the content column, in headless Chromium."""
    path = Path(path).resolve()
    html = path.read_text(encoding="utf-8").replace(
        "<head>", f'<head><base href="{path.parent.as_uri()}/">', 1)
    html = html.replace("</body>", _MEASURE + "</body>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html, encoding="utf-8")
        dom = subprocess.run(
            [browser or chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}/profile",
             "--allow-file-access-from-files", f"--window-size={width},2000",
             "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120).stdout
    match = re.search(r'data-too-wide="([^"]*)"', dom)
    name = path.relative_to(Path(root).resolve())
    if match is None:
        return [f"{name}: could not be measured in Chromium"]
    found = json.loads(html_module.unescape(match.group(1)))
    return [f"{name}: wider than the content column at {width} px: {what}" for what in found]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the build's output directory")
    parser.add_argument("--measure", action="store_true",
                        help="also measure every page in headless Chromium at 1400 px")
    args = parser.parse_args(argv)
    found = pages(args.html)
    if not found:
        print(f"no HTML pages under {args.html}", file=sys.stderr)
        return 1
    problems = check_css(args.html)
    for path in found:
        problems += check_page(path, args.html)
    if args.measure:
        if chromium() is None:
            print("--measure needs chromium (apt-get install chromium)", file=sys.stderr)
            return 1
        with ThreadPoolExecutor(2) as pool:
            for result in pool.map(lambda p: measure_page(p, args.html), found):
                problems += result
    print("\n".join(problems) if problems else
          f"{len(found)} pages checked{' and measured' if args.measure else ''}: nothing found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
