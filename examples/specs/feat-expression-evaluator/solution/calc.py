import re

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*|\.\d+)|(.))")


def _tokens(expr: str) -> list[str]:
    out = []
    for number, op in _TOKEN.findall(expr):
        if number:
            out.append(number)
        elif op.strip():
            if op not in "+-*/()":
                raise ValueError(f"unexpected {op!r}")
            out.append(op)
    return out


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ValueError("unexpected end")
        self.pos += 1
        return tok

    def expr(self) -> float:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> float:
        value = self.factor()
        while self.peek() in ("*", "/"):
            value = value * self.factor() if self.take() == "*" else value / self.factor()
        return value

    def factor(self) -> float:
        tok = self.take()
        if tok == "-":
            return -self.factor()
        if tok == "(":
            value = self.expr()
            if self.take() != ")":
                raise ValueError("expected )")
            return value
        try:
            return float(tok)
        except ValueError:
            raise ValueError(f"unexpected {tok!r}") from None


def evaluate(expr: str) -> float:
    parser = _Parser(_tokens(expr))
    value = parser.expr()
    if parser.peek() is not None:
        raise ValueError("trailing input")
    return value
