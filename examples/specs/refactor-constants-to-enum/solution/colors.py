import enum


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


def parse_color(text: str) -> Color:
    return Color(text.strip().lower())
