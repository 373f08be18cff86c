from datetime import date


def days_between(a: str, b: str) -> int:
    da, db = date.fromisoformat(a), date.fromisoformat(b)
    return abs((db - da).days) + 1
