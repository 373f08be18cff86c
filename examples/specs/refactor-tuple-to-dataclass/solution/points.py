from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float


def parse_point(text: str) -> Point:
    x, y = text.split(",")
    return Point(float(x), float(y))
