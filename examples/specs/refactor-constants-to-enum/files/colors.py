RED = "red"
GREEN = "green"
BLUE = "blue"


def parse_color(text: str) -> str:
    text = text.strip().lower()
    if text in (RED, GREEN, BLUE):
        return text
    raise ValueError(text)
