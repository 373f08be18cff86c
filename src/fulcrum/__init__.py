"""fulcrum: decide, route, measure and report the local-vs-frontier mix for coding agents."""

__version__ = "0.1.0"
