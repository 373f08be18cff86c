"""The MCP server: the context tools over stdio or streamable HTTP (the official ``mcp`` SDK).

Tools: ``search_code``, ``repo_map``, ``search_docs``, ``python_api``, ``web_search``,
``fetch_page``. Arguments are checked twice: by their schema (types and ranges; the SDK's
error names the field) and by the service (an empty query, a bad mode, a name that is not
dotted Python). Every failure the tools anticipate (:class:`fulcrum.errors.FulcrumError`)
returns an MCP error result whose text names the argument; nothing crashes the server.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from fulcrum import __version__
from fulcrum.context import web
from fulcrum.context.service import ContextService
from fulcrum.errors import FulcrumError

P = ParamSpec("P")
R = TypeVar("R")

INSTRUCTIONS = (
    "Context for coding: search this repository's code (search_code), see its most referenced "
    "definitions (repo_map), read the installed version of a Python API (python_api, "
    "search_docs) and, when configured, search the web (web_search, fetch_page)."
)
SNIPPET_CHARS = 1500

Query = Annotated[str, Field(min_length=1, max_length=2000, description="What to look for.")]
Limit = Annotated[int, Field(ge=1, le=50, description="How many results.")]


def _tool_errors(fn: Callable[P, R]) -> Callable[P, R]:
    @wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FulcrumError as exc:
            raise ToolError(exc.message) from exc

    return call


def _async_tool_errors(fn: Callable[P, Any]) -> Callable[P, Any]:
    @wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return await fn(*args, **kwargs)
        except FulcrumError as exc:
            raise ToolError(exc.message) from exc

    return call


def build_server(service: ContextService) -> MCPServer:
    server: MCPServer = MCPServer(
        "fulcrum-context", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    _code_tools(server, service)
    _python_tools(server, service)
    _web_tools(server, service)
    return server


def _code_tools(server: MCPServer, service: ContextService) -> None:
    @server.tool()
    @_tool_errors
    def search_code(
        query: Query,
        limit: Limit = 10,
        mode: Annotated[str, Field(description="hybrid, lexical or vector")] = "hybrid",
        path: Annotated[str | None, Field(description="Only files under this path.")] = None,
    ) -> dict[str, Any]:
        """Search the repository's code and docs: path, line range, symbol, score and text."""
        hits = service.search_code(query, limit=limit, mode=mode, path=path)
        return {"results": [h.as_dict(max_chars=SNIPPET_CHARS) for h in hits]}

    @server.tool()
    @_tool_errors
    def repo_map(
        max_tokens: Annotated[int, Field(ge=64, le=16384, description="Token budget.")] = 1024,
        path: Annotated[str, Field(description="Only files under this path.")] = "",
    ) -> str:
        """A ranked outline of the repository's most referenced definitions."""
        return service.repo_map(max_tokens=max_tokens, path=path) or "(no definitions found)"


def _python_tools(server: MCPServer, service: ContextService) -> None:
    @server.tool()
    @_tool_errors
    def python_api(
        name: Annotated[str, Field(min_length=1, description="A dotted name: json.dumps.")],
    ) -> dict[str, Any]:
        """Signature, docstring, source location and installed version of a Python name."""
        return service.python_api(name)

    @server.tool()
    @_tool_errors
    def search_docs(
        query: Query,
        packages: Annotated[
            list[str], Field(max_length=10, description="Installed packages whose API to search.")
        ] = [],  # noqa: B006 - the SDK builds the schema from the default; never mutated
        limit: Limit = 10,
    ) -> dict[str, Any]:
        """Search local documentation folders and installed packages' API (their own versions)."""
        hits = service.search_docs(query, limit=limit, packages=tuple(packages))
        return {"results": [h.as_dict(max_chars=SNIPPET_CHARS) for h in hits]}


def _web_tools(server: MCPServer, service: ContextService) -> None:
    @server.tool()
    @_async_tool_errors
    async def web_search(query: Query, limit: Limit = 8) -> dict[str, Any]:
        """Search the web through the configured provider (SearXNG or a search API)."""
        found = await web.web_search(service.provider, query, limit)
        return {"provider": service.provider.name if service.provider else None,
                "results": [r.as_dict() for r in found]}  # fmt: skip

    @server.tool()
    @_async_tool_errors
    async def fetch_page(
        url: Annotated[str, Field(min_length=1, description="An http(s) URL.")],
        max_chars: Annotated[int, Field(ge=100, le=200_000)] = 20_000,
    ) -> dict[str, Any]:
        """A web page as text (HTML reduced to its visible text), at most max_chars long."""
        return await web.fetch_page(url, max_chars)
