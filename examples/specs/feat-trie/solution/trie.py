class Trie:
    def __init__(self) -> None:
        self.children: dict[str, Trie] = {}
        self.end = False

    def insert(self, word: str) -> None:
        node = self
        for ch in word:
            node = node.children.setdefault(ch, Trie())
        node.end = True

    def _node(self, prefix: str) -> "Trie | None":
        node: Trie | None = self
        for ch in prefix:
            node = node.children.get(ch) if node else None
        return node

    def contains(self, word: str) -> bool:
        node = self._node(word)
        return bool(node and node.end)

    def starts_with(self, prefix: str) -> list[str]:
        node = self._node(prefix)
        out: list[str] = []
        def walk(n: "Trie", acc: str) -> None:
            if n.end:
                out.append(acc)
            for ch, child in n.children.items():
                walk(child, acc + ch)
        if node:
            walk(node, prefix)
        return sorted(out)
