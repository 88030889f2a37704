"""👍/👎 on answers, appended to a JSONL file maintainers can read with any tool."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from index import Answer


class FeedbackLog:
    """Appends one JSON object per vote; safe to call from several worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, answer: Answer, vote: str, user_id: int, answer_id: str) -> dict:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "vote": vote,
            "answer_id": answer_id,
            "user_id": str(user_id),
            "question": answer.question,
            "answer": answer.text,
            "abstained": answer.abstained,
            "sources": [
                {
                    "digest": hit.chunk.path,
                    "month": hit.chunk.month,
                    "section": hit.chunk.section_label,
                    "score": round(hit.score, 4),
                }
                for hit in answer.sources
            ],
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(line)
        return entry
