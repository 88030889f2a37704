"""When a digest is from and what it is called, when its text does not say so in front matter.

Members write digests every way: YAML front matter, a dated Markdown title, a plain-text first
line ("Actualités IA — décembre 2024"), a dated file name. The month is taken from the most
explicit place that gives one; the file's modification time, which says when it was copied
rather than what it covers, only when nothing else does.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from . import clean
from .dates import find_month_year, month_key

# A line ending with one of these is a sentence or a list item, not a title.
SENTENCE_END = '.!?:;,…)]»"'


def title_lines(body: str) -> tuple[str, str]:
    """A plain-text digest's title ("Actualités IA — décembre 2024") and the body without it: the first
    paragraph, when each of its lines is short and ends without a full stop (a title, then maybe a subtitle)."""
    paragraph = body.lstrip().split("\n\n", 1)
    lines = [stripped for line in paragraph[0].splitlines() if (stripped := line.strip(" #*"))]
    if not lines or len(lines) > 3 or not all(_reads_as_title(line) for line in lines):
        return "", body
    return clean.clean_heading(lines[0]), paragraph[1] if len(paragraph) > 1 else ""


def _reads_as_title(line: str) -> bool:
    return bool(line) and len(line) <= 100 and len(line.split()) <= 14 and line[-1] not in SENTENCE_END


# "2024-12_veille.txt", "digest_202412.md": a year then a month in the file name.
_YEAR_MONTH_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])(?!\d)")
# Where a digest without front matter or a dated title usually says its month: its first lines.
OPENING_CHARS = 600


def find_month(front: dict, title: str, headings: list[str], path: Path, body: str) -> tuple[str, str]:
    """The month a digest covers, from the most to the least explicit place that gives one."""
    value = front.get("date")
    if isinstance(value, (date, datetime)):
        return month_key(value.year, value.month), "front_matter"
    if isinstance(value, str):
        match = re.match(r"(\d{4})-(\d{1,2})", value.strip())
        if match and 1 <= int(match.group(2)) <= 12:  # "2025-13-45" (not a date, so a string) is no month
            return month_key(int(match.group(1)), int(match.group(2))), "front_matter"
    for source, text in [("title", title), *(("heading", heading) for heading in headings[:3])]:
        found = find_month_year(text)
        if found:
            return found, source
    named = _YEAR_MONTH_IN_NAME.search(path.stem)
    if named:
        return month_key(int(named.group(1)), int(named.group(2))), "file_name"
    found = find_month_year(body[:OPENING_CHARS])
    if found:
        return found, "opening"
    modified = datetime.fromtimestamp(path.stat().st_mtime)
    return month_key(modified.year, modified.month), "mtime"
