"""The MCP server: the context tools over stdio or streamable HTTP (the official ``mcp`` SDK).

Tools: ``search_code``, ``repo_map``, ``search_docs``, ``python_api``, ``web_search``,
``fetch_page``. Arguments are checked twice: by their schema (types and ranges; the SDK's
error names the field) and by the service (an empty query, a bad mode, a name that is not
dotted Python). Every failure the tools anticipate (:class:`fulcrum.errors.FulcrumError`)
returns an MCP error result whose text names the argument; nothing crashes the server. An
argument a tool does not declare is refused too (``additionalProperties: false``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal, ParamSpec, TypeVar, cast

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from pydantic import Field

from fulcrum import __version__
from fulcrum.context import pages, web
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
Mode = Literal["hybrid", "lexical", "vector", "rrf"]  # search.MODES (a test keeps them equal)
MODE_HELP = "hybrid (default: BM25 and vectors), lexical (BM25), vector, rrf (rank fusion)"
PATH_HELP = "Only this file or the files under this folder, relative to the repository root."


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


def strict(tool: Tool) -> Tool:
    """``tool`` refusing arguments it does not declare (a misspelt ``limt`` is an error naming
    it, not silently ignored), and saying so in its schema."""
    model = tool.fn_metadata.arg_model
    namespace = {"model_config": {**model.model_config, "extra": "forbid"}, "__module__": __name__}
    forbid = cast("type[ArgModelBase]", type(model.__name__, (model,), namespace))
    tool.fn_metadata.arg_model = forbid
    tool.parameters = forbid.model_json_schema(by_alias=True)
    return tool


def build_server(service: ContextService) -> MCPServer:
    functions = [*_code_tools(service), *_python_tools(service), *_web_tools(service)]
    return MCPServer(
        "fulcrum-context",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
        tools=[strict(Tool.from_function(fn)) for fn in functions],
    )


def _code_tools(service: ContextService) -> list[Callable[..., Any]]:
    @_tool_errors
    def search_code(
        query: Query,
        limit: Limit = 10,
        mode: Annotated[Mode, Field(description=MODE_HELP)] = "hybrid",
        path: Annotated[str | None, Field(max_length=1000, description=PATH_HELP)] = None,
    ) -> dict[str, Any]:
        """Search the repository's code and docs: path, line range, symbol, score and text."""
        hits = service.search_code(query, limit=limit, mode=mode, path=path)
        return {"results": [h.as_dict(max_chars=SNIPPET_CHARS) for h in hits]}

    @_tool_errors
    def repo_map(
        max_tokens: Annotated[int, Field(ge=64, le=16384, description="Token budget.")] = 1024,
        path: Annotated[str, Field(max_length=1000, description=PATH_HELP)] = "",
    ) -> str:
        """A ranked outline of the repository's most referenced definitions."""
        return service.repo_map(max_tokens=max_tokens, path=path) or "(no definitions found)"

    return [search_code, repo_map]


def _python_tools(service: ContextService) -> list[Callable[..., Any]]:
    @_tool_errors
    def python_api(
        name: Annotated[
            str,
            Field(min_length=1, max_length=200, description="A dotted name: json.dumps."),
        ],
    ) -> dict[str, Any]:
        """Signature, docstring, source location and installed version of a Python name."""
        return service.python_api(name)

    @_tool_errors
    def search_docs(
        query: Query,
        packages: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=200)]],
            Field(max_length=10, description="Installed packages whose API to search."),
        ] = [],  # noqa: B006 - the SDK builds the schema from the default; never mutated
        limit: Limit = 10,
    ) -> dict[str, Any]:
        """Search local documentation folders and installed packages' API (their own versions)."""
        hits = service.search_docs(query, limit=limit, packages=tuple(packages))
        return {"results": [h.as_dict(max_chars=SNIPPET_CHARS) for h in hits]}

    return [python_api, search_docs]


def _web_tools(service: ContextService) -> list[Callable[..., Any]]:
    @_async_tool_errors
    async def web_search(
        query: Query,
        limit: Annotated[int, Field(ge=1, le=web.MAX_RESULTS, description="How many results.")] = 8,
    ) -> dict[str, Any]:
        """Search the web through the configured provider (SearXNG or a search API)."""
        found = await web.web_search(service.provider, query, limit)
        return {"provider": service.provider.name if service.provider else None,
                "results": [r.as_dict() for r in found]}  # fmt: skip

    @_async_tool_errors
    async def fetch_page(
        url: Annotated[str, Field(min_length=1, max_length=8000, description="An http(s) URL.")],
        max_chars: Annotated[
            int, Field(ge=100, le=200_000, description="At most this many characters of text.")
        ] = 20_000,
    ) -> dict[str, Any]:
        """A web page as text (HTML reduced to its visible text), at most max_chars long."""
        return await pages.fetch_page(url, max_chars, allow_private=service.config.fetch_private)

    return [web_search, fetch_page]
