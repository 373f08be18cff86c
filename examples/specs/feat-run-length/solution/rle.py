import itertools
import re


def encode(text: str) -> str:
    return "".join(f"{len(list(run))}{ch}" for ch, run in itertools.groupby(text))


def decode(text: str) -> str:
    return "".join(ch * int(n) for n, ch in re.findall(r"(\d+)(\D)", text))
