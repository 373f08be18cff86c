def parse_point(text: str) -> tuple[float, float]:
    x, y = text.split(",")
    return float(x), float(y)
