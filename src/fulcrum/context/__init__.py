"""Context tools that close the gap for local models: code and docs retrieval, Python API
introspection and web search, served over MCP (``fulcrum mcp``) and indexed by ``fulcrum index``.

See ``docs/context.md``. Entry points: :class:`fulcrum.context.service.ContextService` (the
tools as methods), :func:`fulcrum.context.server.build_server` (the MCP server).
"""
