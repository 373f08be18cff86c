def median(values: list[float]) -> float:
    return values[len(values) // 2]
