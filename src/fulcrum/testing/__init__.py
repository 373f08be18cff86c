"""Helpers shared by tests and benches: real components (llama.cpp server, Claude Code CLI)."""
