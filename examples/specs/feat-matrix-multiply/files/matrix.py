def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    raise NotImplementedError
