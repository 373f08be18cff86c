def encode(text: str) -> str:
    raise NotImplementedError


def decode(text: str) -> str:
    raise NotImplementedError
