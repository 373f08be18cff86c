def compare(a: str, b: str) -> int:
    return (a > b) - (a < b)
