"""``fulcrum index PATH`` and ``fulcrum mcp``: build the context index, serve the context tools."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from fulcrum.context.service import ContextConfig, ContextService
from fulcrum.errors import InputError
from fulcrum.progress import stderr_progress

TRANSPORTS = ("stdio", "http")
INDEX_WAIT_S = 120.0  # fulcrum index waits this long for another process's write lock
CLAUDE_ADD = "claude mcp add fulcrum -- fulcrum mcp --root /path/to/repo"
MCP_HELP = f"""Serve the context tools over MCP (stdio by default, or streamable HTTP).

Tools: search_code, repo_map, search_docs, python_api, web_search,
fetch_page.

Add it to Claude Code with:

    {CLAUDE_ADD}

or over HTTP: fulcrum mcp --transport http --port 8765, then
claude mcp add --transport http fulcrum http://127.0.0.1:8765/mcp
"""

Embedder = Annotated[
    str | None,
    typer.Option(help="none, wordllama or openai:URL#MODEL (default: wordllama when installed)."),
]


def index_command(
    path: Annotated[Path, typer.Argument(help="The repository to index.")] = Path("."),
    embedder: Embedder = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Build or refresh a repository's search index (only changed files are re-read).

    --json also names each file (re)indexed, removed and skipped (binary, too
    big, minified)."""
    if not path.is_dir():
        raise InputError(f"PATH: {path} is not a directory")
    config = ContextConfig.build(path, embedder=embedder)
    service = ContextService(config, wait_s=INDEX_WAIT_S)  # another indexer: wait for it
    try:
        with stderr_progress() as bar:
            task = bar.add_task("indexing", total=None)
            report = service.refresh(
                lambda done, total: bar.update(task, completed=done, total=total)
            )
        files, chunks = service.code.counts()
    finally:
        service.close()
    body = {
        "root": report.root, "index": str(service.code.path), "scanned": report.scanned,
        "indexed": len(report.indexed), "removed": len(report.removed),
        "skipped": len(report.skipped), "files": files, "chunks": chunks,
        "seconds": round(report.seconds, 3),
        "embedder": service.embedder.name if service.embedder else None,
        "indexed_files": report.indexed, "removed_files": report.removed,
        "skipped_files": report.skipped,
    }  # fmt: skip
    typer.echo(json.dumps(body, indent=2) if as_json else _summary(body))


def _summary(body: dict[str, Any]) -> str:
    """The report in lines that fit 80 columns (the two paths aside)."""
    return (
        f"{body['root']}\n  {body['files']} files, {body['chunks']} chunks; {body['indexed']} "
        f"(re)indexed, {body['removed']} removed, {body['skipped']} skipped\n"
        f"  {body['seconds']} s, embedder {body['embedder'] or 'none'}\n  index: {body['index']}"
    )


def mcp_command(  # noqa: PLR0917 - Typer maps parameters to flags
    root: Annotated[Path, typer.Option(help="The repository the tools work on.")] = Path("."),
    transport: Annotated[str, typer.Option(help="stdio or http (streamable HTTP).")] = "stdio",
    host: Annotated[str, typer.Option(help="HTTP: the address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP: the port.", min=1, max=65535)] = 8765,
    search: Annotated[
        str | None, typer.Option(help="Web search: searxng:URL or brave ($FULCRUM_SEARCH).")
    ] = None,
    docs: Annotated[list[Path] | None, typer.Option(help="A docs folder (repeatable).")] = None,
    python: Annotated[
        str | None, typer.Option(help="The interpreter whose packages python_api reads.")
    ] = None,
    embedder: Embedder = None,
    fetch_private: Annotated[
        bool,
        typer.Option(help="Let fetch_page read loopback and private addresses (refused: SSRF)."),
    ] = False,
) -> None:
    if transport not in TRANSPORTS:
        raise InputError(f"--transport: {transport!r} is not one of {', '.join(TRANSPORTS)}")
    if not root.is_dir():
        raise InputError(f"--root: {root} is not a directory")
    if transport == "http":
        _check_loopback(host)
    config = ContextConfig.build(
        root,
        embedder=embedder,
        search=search,
        docs=tuple(docs or ()),
        python=python,
        fetch_private=fetch_private,
    )
    _check_sources(config)
    from fulcrum.context.server import build_server  # noqa: PLC0415 - the SDK loads only here

    service = ContextService(config)
    service.refresh_in_background()
    server = build_server(service)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)


def _check_loopback(host: str) -> None:
    """The tools read the repository and fetch pages, and this server has no client keys:
    it listens on this machine only."""
    from fulcrum.gateway.serverconfig import LOOPBACK  # noqa: PLC0415 - with --transport http

    if host not in LOOPBACK:
        raise InputError(
            f"--host: {host!r} would expose the repository and page fetching to the network, "
            "and the MCP server has no client keys; use 127.0.0.1 (and an SSH tunnel or an "
            "authenticating proxy to reach it from elsewhere)"
        )


def _check_sources(config: ContextConfig) -> None:
    """The docs folders and the interpreter exist (flags or environment)."""
    for folder in config.docs:
        if not folder.is_dir():
            raise InputError(f"--docs: {folder} is not a directory")
    if config.python is not None and shutil.which(config.python) is None:
        raise InputError(f"--python: {config.python} is not an executable interpreter")


def register(app: typer.Typer) -> None:
    app.command("index")(index_command)
    app.command("mcp", help=MCP_HELP)(mcp_command)
