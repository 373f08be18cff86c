def evaluate(expr: str) -> float:
    raise NotImplementedError
