class Trie:
    def insert(self, word: str) -> None:
        raise NotImplementedError

    def contains(self, word: str) -> bool:
        raise NotImplementedError

    def starts_with(self, prefix: str) -> list[str]:
        raise NotImplementedError
