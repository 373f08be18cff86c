from __future__ import annotations

from fulcrum.context.chunks import WINDOW_LINES, chunk_file, line_windows
from fulcrum.context.textchunks import html_text

from .helpers import REPO_FILES


def test_python_chunks_are_definitions_with_line_ranges() -> None:
    chunks = chunk_file("pkg/config.py", REPO_FILES["pkg/config.py"])
    by_symbol = {c.symbol: c for c in chunks if c.symbol}
    assert set(by_symbol) == {"load_settings", "Settings", "Settings.__init__", "Settings.port"}
    assert (by_symbol["load_settings"].start_line, by_symbol["load_settings"].end_line) == (6, 9)
    assert by_symbol["Settings.port"].kind == "method"
    assert by_symbol["Settings.port"].text.lstrip().startswith("def port(self):")
    module = [c for c in chunks if c.kind == "module"]
    assert module and "import tomllib" in module[0].text


def test_javascript_chunks_use_the_grammar() -> None:
    chunks = chunk_file("web/app.js", REPO_FILES["web/app.js"])
    assert {c.symbol for c in chunks} >= {"renderChart", "Widget", "Widget.draw"}


def test_markdown_sections_carry_the_heading_path() -> None:
    chunks = chunk_file("docs/guide.md", REPO_FILES["docs/guide.md"])
    symbols = [c.symbol for c in chunks]
    assert symbols == ["Guide", "Guide > Installing", "Guide > Rate limits"]
    assert chunks[2].start_line == 9 and "429" in chunks[2].text


def test_other_files_fall_back_to_overlapping_line_windows() -> None:
    text = "\n".join(f"line {i}" for i in range(1, 131))
    chunks = chunk_file("data.cfg", text)
    assert [c.kind for c in chunks] == ["window"] * len(chunks)
    assert chunks[0].start_line == 1 and chunks[0].end_line == WINDOW_LINES
    assert chunks[1].start_line < chunks[0].end_line  # overlap
    assert chunks[-1].end_line == 130
    assert line_windows("x", "   \n\n") == []


def test_a_long_function_is_split_but_keeps_its_symbol() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(300))
    chunks = chunk_file("long.py", f"def big():\n{body}\n")
    assert len(chunks) > 1 and {c.symbol for c in chunks} == {"big"}


def test_html_text_drops_scripts_and_styles() -> None:
    text = html_text("<style>a{}</style><p>Hello <b>there</b></p><script>x()</script><p>Bye</p>")
    assert text == "Hello there\n\nBye"


def test_line_numbers_count_newlines_only() -> None:
    """Form feeds (GNU page breaks), U+2028 in a string and NEL are not line ends."""
    text = "\n".join(
        f"line {n} \f page" if n % 7 == 0 else f"line {n} \u2028 \x85 \x0b" for n in range(1, 121)
    )
    for path in ("notes.txt", "mod.py", "guide.md", "guide.rst"):
        for c in chunk_file(path, text):
            first, last = c.text.split("\n")[0], c.text.split("\n")[-1]
            assert first.split()[:2] == ["line", str(c.start_line)], (path, c)
            assert last.split()[:2] == ["line", str(c.end_line)], (path, c)
    py = "x = 1\f\n\n\nclass A:\n    '''\u2028'''\n\n    def f(self):\n        pass\n"
    by_symbol = {c.symbol: c for c in chunk_file("mod.py", py)}
    assert (by_symbol["A"].start_line, by_symbol["A"].end_line) == (4, 6)
    assert by_symbol["A"].text == "class A:\n    '''\u2028'''\n"
    assert (by_symbol["A.f"].start_line, by_symbol["A.f"].end_line) == (7, 8)
