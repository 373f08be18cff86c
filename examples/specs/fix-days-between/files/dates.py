def days_between(a: str, b: str) -> int:
    da = int(a.split("-")[2])
    db = int(b.split("-")[2])
    return abs(db - da)
