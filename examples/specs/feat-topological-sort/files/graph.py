def toposort(deps: dict[str, list[str]]) -> list[str]:
    return sorted(deps)
