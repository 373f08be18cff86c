"""Chunkers for documentation: Markdown and reStructuredText sections, HTML as text.

A section runs from one heading to the next; its symbol is the heading path
(``Install > From source``). Sections longer than the window size are split, keeping the
symbol. HTML is reduced to its visible text (:func:`html_text`) and then chunked by lines.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fulcrum.context.chunks import Chunk, line_windows, register, split_lines, split_long

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>_:.])\1{2,}\s*$")


def _headings_md(lines: list[str]) -> list[tuple[int, int, str]]:
    found, fence = [], False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        m = None if fence else _MD_HEADING.match(line)
        if m:
            found.append((i, len(m.group(1)), m.group(2)))
    return found


def _headings_rst(lines: list[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    levels: list[str] = []
    for i in range(1, len(lines)):
        m = _RST_UNDERLINE.match(lines[i])
        title = lines[i - 1].strip()
        if m and title and len(lines[i].rstrip()) >= len(title) and not _RST_UNDERLINE.match(title):
            if m.group(1) not in levels:
                levels.append(m.group(1))
            found.append((i - 1, levels.index(m.group(1)) + 1, title))
    return found


def _sections(path: str, text: str, headings: list[tuple[int, int, str]]) -> list[Chunk]:
    lines = split_lines(text)
    chunks: list[Chunk] = []
    if not headings or headings[0][0] > 0:
        first = headings[0][0] if headings else len(lines)
        chunks += line_windows(path, "\n".join(lines[:first]))
    trail: list[tuple[int, str]] = []
    for n, (start, level, title) in enumerate(headings):
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        trail = [*[t for t in trail if t[0] < level], (level, title)]
        body = "\n".join(lines[start:end]).rstrip()
        symbol = " > ".join(t[1] for t in trail)
        chunk = Chunk(
            path, start + 1, start + max(body.count("\n") + 1, 1), symbol, "section", body
        )
        chunks += split_long(chunk)
    return chunks


def markdown(path: str, text: str) -> list[Chunk]:
    return _sections(path, text, _headings_md(split_lines(text)))


def restructured(path: str, text: str) -> list[Chunk]:
    return _sections(path, text, _headings_rst(split_lines(text)))


class _TextOnly(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML page: scripts and styles dropped, blank runs collapsed."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html(path: str, text: str) -> list[Chunk]:
    return markdown(path, html_text(text))


for _suffix in (".md", ".markdown", ".mdx"):
    register(_suffix, markdown)
register(".rst", restructured)
for _suffix in (".html", ".htm"):
    register(_suffix, html)
