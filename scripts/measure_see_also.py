"""Where to put the "see also" floor: for each answerable question of a pool, the passages ranked below
those the answer cites, right (holding the expected fragment) or wrong, by their share of the best score.

    .venv/bin/python scripts/measure_see_also.py --data DIR --dataset tests/fixtures/eval/heldout.jsonl

DIR holds digests/ (a copy of tests/fixtures/digests); the index is built there if missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from index import NewsService, load_cases
from index.evaluation import first_right_rank
from index.settings import IndexSettings

FLOORS = (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, required=True)
    args = parser.parse_args()
    service = NewsService(IndexSettings(_env_file=None, data_dir=args.data))
    service.load()
    right: list[float] = []
    wrong: list[float] = []
    for case in load_cases(args.dataset):
        if not case.answerable:
            continue
        answer = service.ask(case.question)
        if answer.abstained or not answer.retrieved:
            continue
        best = answer.retrieved[0].score or 1.0
        cited = max(answer.cited_numbers, default=0)
        rank = first_right_rank(answer, case)
        for position, hit in enumerate(answer.retrieved, start=1):
            if position > cited:
                (right if position == rank else wrong).append(hit.score / best)
    print(f"{len(right)} right and {len(wrong)} wrong passages ranked below the cited ones")
    print("floor   right kept   wrong dropped")
    for floor in FLOORS:
        kept = sum(share >= floor for share in right) / max(1, len(right))
        dropped = sum(share < floor for share in wrong) / max(1, len(wrong))
        print(f"{floor:5.2f}   {kept:10.2f}   {dropped:13.2f}")


if __name__ == "__main__":
    main()
