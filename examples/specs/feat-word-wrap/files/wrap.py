def wrap(text: str, width: int) -> list[str]:
    return [text]
