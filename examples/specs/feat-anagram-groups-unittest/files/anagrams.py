def group_anagrams(words: list[str]) -> list[list[str]]:
    return [words]
