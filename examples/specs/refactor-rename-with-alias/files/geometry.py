def calc(w: float, h: float) -> float:
    return w * h
