"""Seeded synthetic digests shaped like the real ones (tests/fixtures/digests), for scale benchmarks.

    .venv/bin/python -m benchmarks.corpus --digests 1000 --out /tmp/newsbot-bench/corpus-1000 [--seed 23]

Writes DIR/digests/NNNN_<hash>.md|txt. Three layouts, as in the fixtures: YAML front matter over
Markdown `###`/`####` headings with numbered bold items (English); a plain-text French "Veille IA –
<mois> <année>" with a bold-led bullet list; a Markdown `#`/`##` digest with bullets and inline
`([title](url))` links, French or English. One digest a week from 2019-01-07, so 1000 digests span
19 years and several digests share a month. Company and product names come from a seeded syllable
vocabulary plus the fixtures' real names. Digest i depends only on (seed, i): the N-digest corpus
is a prefix of the N+1-digest one, and the same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

FIRST_WEEK = date(2019, 1, 7)
REAL_COMPANIES = ["OpenAI", "Meta", "Mistral", "Google DeepMind", "Anthropic", "Hugging Face", "Nvidia", "Runway"]
SYLLABLES = ["va", "lo", "qui", "rex", "tor", "na", "mi", "zen", "ka", "dra", "sol", "vi", "ne", "ori", "pha", "lum"]
SUFFIXES = ["", "", " AI", " Labs", " Systems", " Robotics", "ics", "ia"]
PRODUCT_STEMS = ["Nova", "Atlas", "Spark", "Echo", "Pulse", "Vega", "Orbit", "Flux", "Prism", "Helix", "Quill", "Lyra"]
TOPICS_EN = ["language models", "image generation", "robotics", "AI regulation", "open-source frameworks", "chips"]
TOPICS_FR = ["modèles de langage", "génération d'images", "robotique", "régulation de l'IA", "frameworks open source"]
MONTHS_EN = "January February March April May June July August September October November December".split()
MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()

SENTENCES_EN = [
    "{company} released {product}, a model with {n} billion parameters aimed at {topic}.",
    "According to {company}, {product} beats the previous version by {p}% on standard benchmarks.",
    "The launch of {product} follows months of work by {company} on {topic}.",
    "Analysts expect {company} to ship {product} to enterprise customers within {n} weeks.",
    "{company} also open-sourced the weights of {product} under a permissive licence.",
    "Researchers noted that {product} still struggles with long documents and rare languages.",
    "The update cuts inference costs by {p}% and adds support for a {n}k-token context window.",
]
SENTENCES_FR = [
    "{company} a dévoilé {product}, un modèle de {n} milliards de paramètres dédié à la {topic}.",
    "Selon {company}, {product} dépasse la version précédente de {p} % sur les bancs d'essai usuels.",
    "Le lancement de {product} fait suite à plusieurs mois de travaux de {company} sur les {topic}.",
    "{company} prévoit de proposer {product} aux entreprises d'ici {n} semaines.",
    "{company} a aussi publié les poids de {product} sous une licence permissive.",
    "Les chercheurs notent que {product} peine encore sur les documents longs et les langues rares.",
    "La mise à jour réduit le coût d'inférence de {p} % et gère une fenêtre de contexte de {n}k tokens.",
]
SECTIONS_EN = ["New models and releases", "Tools and frameworks", "Research highlights", "Industry and funding"]
SECTIONS_FR = ["Nouveaux modèles et annonces", "Outils et frameworks", "Recherche", "Industrie et financements"]


@dataclass(frozen=True)
class Vocabulary:
    """The companies and products that digests (and benchmark questions) talk about."""

    companies: tuple[str, ...]
    products: tuple[str, ...]


@lru_cache(maxsize=8)
def vocabulary(seed: int = 23, companies: int = 300, products: int = 900) -> Vocabulary:
    """A seeded vocabulary of made-up company and product names, plus the fixtures' real companies."""
    rng = random.Random(f"vocabulary-{seed}")
    names: dict[str, None] = dict.fromkeys(REAL_COMPANIES)
    while len(names) < companies:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        names[word + rng.choice(SUFFIXES)] = None
    made: dict[str, None] = {}
    while len(made) < products:
        stem = rng.choice(PRODUCT_STEMS) + "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(0, 1)))
        made[f"{stem.capitalize()}-{rng.randint(1, 9)}.{rng.randint(0, 9)}"] = None
    return Vocabulary(tuple(names), tuple(made))


def digest_date(index: int) -> date:
    """Digest `index` covers the week starting on this Monday."""
    return FIRST_WEEK + timedelta(weeks=index)


def _sentence(rng: random.Random, french: bool, company: str, product: str) -> str:
    template = rng.choice(SENTENCES_FR if french else SENTENCES_EN)
    topic = rng.choice(TOPICS_FR if french else TOPICS_EN)
    return template.format(company=company, product=product, topic=topic, n=rng.randint(2, 400), p=rng.randint(3, 60))


def _paragraph(rng: random.Random, french: bool, company: str, product: str, sentences: int) -> str:
    return " ".join(_sentence(rng, french, company, product) for _ in range(sentences))


def _link(rng: random.Random, company: str, product: str) -> str:
    slug = f"{company}-{product}".lower().replace(" ", "-").replace(".", "-")
    return f"https://news.example.com/{rng.randint(2019, 2040)}/{slug}-{rng.randint(100, 999)}"


def _items(rng: random.Random, vocab: Vocabulary, count: int) -> list[tuple[str, str]]:
    return [(rng.choice(vocab.companies), rng.choice(vocab.products)) for _ in range(count)]


def _front_matter_layout(rng: random.Random, vocab: Vocabulary, day: date) -> str:
    """Like fixture 000: YAML front matter, `###` title, numbered bold `####` items, English prose."""
    title = f"AI News – Week of {MONTHS_EN[day.month - 1]} {day.day}, {day.year}"
    lines = ["---", f'title: "{title}"', f"date: {day.isoformat()}", "---", "", f"### {title}", ""]
    lines += [_paragraph(rng, False, *rng.choice(_items(rng, vocab, 1)), 3), ""]
    for number, (company, product) in enumerate(_items(rng, vocab, rng.randint(12, 30)), start=1):
        lines += [f"#### {number}. **{company} {product}**", "", _paragraph(rng, False, company, product, 7), ""]
    lines += ["#### Conclusion", "", _paragraph(rng, False, *_items(rng, vocab, 1)[0], 2), ""]
    return "\n".join(lines)


def _plain_text_layout(rng: random.Random, vocab: Vocabulary, day: date) -> str:
    """Like fixture 001: a plain-text French title line, plain section lines, bold-led bullets."""
    lines = ["", "", f"Veille IA – {MONTHS_FR[day.month - 1].capitalize()} {day.year}, semaine du {day.day}", ""]
    lines += ["Synthèse générale des faits marquants", "", _paragraph(rng, True, *_items(rng, vocab, 1)[0], 6), ""]
    for section in rng.sample(SECTIONS_FR, k=rng.randint(3, 4)):
        lines += [section, ""]
        for company, product in _items(rng, vocab, rng.randint(6, 14)):
            lead = f"**{company} dévoile {product}** – "
            lines += [f"- {lead}{_paragraph(rng, True, company, product, rng.randint(4, 9))}", ""]
    return "\n".join(lines)


def _markdown_layout(rng: random.Random, vocab: Vocabulary, day: date) -> str:
    """Like fixture 002: `#` title, `##` sections, bullets with bold names and inline source links."""
    french = rng.random() < 0.5
    month = (MONTHS_FR if french else MONTHS_EN)[day.month - 1]
    title = f"Veille IA – {month.capitalize()} {day.year}" if french else f"AI Digest – {month} {day.year}"
    lines = [f"# {title} : semaine {day.isocalendar().week}" if french else f"# {title}: week {day.day}", ""]
    for section in rng.sample(SECTIONS_FR if french else SECTIONS_EN, k=rng.randint(3, 4)):
        lines += [f"## {section}  ", ""]
        for company, product in _items(rng, vocab, rng.randint(6, 14)):
            text = _paragraph(rng, french, f"**{company}**", f"**{product}**", rng.randint(4, 8))
            lines += [f"- {text} ([{company} – {product}]({_link(rng, company, product)}))", ""]
    lines += ["## Sources", ""]
    lines += [f"- [{c}]({_link(rng, c, p)})" for c, p in _items(rng, vocab, rng.randint(2, 5))]
    return "\n".join(lines) + "\n"


LAYOUTS = ((_front_matter_layout, "md"), (_plain_text_layout, "txt"), (_markdown_layout, "md"))


def digest(index: int, seed: int = 23) -> tuple[str, str]:
    """The file name and text of digest `index`; depends only on (seed, index)."""
    rng = random.Random(f"digest-{seed}-{index}")
    layout, suffix = LAYOUTS[rng.randrange(len(LAYOUTS))]
    text = layout(rng, vocabulary(seed), digest_date(index))
    tag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{index:04d}_{tag}.{suffix}", text


def write_digest(digests_dir: Path, index: int, seed: int = 23) -> Path:
    """Write digest `index` into `digests_dir`; returns its path."""
    name, text = digest(index, seed)
    path = digests_dir / name
    path.write_bytes(text.encode("utf-8"))
    return path


def write_corpus(out: Path, count: int, seed: int = 23) -> Path:
    """Write digests 0..count-1 into out/digests (created); returns that directory."""
    digests_dir = out / "digests"
    digests_dir.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        write_digest(digests_dir, index, seed)
    return digests_dir


QUESTIONS_EN = [
    "What did {company} release?",
    "What is {product}?",
    "What did {company} announce in {month_en} {year}?",
    "any news about {product} in {month_en} {year}?",
    "What happened in AI in {month_en} {year}?",
    "latest news on {company}?",
]
QUESTIONS_FR = [
    "qu'a annoncé {company} ?",
    "c'est quoi {product} ?",
    "qu'a annoncé {company} en {month_fr} {year} ?",
    "quoi de neuf sur {product} en {month_fr} {year} ?",
    "que s'est-il passé en {month_fr} {year} ?",
    "quelles sont les dernières nouvelles de {company} ?",
]


def questions(count: int, digests: int, seed: int = 23) -> list[str]:
    """`count` questions, half English half French, with and without a month of the corpus, about its
    companies and products (drawn from the same vocabulary, so most have an answer)."""
    rng = random.Random(f"questions-{seed}-{digests}")
    vocab = vocabulary(seed)
    out = []
    for n in range(count):
        day = digest_date(rng.randrange(max(1, digests)))
        template = rng.choice(QUESTIONS_FR if n % 2 else QUESTIONS_EN)
        out.append(
            template.format(
                company=rng.choice(vocab.companies),
                product=rng.choice(vocab.products),
                month_en=MONTHS_EN[day.month - 1],
                month_fr=MONTHS_FR[day.month - 1],
                year=day.year,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    digests_dir = write_corpus(args.out, args.digests, args.seed)
    size = sum(path.stat().st_size for path in digests_dir.iterdir())
    print(f"wrote {args.digests} digests ({size / 1e6:.1f} MB) to {digests_dir}")


if __name__ == "__main__":
    main()
