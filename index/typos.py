"""One-typo look-up over a vocabulary: a missing, extra or swapped letter ("pytroch", "antropic").

A symmetric-delete index: two words one edit apart share a deletion, so the candidates for a
word are found by its deletions rather than by comparing it with every word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


class TypoIndex:
    """Words of a vocabulary one typo away from a given word; words shorter than `min_length`
    are neither indexed nor looked up (short words are too close to each other)."""

    def __init__(self, words: Iterable[str], min_length: int) -> None:
        self.min_length = min_length
        self.by_deletion: dict[str, list[str]] = defaultdict(list)
        for word in words:
            if len(word) >= min_length:
                for variant in deletions(word) | {word}:
                    self.by_deletion[variant].append(word)

    def neighbours(self, word: str) -> list[str]:
        """Indexed words one typo from `word`, sorted; substitutions are left out, digits must match."""
        if len(word) < self.min_length:
            return []
        candidates = {known for variant in deletions(word) | {word} for known in self.by_deletion.get(variant, ())}
        return sorted(known for known in candidates if one_typo_apart(word, known))


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_typo_apart(a: str, b: str) -> bool:
    """One letter missing or extra, or two neighbouring letters swapped; digits unchanged. The first letter
    is kept: people rarely mistype it, and a letter more in front is another name ("ollama", "llama")."""
    if a[:1] != b[:1] or [c for c in a if c.isdigit()] != [c for c in b if c.isdigit()]:
        return False
    if abs(len(a) - len(b)) == 1:
        shorter, longer = sorted((a, b), key=len)
        return shorter in deletions(longer)
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
