"""One-typo look-ups: a missing, extra or swapped letter, never a substitution or another digit."""

from __future__ import annotations

from index.typos import TypoIndex


def test_neighbours_are_one_missing_extra_or_swapped_letter_away() -> None:
    typos = TypoIndex(["pytorch", "anthropic", "optimis", "llama4", "deep"], min_length=5)
    assert typos.neighbours("pytroch") == ["pytorch"]  # swapped
    assert typos.neighbours("antropic") == ["anthropic"]  # missing
    assert typos.neighbours("pytorchh") == ["pytorch"]  # extra
    assert typos.neighbours("optimus") == []  # a substitution joins different words
    assert typos.neighbours("llama5") == []  # another version, not a typo
    assert TypoIndex(["llama"], min_length=5).neighbours("ollama") == []  # a letter more in front: another name
    assert typos.neighbours("deepl") == []  # "deep" is too short to be indexed
