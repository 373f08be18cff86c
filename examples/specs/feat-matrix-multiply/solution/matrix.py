def _shape(m: list[list[float]]) -> tuple[int, int]:
    cols = {len(row) for row in m}
    if len(cols) != 1:
        raise ValueError("ragged or empty matrix")
    return len(m), cols.pop()


def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    (n, k), (k2, m) = _shape(a), _shape(b)
    if k != k2:
        raise ValueError(f"inner dimensions differ: {k} != {k2}")
    return [[sum(a[i][x] * b[x][j] for x in range(k)) for j in range(m)] for i in range(n)]
