"""The MCP server driven by the ``mcp`` SDK's own client, over stdio and streamable HTTP."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from fulcrum.context import web
from fulcrum.context.search import MODES
from fulcrum.context.server import build_server
from fulcrum.context.service import ContextConfig, ContextService

from .helpers import FakeSearxng

TOOLS = {"search_code", "repo_map", "search_docs", "python_api", "web_search", "fetch_page"}


def _argv(repo: Path) -> list[str]:
    return ["-m", "fulcrum", "mcp", "--root", str(repo), "--docs", str(repo / "docs")]


def _env(search: str | None) -> dict[str, str]:
    """With a search provider (the fake, on loopback), fetch_page may read loopback too."""
    env = {"FULCRUM_DATA_DIR": os.environ["FULCRUM_DATA_DIR"], "FULCRUM_EMBEDDER": "wordllama"}
    return env | ({"FULCRUM_SEARCH": search, "FULCRUM_FETCH_PRIVATE": "1"} if search else {})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _http_server(repo: Path, search: str | None) -> Iterator[str]:
    port = _free_port()
    argv = [sys.executable, *_argv(repo), "--transport", "http", "--port", str(port)]
    log = repo.parent / f"mcp-http-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(argv, env=os.environ | _env(search), stderr=err)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


@asynccontextmanager
async def connect(transport: str, repo: Path, search: str | None) -> AsyncIterator[Client]:
    if transport == "stdio":
        params = StdioServerParameters(command=sys.executable, args=_argv(repo), env=_env(search))
        async with Client(params, read_timeout_seconds=60) as client:
            yield client
    else:
        with _http_server(repo, search) as url:
            async with Client(url, read_timeout_seconds=60) as client:
                yield client


async def call(client: Client, tool: str, args: dict[str, Any]) -> tuple[bool, Any]:
    """(is_error, parsed structured result or the error text)."""
    result = await client.call_tool(tool, args)
    text = "".join(getattr(c, "text", "") for c in result.content)
    if result.is_error:
        return True, text
    return False, result.structured_content if result.structured_content is not None else text


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_every_tool_answers(transport: str, repo: Path, searxng: FakeSearxng) -> None:
    async with connect(transport, repo, f"searxng:{searxng.url}") as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        assert listed == TOOLS

        err, found = await call(client, "search_code", {"query": "read the settings TOML file"})
        assert not err and found["results"][0]["symbol"] == "load_settings"
        assert found["results"][0]["path"] == "pkg/config.py"
        assert {"start_line", "end_line", "score", "text"} <= set(found["results"][0])

        err, outline = await call(client, "repo_map", {"max_tokens": 200})
        assert not err and "pkg/config.py:" in str(outline) and "load_settings" in str(outline)

        err, api = await call(client, "python_api", {"name": "json.dumps"})
        assert not err and api["signature"].startswith("(obj, *") and api["kind"] == "function"

        err, docs = await call(client, "search_docs", {"query": "rate limit 429", "packages": []})
        assert not err and docs["results"][0]["symbol"] == "Guide > Rate limits"

        err, web = await call(client, "web_search", {"query": "openrgb colour", "limit": 3})
        assert not err and len(web["results"]) == 3 and web["provider"] == "searxng"

        err, page = await call(client, "fetch_page", {"url": web["results"][0]["url"]})
        assert not err and "openrgb --color FF0000" in page["text"] and "var x" not in page["text"]


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_bad_arguments_are_errors_naming_the_argument(transport: str, repo: Path) -> None:
    async with connect(transport, repo, None) as client:
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("search_code", {}, "query"),
            ("search_code", {"query": "x", "limit": 0}, "limit"),
            ("search_code", {"query": "x", "mode": "fuzzy"}, "mode"),
            ("repo_map", {"max_tokens": "lots"}, "max_tokens"),
            ("python_api", {"name": "not a name"}, "name"),
            ("python_api", {"name": "no_such_module_xyz.f"}, "name"),
            ("fetch_page", {"url": "file:///etc/passwd"}, "url"),
            ("fetch_page", {"url": "http://127.0.0.1:9/"}, "private address (127.0.0.1)"),
            ("web_search", {"query": "anything"}, "no search provider"),
        ]
        for tool, args, named in cases:
            err, text = await call(client, tool, args)
            assert err, (tool, args, text)
            assert named in text, (tool, args, text)
        err, found = await call(client, "search_code", {"query": "start server"})  # still serving
        assert not err and json.dumps(found).count("start_server") >= 1


async def test_python_api_shows_no_secret_of_the_server_environment(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-ant-MCPLEAK-0123456789"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)  # the HTTP server inherits os.environ
    async with connect("http", repo, None) as client:
        for name in ("os.environ", "posix.environ", "os.environ._data", "os.environb"):
            err, found = await call(client, "python_api", {"name": name})
            assert not err and "value" not in found, (name, found)
            assert secret not in json.dumps(found) and "MCPLEAK" not in json.dumps(found), name
        err, sep = await call(client, "python_api", {"name": "os.sep"})
        assert not err and sep["value"] == repr(os.sep)


@asynccontextmanager
async def in_process(repo: Path, tmp_path: Path) -> AsyncIterator[Client]:
    """The server built here and driven in-process by the SDK's client (no subprocess)."""
    service = ContextService(ContextConfig(root=repo, data=tmp_path / "d"), embedder=None)
    try:
        async with Client(build_server(service)) as client:
            yield client
    finally:
        service.close()


async def test_schemas_say_exactly_what_each_tool_accepts(repo: Path, tmp_path: Path) -> None:
    async with in_process(repo, tmp_path) as client:
        schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
    assert all(s.get("additionalProperties") is False for s in schemas.values()), schemas
    assert schemas["search_code"]["properties"]["mode"]["enum"] == list(MODES)
    assert schemas["web_search"]["properties"]["limit"]["maximum"] == web.MAX_RESULTS
    assert schemas["python_api"]["properties"]["name"]["maxLength"] == 200
    assert "description" in schemas["fetch_page"]["properties"]["max_chars"]


async def test_unknown_arguments_and_paths_outside_the_root_are_errors(
    repo: Path, tmp_path: Path
) -> None:
    async with in_process(repo, tmp_path) as client:
        err, text = await call(client, "search_code", {"query": "settings", "limt": 3})
        assert err and "limt" in text and "Traceback" not in text
        err, text = await call(client, "search_code", {"query": "x", "path": str(tmp_path)})
        assert err and "path:" in text and "outside the repository" in text
        err, found = await call(
            client, "search_code", {"query": "settings", "path": str(repo / "pkg")}
        )
        assert (
            not err
            and {h["path"] for h in found["results"]}
            <= {"pkg/config.py", "pkg/server.py", "pkg/cli.py"}
            and found["results"]
        )
        err, outline = await call(client, "repo_map", {"path": str(repo / "web")})
        assert not err and outline["result"].startswith("web/app.js:")


async def test_an_absolute_path_to_a_link_filters_by_the_link_not_its_target(
    repo: Path, tmp_path: Path
) -> None:
    (repo / "pkg" / "alias.py").symlink_to(repo / "pkg" / "config.py")
    async with in_process(repo, tmp_path) as client:
        args = {"query": "load settings", "path": str(repo / "pkg" / "alias.py")}
        err, found = await call(client, "search_code", args)
        assert not err and found["results"], found
        assert {h["path"] for h in found["results"]} == {"pkg/alias.py"}


async def test_vector_search_without_an_embedder_is_an_error_not_no_results(
    repo: Path, tmp_path: Path
) -> None:
    async with in_process(repo, tmp_path) as client:  # embedder=None
        err, text = await call(client, "search_code", {"query": "settings", "mode": "vector"})
        assert err and "mode: 'vector' needs an embedder" in text, text
        for mode in ("hybrid", "rrf", "lexical"):  # these fall back to BM25
            err, found = await call(client, "search_code", {"query": "settings", "mode": mode})
            assert not err and found["results"], (mode, found)


def test_http_refuses_requests_from_another_site(repo: Path) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    with _http_server(repo, None) as url:
        port = int(url.split(":")[2].split("/")[0])
        statuses = {}
        for origin in ("http://evil.example", f"http://127.0.0.1:{port}"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/mcp", body, headers | {"origin": origin})
            statuses[origin] = conn.getresponse().status
            conn.close()
    assert statuses["http://evil.example"] == 403
    assert statuses[f"http://127.0.0.1:{port}"] != 403
