"""Word by word: the insertions and deletions that turn one text into another.

Pure functions over two strings. Texts are split into words, single punctuation marks and runs of white space, so
the parts joined give back the text exactly; paragraphs that did not change are not examined word by word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

SAME, INSERTED, DELETED = "same", "ins", "del"
# Words, single punctuation marks and runs of white space; joined, the parts give back the text exactly.
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_PARAGRAPH = re.compile(r"(\n[ \t]*\n\s*)")
# A changed stretch of text that keeps less than this share of the shorter side's words is shown as replaced.
REWRITTEN_SHARE = 0.4


@dataclass(frozen=True)
class Part:
    """A piece of a text: unchanged, inserted or deleted."""
    op: str
    text: str


def word_diff(old: str, new: str) -> tuple[Part, ...]:
    """Word-level insertions and deletions that turn old into new; unchanged paragraphs are not re-examined."""
    old_paragraphs, new_paragraphs = _PARAGRAPH.split(old), _PARAGRAPH.split(new)
    parts: list[Part] = []
    matcher = SequenceMatcher(None, old_paragraphs, new_paragraphs, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(Part(SAME, "".join(old_paragraphs[i1:i2])))
        elif i2 - i1 == j2 - j1:  # as many paragraphs on each side: compare them pair by pair (much cheaper)
            for old_paragraph, new_paragraph in zip(old_paragraphs[i1:i2], new_paragraphs[j1:j2]):
                parts.extend(_token_diff(old_paragraph, new_paragraph))
        else:
            parts.extend(_token_diff("".join(old_paragraphs[i1:i2]), "".join(new_paragraphs[j1:j2])))
    return _tidy(parts)


def _token_diff(old: str, new: str) -> list[Part]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    kept = sum(1 for op, i1, i2, _j1, _j2 in opcodes if op == "equal" for t in a[i1:i2] if not t.isspace())
    words = min(sum(1 for t in a if not t.isspace()), sum(1 for t in b if not t.isspace()))
    if words and kept < REWRITTEN_SHARE * words:
        # Mostly rewritten: a few shared words ("med", "för") would only chop it up; show old, then new.
        return [Part(DELETED, old), Part(INSERTED, new)]
    parts = []
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            parts.append(Part(SAME, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(Part(DELETED, "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(Part(INSERTED, "".join(b[j1:j2])))
    return parts


def _tidy(parts: list[Part]) -> tuple[Part, ...]:
    """One deletion and one insertion per run of changes: white space between two changes joins the run,
    so "a b" → "x y" reads as [a b][x y] rather than [a][x] [b][y]."""
    result: list[Part] = []
    deleted, inserted, pending_space = "", "", ""

    def flush():
        nonlocal deleted, inserted
        if deleted:
            result.append(Part(DELETED, deleted))
        if inserted:
            result.append(Part(INSERTED, inserted))
        deleted = inserted = ""

    for part in parts:
        if part.op == SAME and not part.text:
            continue
        if part.op == SAME:
            if part.text.isspace() and (deleted or inserted):
                pending_space += part.text
                continue
            flush()
            result.append(Part(SAME, pending_space + part.text))
            pending_space = ""
            continue
        if pending_space:
            deleted += pending_space if deleted else ""
            inserted += pending_space if inserted else ""
            pending_space = ""
        if part.op == DELETED:
            deleted += part.text
        else:
            inserted += part.text
    flush()
    if pending_space:
        result.append(Part(SAME, pending_space))
    merged: list[Part] = []
    for part in result:
        if merged and merged[-1].op == part.op:
            merged[-1] = Part(part.op, merged[-1].text + part.text)
        else:
            merged.append(part)
    return tuple(merged)
