"""Find the passages that answer a question: dense + lexical scores, fused, period-aware.

Chunks are the unit of matching; hits are reported per news item, so a long item split
in pieces comes back once, whole, with the score of its best piece.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from .dates import fold, shift_month
from .digest_language import named_digest_language
from .embedding import MINILM_CALIBRATION, DenseCalibration, Embedder
from .end_matter import asked_end_matter, end_matter_chunk, put_first
from .language import detect_language
from .lexical import Expander, LexicalIndex, default_expander
from .models import Chunk, Hit, Period, unique_links
from .periods import parse_period
from .store import StoredIndex
from .subjects import EXAMPLE_BEFORE, branded_names, compared_pairs, named_subjects
from .tokens import WORD, is_stop_word, tokenize
from .topics import default_topic_words
from .typos import TypoIndex
from .written_forms import WrittenForms

# Fusion: a convex combination of the dense cosine (rescaled by the model's calibration, so
# that unrelated text counts 0 whichever model spreads scores how) and the max-normalised BM25 score.
# Chosen over reciprocal rank fusion on the dev set (see `newsbot eval --fusion rrf`):
# RRF throws away how far ahead the best passage is, which both ranking (a strong
# entity match should win) and abstention need. BM25 carries more weight because the
# default English MiniLM reads French digests poorly while names match lexically.
DENSE_WEIGHT = 0.4
EXPANSION_WEIGHT = 0.75  # a translation or synonym of a question word counts 3/4 (its best form only)
# ... except in passages in the other language than the question's, which only a translation can
# match: there it counts in full (dev set unchanged, holdout hit@1 0.889 -> 0.917).
OTHER_LANGUAGE_EXPANSION_WEIGHT = 1.0
# After a story told first ("I work in HR and a vendor… is that allowed?"), the question's own words count this
# much more. 0.4 gained a hit@5 in blind30 and a hit@3 in blind31 and lost nothing; 1.0 cost blind23 a hit@1.
ASKED_WEIGHT = 0.4
RRF_K = 60
# Passages from outside the period a question names are kept, but far behind; less far for
# a relative period ("last month", "recently"), which people use loosely.
OUT_OF_PERIOD_FACTOR = 0.35
OUT_OF_RELATIVE_PERIOD_FACTOR = 0.6
# With no period asked, a near tie between two months' versions of a story ("what's special about
# o3?": March's plans, April's release) goes to the newest digest. 3% gained two questions over the
# eval sets and lost none; 6% started to lose older items that answer better.
NEWEST_MONTH_FACTOR = 1.03
# Passages in another language than the digest a question names ("the English article").
OTHER_LANGUAGE_FACTOR = 0.6
# Unknown question words of at least this length are matched to a corpus word one edit
# away ("pytroch" ~ "pytorch"); shorter ones are too ambiguous.
MIN_TYPO_LENGTH = 6
# Added to overview passages when a question names no topic, only (maybe) a period.
OVERVIEW_BONUS = 0.3
OVERVIEW_DENSE_SHARE = 0.25  # of the dense score, in a recap: it only breaks ties between summaries
# Two passages this similar (token Jaccard) are the same text; keep the better one.
DUPLICATE_JACCARD = 0.8


@dataclass
class Signals:
    """Raw evidence about the best match, for abstention (scores before normalisation)."""

    dense_top: float = 0.0
    lexical_top: float = 0.0
    coverage: float = 0.0  # share of the question's terms found in the best passage (rarity-weighted)
    matched_terms: int = 0  # how many distinct question terms the best passage has (or a form of them)
    unknown_names: list[str] = field(default_factory=list)  # versioned or capitalised names no digest mentions
    matched_versions: list[str] = field(default_factory=list)  # versioned names ("sd3", "gpt4.5") the top passages have
    about_the_field: bool = True  # names something the digests write or uses a word of AI news (see `index.topics`)


@dataclass
class SearchResult:
    hits: list[Hit]
    period: Period | None
    period_covered: bool = True
    signals: Signals = field(default_factory=Signals)
    question_terms: list[str] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)  # translations, synonyms and typo fixes of the terms
    calibration: DenseCalibration = MINILM_CALIBRATION  # how to read signals.dense_top
    overview: bool = False  # asks for the gist of a period ("tl;dr of March"), not for a topic
    names_digest: bool = False  # points at a digest ("l'article en anglais"), so it is about the digests
    end_matter: bool = False  # asks what a digest ends with ("liens à la fin ?") and is shown it first


class Searcher:
    """Hybrid search over one loaded index (immutable: a reindex makes a new Searcher)."""

    def __init__(
        self,
        stored: StoredIndex,
        embedder: Embedder,
        lexical: LexicalIndex | None = None,
        expander: Expander | None = None,
        fusion: str = "convex",
    ) -> None:
        self.stored = stored
        self.embedder = embedder
        self.lexical = lexical or LexicalIndex.build(stored.chunks)
        self.expander = expander or default_expander()
        self.fusion = fusion
        self.items = _group_items(stored.chunks)
        self.months = np.array([chunk.month for chunk in stored.chunks])
        self.languages = np.array([chunk.language for chunk in stored.chunks])
        self.covered_months = sorted({entry.month for entry in stored.manifest.digests})
        self.index_of = {chunk.id: i for i, chunk in enumerate(stored.chunks)}
        self.names = self.lexical.names
        self.chunk_tokens = [
            set(self.tokenize(chunk.text)) | set(self.tokenize(" ".join(chunk.section))) for chunk in stored.chunks
        ]
        self.document_frequency = Counter(token for tokens in self.chunk_tokens for token in tokens)
        self.item_tokens = {
            key: set().union(*(self.chunk_tokens[self.index_of[chunk.id]] for chunk in pieces))
            for key, pieces in self.items.items()
        }
        self.vocabulary_by_prefix: dict[str, list[str]] = defaultdict(list)
        for token in self.document_frequency:
            if token.isalpha() and len(token) >= 5:
                self.vocabulary_by_prefix[token[:5]].append(token)
        # Typos of corpus tokens ("pytroch"); not substitutions, which join different stems ("optimus" ~
        # "optimis"), nor other digits ("llama5" is no typo of "llama4").
        self.typos = TypoIndex(self.document_frequency, MIN_TYPO_LENGTH)
        self.topic_words = default_topic_words()
        self.place_terms = set(self.tokenize(" ".join(self.topic_words.places)))
        self.written = WrittenForms(chunk.text + " " + " ".join(chunk.section) for chunk in stored.chunks)
        last_position: dict[str, int] = {}
        for chunk in stored.chunks:
            last_position[chunk.path] = max(last_position.get(chunk.path, 0), chunk.position)
        self.overview = np.array(
            [_overview_weight(chunk, is_last=chunk.position == last_position[chunk.path]) for chunk in stored.chunks],
            dtype=np.float32,
        )
        self.end_matter = [
            (item.kind, end_matter_chunk(item, number, entry.path, entry.title, entry.month, entry.language))
            for entry in stored.manifest.digests
            for number, item in enumerate(entry.end_matter)
        ]
        # Products the digests give versions of ("gpt" of "gpt4.5", "llama" of "llama4").
        self.versioned_products = {split[0] for t in self.document_frequency if (split := _name_and_version(t))}

    def cognates(self, terms: list[str]) -> list[str]:
        """Corpus words standing for unknown question words: typos one edit away
        ("pytroch" ~ "pytorch"), plurals the stemmer keeps ("tpus") and words sharing a long stem
        ("ukrainian" ~ "ukrainien")."""
        found: list[str] = []
        for term in terms:
            if term in self.document_frequency:
                continue
            found.extend(self.typos.neighbours(term))
            if len(term) >= 4 and term.endswith("s") and term[:-1] in self.document_frequency:  # "gpus", "tpus"
                found.append(term[:-1])
            if len(term) >= 6 and term.isalpha():
                found.extend(
                    word
                    for word in self.vocabulary_by_prefix.get(term[:5], ())
                    if _common_prefix(term, word) >= max(6, min(len(term), len(word)) - 2)
                )
        return found

    def alternatives(self, terms: list[str]) -> list[list[str]]:
        """Other forms of the question's words, one group per meaning: translations and
        synonyms from the table, then each unknown word's typo fixes and cognates (a form
        already in a translation group is not counted twice)."""
        groups = self.expander.expand_groups(terms)
        seen = {token for group in groups for token in group}
        for term in terms:
            found = [token for token in self.cognates([term]) + self.nickname_of(term) if token not in seen]
            if found:
                groups.append(found)
                seen.update(found)
        return groups

    def nickname_of(self, token: str) -> list[str]:
        """The digests' names for a versioned nickname ("mj7" -> "midjourney"), through the table."""
        split = _name_and_version(token)
        if not split or token in self.document_frequency:
            return []
        return [name for name in self.expander.expand([split[0]]) if name in self.document_frequency]

    def tokenize(self, text: str) -> list[str]:
        """Tokens as the lexical index has them (names kept whole)."""
        return tokenize(text, self.names)

    def unknown_capitalised(self, text: str, terms: list[str] | None = None) -> list[str]:
        """Words capitalised inside the question ("Amazon's Nova") that no digest mentions.

        A capital mid-sentence is a name; a name the digests never mention is a subject
        they do not cover (typos and cognates aside).
        """
        unknown = []
        # "United States" as one term; `terms` are the text's tokens when the caller has them already.
        in_phrases = self.expander.phrase_tokens(self.tokenize(text) if terms is None else terms)
        for match in _capitalised_inside(text):
            if len(match.group()) <= 2 and match.group().isupper():  # "our HR team", "PR", not "SB 1047"
                continue
            if EXAMPLE_BEFORE.search(text[: match.start()]):  # "la boîte qui fait les IDE genre IntelliJ"
                continue
            tokens = self.tokenize(match.group())
            if tokens and not any(self._known(t) or t in in_phrases for t in tokens):
                unknown.append(match.group())
        return unknown

    def unknown_subjects(self, text: str) -> list[str]:
        """Words in a company's or product's place ("did suno drop…", "Perplexity a levé…") that no digest
        writes, nor the table translates ("fb" is Facebook): a stem is not enough ("Cohere", "cohérence")."""
        unknown = [_as_written(subject, text) for subject in named_subjects(text) if not self._covers_subject(subject)]
        # "Hume AI's voice thing": a company suffix after a word the digests never write ("Gen AI" is genAI).
        for word, name in branded_names(text):
            joined = name.replace(" ", "")
            if not (
                self._covers_subject(word)
                or self.topic_words.mentioned_in(f"{word} {joined}")
                or self.typos.neighbours(word)
            ):
                unknown.append(_as_written(name, text))
        # "poolside vs mistral": set against a name the digests write, the other word is a name too
        # ("open source vs closed" compares no names).
        for pair in compared_pairs(text):
            for word, other in (pair, pair[::-1]):
                if (
                    self.written.is_name(other)
                    and not self.written.mentions(word)
                    and not any(map(self._known, self.tokenize(word)))
                ):
                    unknown.append(_as_written(word, text))
        return unknown

    def _covers_subject(self, subject: str) -> bool:
        if " " in subject:  # "black forest labs": most of its words unknown in any form ("big tech" is not)
            words = subject.split()
            strange = [word for word in words if not any(map(self._known_anyhow, self.tokenize(word)))]
            return 2 * len(strange) <= len(words)
        tokens = self.tokenize(subject)
        return not tokens or self.written.mentions(subject) or bool(self.expander.expand(tokens))

    def _reports_figures_of(self, period: Period | None) -> bool:
        """Whether a digest of the year after the period exists ("how much did nvidia earn in 2019?"
        has none: no digest covers it, and none reports it)."""
        if period is None:
            return False
        return any(period.end < month <= shift_month(period.end, 12) for month in self.covered_months)

    def question_terms(self, question: str) -> list[str]:
        """The question's tokens, less its chatter when the rest asks for a recap: "tldr of March? my
        manager wants it for monday's standup" asks for March's recap; the second sentence says who for,
        in words no digest knows. Only then: "qwen 3 ? il paraît qu'il bat llama 4" keeps its first
        sentence, and "tldr of the oscars?" its only one."""
        sentences = [self.tokenize(sentence) for sentence in _SENTENCE_BREAK.split(question)]
        if len(sentences) == 1:  # most questions: the one sentence is the question
            return sentences[0]
        asked = [tokens for tokens in sentences if not self._is_chatter(tokens)]
        if asked and len(asked) < len(sentences) and not any(_topic_words(tokens) for tokens in asked):
            return [token for tokens in asked for token in tokens]
        return self.tokenize(question)

    def asked_terms(self, question: str) -> list[str]:
        """The terms of the question, after a story told before it ("marketing person here - we tried…. is
        there a tool…?"); a clarification after it ("… ? genre pour les petites langues") still belongs to it."""
        sentences = [sentence for sentence in _SENTENCE_BREAK.split(question) if sentence.strip()]
        first = next((i for i, sentence in enumerate(sentences) if sentence.rstrip().endswith("?")), 0)
        return [token for sentence in sentences[first:] for token in self.tokenize(sentence)] if first else []

    def _is_chatter(self, tokens: list[str]) -> bool:
        words = _topic_words(tokens)
        return bool(words) and not any(map(self._known_anyhow, words))

    def _known_anyhow(self, token: str) -> bool:
        """Known to the digests in any form, a misspelling included."""
        return self._known(token) or bool(self.typos.neighbours(token))

    def _known(self, token: str) -> bool:
        return token in self.document_frequency or bool(self.expander.expand([token]) or self.cognates([token]))

    def idf(self, token: str) -> float:
        count = self.document_frequency.get(token, 0)
        total = len(self.chunk_tokens)
        return math.log(1 + (total - count + 0.5) / (count + 0.5))

    @property
    def newest_month(self) -> str | None:
        return self.covered_months[-1] if self.covered_months else None

    def search(self, question: str, k: int) -> SearchResult:
        """The k best news items for a question, best first, with the period understood."""
        parsed = parse_period(question, self.newest_month)
        terms = self.question_terms(parsed.remainder)
        topic = set(_topic_words(terms))
        if parsed.measured and topic and self._reports_figures_of(parsed.period):
            # "how much cheaper from 2022 to 2024?": a figure the next year's digests may report.
            parsed = replace(parsed, period=None, explicit=False)
        result = SearchResult(
            hits=[], period=parsed.period, question_terms=terms, calibration=self.embedder.calibration
        )
        if parsed.period and not any(parsed.period.contains(m) for m in self.covered_months):
            result.period_covered = False
            return result
        if not self.stored.chunks:
            return result
        dense = self.dense_scores(self.embedder.encode_query(question))
        alternatives = self.alternatives(terms)
        result.expansions = list(dict.fromkeys(token for group in alternatives for token in group))
        expansion_weight = np.where(
            self.languages == detect_language(question), EXPANSION_WEIGHT, OTHER_LANGUAGE_EXPANSION_WEIGHT
        ).astype(np.float32)
        lexical = self.lexical.scores(terms) + expansion_weight * self.lexical.best_of(alternatives)
        asked = self.asked_terms(parsed.remainder)
        if asked:  # "marketing person here - we tried… is there a newer tool that keeps the same character?"
            lexical = lexical + ASKED_WEIGHT * (
                self.lexical.scores(asked) + expansion_weight * self.lexical.best_of(self.alternatives(asked))
            )
        result.overview = not topic
        if result.overview:  # "what happened in March?", "tl;dr of April": the digests' summaries answer,
            # and passages that happen to use the question's words ("gros", "horizon") do not; closeness
            # in meaning only breaks ties (with MiniLM it mostly measures the question's language).
            fused = OVERVIEW_BONUS * self.overview + OVERVIEW_DENSE_SHARE * self.fuse(dense, np.zeros_like(lexical))
        else:
            fused = self.fuse(dense, lexical)
        language = named_digest_language(question)
        result.names_digest = language is not None
        if language:  # "the English article": its passages first, the others kept behind
            fused = np.where(self.languages == language, fused, fused * OTHER_LANGUAGE_FACTOR)
        if parsed.period:
            in_period = (self.months >= parsed.period.start) & (self.months <= parsed.period.end)
            factor = OUT_OF_PERIOD_FACTOR if parsed.explicit else OUT_OF_RELATIVE_PERIOD_FACTOR
            fused = np.where(in_period, fused, fused * factor)
        elif self.covered_months and self.fusion == "convex":  # measured on that scale; the other modes are baselines
            fused = np.where(self.months == self.covered_months[-1], fused * NEWEST_MONTH_FACTOR, fused)
        result.hits = self.top_items(fused, k)
        result.signals = self._signals(dense, lexical, fused, terms, parsed.remainder, result.hits)
        # "something in march that turns one photo into a video?": a month the digests cover is their timeline.
        result.signals.about_the_field = result.signals.about_the_field or (
            parsed.explicit and parsed.period is not None
        )
        kinds = asked_end_matter(question)
        chunks = [chunk for kind, chunk in self.end_matter if kind in kinds]
        chunks = [chunk for chunk in chunks if parsed.period is None or parsed.period.contains(chunk.month)]
        chunks = [chunk for chunk in chunks if chunk.language == language] if language else chunks
        if chunks:
            words = set(terms) | set(result.expansions)  # "the trends post": "tendances" is in its title
            result.hits = put_first(chunks, result.hits, words, self.tokenize, k)
            result.end_matter = True
        return result

    def dense_scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to every chunk, in store order."""
        total = self.stored.vectors.ntotal
        scores, ids = self.stored.vectors.search(query.reshape(1, -1).astype(np.float32), total)
        out = np.full(total, -1.0, dtype=np.float32)
        out[ids[0]] = scores[0]
        return out

    def fuse(self, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        if self.fusion == "rrf":
            return _rrf(dense) + _rrf(lexical)
        if self.fusion == "dense":
            return dense
        if self.fusion == "lexical":
            return lexical
        top = float(lexical.max()) if len(lexical) else 0.0
        lexical_n = lexical / top if top > 0 else lexical
        return DENSE_WEIGHT * self.embedder.calibration.rescale(dense) + (1 - DENSE_WEIGHT) * lexical_n

    def top_items(self, scores: np.ndarray, k: int) -> list[Hit]:
        """Best-scoring chunk per item, near-duplicates dropped, the k best items merged whole."""
        chosen: dict[str, float] = {}
        chosen_tokens: list[set[str]] = []
        for index in np.argsort(-scores, kind="stable"):
            key = self.stored.chunks[index].item_key
            if key in chosen:
                continue
            tokens = self.chunk_tokens[index]
            if any(_jaccard(tokens, other) >= DUPLICATE_JACCARD for other in chosen_tokens):
                continue
            chosen[key] = float(scores[index])
            chosen_tokens.append(tokens)
            if len(chosen) >= k:
                break
        return [Hit(chunk=merge_item(self.items[key]), score=score) for key, score in chosen.items()]

    def _signals(
        self,
        dense: np.ndarray,
        lexical: np.ndarray,
        fused: np.ndarray,
        terms: list[str],
        question: str,
        hits: list[Hit],
    ) -> Signals:
        best = int(np.argmax(fused))
        item_tokens = self.item_tokens[self.stored.chunks[best].item_key]
        hit_tokens = set().union(*(self.item_tokens[hit.chunk.item_key] for hit in hits))
        unique_terms = set(terms)
        found = {
            t
            for t in unique_terms
            if t in item_tokens or item_tokens.intersection(self.expander.expand([t]) + self.cognates([t]))
        }
        for phrase, translations in self.expander.phrases(terms):  # "traitement du langage" ~ "NLP"
            if item_tokens & translations:
                found |= phrase
        # Weighted by rarity: matching "GPT-4.5" says more than matching "model"; a term
        # no digest contains at all ("sourdough") weighs the most. "cartoon-style" is counted by its
        # words, not also as "cartoonstyle", which no digest writes.
        joined = {
            word.replace("-", "") for word in WORD.findall(fold(question).lower()) if "-" in word and word.isascii()
        }
        counted = {t for t in unique_terms if not (t in joined and t not in self.document_frequency and t.isalpha())}
        total = sum(self.idf(t) for t in counted)
        coverage = sum(self.idf(t) for t in found & counted) / total if total else 0.0
        unknown_versions = [
            t
            for t in unique_terms
            if t not in self.document_frequency
            and _looks_like_name(t)
            and not self.typos.neighbours(t)
            and not self.nickname_of(t)
            and self._is_product_version(t, question)
        ]
        unknown_names = _distinct(
            [_with_name_before(_as_written(t, question), question) for t in unknown_versions]
            + self.unknown_capitalised(question, terms)
            + self.unknown_subjects(question)
        )
        matched_versions = sorted(t for t in unique_terms if _looks_like_name(t) and t in hit_tokens)
        return Signals(
            dense_top=float(dense.max()),
            lexical_top=float(lexical.max()),
            coverage=coverage,
            matched_terms=len(found),
            unknown_names=unknown_names,
            matched_versions=matched_versions,
            about_the_field=bool(matched_versions) or self.is_about_the_field(question, terms),
        )

    def is_about_the_field(self, question: str, terms: list[str]) -> bool:
        """Whether a question uses a word of AI news, or names something the digests write: as a name
        ("Lyon", "PyTorch", misspelt "pytroch" too), through the table ("hf", "sklearn"), as a compound
        ("scikit-learn"), or as an abbreviation in capitals ("the EU")."""
        if self.topic_words.mentioned_in(question) or _ABBREVIATION.search(question):
            return True
        # A place is the subject only when the question is about nothing else ("what's going on in China?"):
        # in "the weather in Paris this weekend" it says where.
        places_count = all(term in self.place_terms for term in _topic_words(terms))
        # Capitalised inside the question and written as a name by the digests, even if also as a common word
        # ("Atelier Quantique": "atelier" and "quantique" are French words too).
        for match in _capitalised_inside(question):
            words = [
                word for word in WORD.findall(fold(match.group()).lower()) if len(word) > 1 and not is_stop_word(word)
            ]
            if any(
                self.written.is_name(word) and (places_count or not self.topic_words.is_place(word)) for word in words
            ):
                return True  # not "I" in "where can I watch…"
        for word in WORD.findall(fold(question).lower()):
            if self.topic_words.is_place(word) and not places_count:
                continue
            forms = [word, *word.split("-"), *(n for n in self.written.typos.neighbours(word) if n != word + "s")]
            if not self.written.mentions(word):  # a nickname ("hf"), not a word the table translates ("banque": "Bank")
                forms += [part for other in self.expander.other_forms(word) for part in WORD.findall(other)]
            if any(len(form) >= 2 and not is_stop_word(form) and self.written.is_proper_name(form) for form in forms):
                return True
            if "-" in word and word in self.written.words:  # "scikit-learn", "o4-mini": a product, however written
                return True
        return any(
            (term in self.names or self.nickname_of(term)) and (places_count or term not in self.place_terms)
            for term in terms
        )

    def _is_product_version(self, token: str, question: str) -> bool:
        """Whether a versioned token names a product release ("GPT-7", "qwen3", "grok 4").

        Written as one word it does; written as a word then a number ("single 4090",
        "sklearn 1.7", "coupe du monde 2018") only if the digests give versions of that word,
        or if no digest knows the word and the number reads as a version ("qwen 3").
        """
        written_as_one_word = any(token in self.tokenize(word) for word in question.split())
        split = _name_and_version(token)
        if not split:
            return written_as_one_word
        name, number = split
        # A version is one digit or a decimal: not a count ("top 5"), a year or a model number ("4090");
        # a year after a word no digest knows dates an event they do not cover ("neurips 2024").
        unknown_then_version = (
            (_VERSION_NUMBER.fullmatch(number) is not None or YEAR_NUMBER.fullmatch(number) is not None)
            and not _is_counting_word(name)
            and not any(self._known(t) for t in self.tokenize(name))
        )
        return written_as_one_word or name in self.versioned_products or unknown_then_version


# A capitalised word, with the number that may follow it ("Qwen 3", "SB 1047").
_CAPITALISED = re.compile(r"(?<!\w)[A-Z][\w-]*(?:\s\d+(?:\.\d+)*\b)?")
_PRODUCT_VERSION = re.compile(r"([a-z]+)\d")
_VERSION_NUMBER = re.compile(r"\d(\.\d{1,2})?|\d{1,2}\.\d{1,2}")
YEAR_NUMBER = re.compile(r"(19|20)\d{2}")
# Words a small number follows without naming a product ("top 5", "page 2", "saison 3"), as tokenized.
COUNTING_WORDS = frozenset(
    tokenize(
        "top page pages part step round episode season chapter level number vol volume tome "
        "partie étape épisode saison chapitre niveau numéro"
    )
)
_SENTENCE_END_BEFORE = re.compile(r"[.!?]\s*$")
_ABBREVIATION = re.compile(r"(?<![\w-])[A-Z]{2,5}s?(?![\w-])")  # "EU", "UK", "LLMs"
# Words that ask for the gist rather than a topic: a question made only of these (and a
# period) is answered from the digests' summaries.
OVERVIEW_TERMS = frozenset(
    tokenize(
        "summary summarize summarise sum recap overview highlights highlight big picture main key things overall "
        "tldr tl dr gist rundown roundup round up wrap takeaways takeaway vibe vibes nutshell quick brief briefly short "
        "top biggest "
        # How short the answer should be ("one line pls", "en une phrase", "in a few words").
        "line lines sentence sentences phrase phrases paragraph paragraphs word words few "
        "ligne paragraphe paragraphes mot mots quelques point points vite quickly "
        "developments headlines updates announcements happenings events "
        "annonces nouveautés événements temps forts "
        "résumé résumer résume récap synthèse bilan essentiel retenir principaux principales faits marquants grandes "
        "lignes gros bref rapide rapidement tour horizon ambiance petit petite little côté "
        # Why the member asks for a recap ("i was offline the whole month", "j'ai rien suivi avec les vacances").
        "missed miss offline away holiday holidays vacation busy catch whole idea clue basically "
        "rien suivi suivre rate loupe manque absent deconnecte vacances rattraper idee "
        # Who it is for ("need 2-3 lines for our staff newsletter", "pour la réunion d'équipe").
        "newsletter newsletters staff team teams equipe equipes slide slides deck meeting meetings reunion reunions "
        "standup boss manager managers patron chef collegues colleagues coworkers presentation"
    )
)


def _capitalised_inside(text: str) -> Iterator[re.Match[str]]:
    """Capitalised words not at a sentence's start, where a capital says nothing."""
    for match in _CAPITALISED.finditer(text):
        if match.start() and not _SENTENCE_END_BEFORE.search(text[: match.start()]):
            yield match


def _topic_words(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in OVERVIEW_TERMS and not _is_count(t)]


_SENTENCE_BREAK = re.compile(r"(?<=[?!.;])\s+")
_OVERVIEW = re.compile(
    r"^(synth[eè]se|summary|overview|r[ée]sum[ée]|en bref|highlights|key takeaways|conclusion)", re.I
)


# A paragraph that says it sums up, wherever it stands ("En synthèse, l'écosystème…").
_SUMMING_UP = re.compile(
    r"^(en (synth[eè]se|r[ée]sum[ée]|conclusion|bref|somme)|somme toute|pour (conclure|r[ée]sumer)|"
    r"in (summary|conclusion|short|sum|a nutshell)|all in all|to (sum up|summari[sz]e|conclude)|overall)\b",
    re.I,
)


def _overview_weight(chunk: Chunk, is_last: bool = False) -> float:
    """How well a passage answers "recap of March" (share of the overview bonus).

    Best, a section the digest titles as its summary, its first paragraph first; then an
    untitled opening paragraph, or a paragraph summing up the digest (at top level or at the
    very end, not one item's own "en synthèse"); anything else not at all.
    """
    if chunk.section and _OVERVIEW.match(chunk.section[0]):
        return 1.0 if chunk.position == 0 else 0.9
    if chunk.position == 0:
        return 0.8
    if _SUMMING_UP.match(chunk.text) and (len(chunk.section) <= 1 or is_last):
        return 0.8
    return 0.0


# "10m tokens", "405b", "24gb", "6-month", "3d": a number, then its unit or what it counts, is a
# quantity, not a name (product names start with a letter: "gpt7", "o3", "v7").
_QUANTITY = re.compile(r"\d+(?:[.,]\d+)?[a-z]+")


def _as_written(token: str, text: str) -> str:
    """The question's own spelling of a folded word or a joined name ("perplexity" -> "Perplexity",
    "gpt7" -> "GPT-7"), to quote it back."""
    split = _name_and_version(token)
    pattern = (
        rf"\b{re.escape(split[0])}[\s-]?{re.escape(split[1])}\b" if split else rf"(?<![\w-]){re.escape(token)}(?![\w-])"
    )
    folded = fold(text)
    match = re.search(pattern, folded)
    # Folding keeps one character per letter here (names are ASCII or accented letters), so offsets match.
    return text[match.start() : match.end()] if match and len(folded) == len(text) else token


# A version too short to name anything by itself ("N2", "v7"), and the word before it.
_BARE_VERSION = re.compile(r"[A-Za-z]{1,2}\d+(?:\.\d+)?")


def _with_name_before(written: str, text: str) -> str:
    """A bare version with the name it belongs to ("groot n2", not "n2"), to quote it back."""
    if not _BARE_VERSION.fullmatch(written):
        return written
    match = re.search(rf"(?<![\w'’-])([\w-]+)\s+{re.escape(written)}(?![\w-])", text)  # not the "s" of "meta's"
    if match and tokenize(match.group(1)):
        return f"{match.group(1)} {written}"
    return written


def _distinct(names: list[str]) -> list[str]:
    """Each name once, ignoring case; "Qwen" is dropped beside "Qwen 3"."""
    kept: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        if not any(fold(other).startswith(fold(name)) for other in kept):
            kept.append(name)
    return sorted(kept, key=lambda name: names.index(name))


def _is_count(token: str) -> bool:
    """A bare number or a counted word ("5", "top5" of "top 5"): says how many, not about what."""
    split = _name_and_version(token)
    return token.isdigit() or bool(split and _is_counting_word(split[0]) and split[1].isdigit())


def _name_and_version(token: str) -> tuple[str, str] | None:
    """A joined token's word and what follows it ("qwen3" -> ("qwen", "3")), or None."""
    match = _PRODUCT_VERSION.match(token)
    return (match.group(1), token[match.end(1) :]) if match else None


def _is_counting_word(word: str) -> bool:
    """Whether a word counts things, in any of its forms ("page" of "page2" is stemmed "pag")."""
    return bool(COUNTING_WORDS.intersection(tokenize(word)))


def _looks_like_name(token: str) -> bool:
    """A product name with a version ("gpt7", "qwen3"), not a year, a plain number or a quantity."""
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token) and not _QUANTITY.fullmatch(token)


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return size


def _rrf(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _group_items(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    items: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        items[chunk.item_key].append(chunk)
    return items


def merge_item(pieces: list[Chunk]) -> Chunk:
    """The whole news item as one passage (a single piece is returned as is)."""
    if len(pieces) == 1:
        return pieces[0]
    first = pieces[0]
    return Chunk(
        id=first.id,
        path=first.path,
        digest_title=first.digest_title,
        month=first.month,
        language=first.language,
        section=first.section,
        text=" ".join(piece.text for piece in pieces),
        links=unique_links(link for piece in pieces for link in piece.links),
        position=first.position,
        block=first.block,
    )
