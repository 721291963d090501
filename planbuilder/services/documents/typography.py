"""User text made ready for print: links, tokens that must not be split, and hyphenation the dictionary gets wrong.

`printed` is the document environment's filter for every user text the plan prints. It cuts a text into plain
text, links and unbreakable tokens and returns Markup assembled from escaped pieces only, so user text stays
inert: nothing it contains becomes a tag or an attribute. The link targets it writes are http(s) and mailto
only, and WeasyPrint writes links as annotations, never fetching them.

- E-mail addresses and URLs become links and are never hyphenated; when one must break, it breaks after
  "@", "/" or "." (a zero-width space there), without a hyphen.
- Phone numbers, dates, times and case numbers ("KS 2026/0142", "27.00.00-P22-4-26") never break at all.
- Words pyphen's dictionary splits wrongly ("socialp-sykiatrien") may break only where hyphenation/<lang>.txt
  says, marked with soft hyphens in a span of their own: a soft hyphen turns automatic hyphenation off for
  the whole text box it is in, so the span keeps the rest of the paragraph hyphenated as before.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

HYPHENATION_DIR = Path(__file__).with_name("hyphenation")
SOFT_HYPHEN = "\u00ad"
BREAK_HERE = "\u200b"  # zero-width space: a line may break here, and nothing is drawn or hyphenated

_TLDS = "se|no|dk|fi|is|eu|nu|com|org|net|info|int|gov|edu|de|uk"
_DAY_MONTH = r"\d{1,2}\.?[ \u00a0][^\W\d_]{3,10}\.?[ \u00a0]\d{4}"
_TOKENS = re.compile(
    r"(?P<email>(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b)"
    r"|(?P<url>\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+"
    rf"|(?<![\w@.-])(?:[\w-]+\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?)"
    # dates and times: 30.06.2026, 2026-06-30, 30/6 2026, 08.00–15.30, 12 mars 2026
    r"|(?P<date>(?<![\w.])(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[.:]\d{2}(?:\s?[–-]\s?\d{1,2}[.:]\d{2})?|" + _DAY_MONTH + r")(?!\w|[./-]\w))"
    # phone numbers: at least two groups and six digits (12 34 50 00, 0123-45 67 30, +47 12 34 50 00)
    r"|(?P<phone>(?<![\w/.-])(?:\+\d{2,3}[ \u00a0])?\d{2,4}(?:[ \u00a0-]\d{2,4}){1,4}(?![\w/-])(?!\.\d))"
    # case numbers: digits joined by / . - (2026/318, 27.00.00-P22-4-26), with an optional short prefix (KS, Dnr)
    r"|(?P<case>(?<![\w/.-])(?:(?:[A-ZÅÄÖÆØ]{1,4}|[Dd]nr)\.?[ \u00a0])?"
    r"[A-Z]{0,3}\d+(?:[/.-][A-Za-z]{0,3}\d+)+(?![\w/-]))"
    # a section of a law or of the minutes: "§ 115", "§ 12 b", "§§ 3-3 a", "KF § 42" (never "§" alone at a line end)
    r"|(?P<paragraph>§{1,2}[ \u00a0]?\d+(?:[ \u00a0-]\d+)?(?:[ \u00a0][a-z](?![\w]))?)"
)
_TRAILING = ".,;:!?)]}»”’'\""
_URL_BREAKS = re.compile(r"(?<=[@/.])(?=[^/])")


def _trim(token: str) -> tuple[str, str]:
    """A link's trailing punctuation belongs to the sentence ("see ekdala.se."), not to the address."""
    stripped = token.rstrip(_TRAILING)
    if stripped.count("(") > stripped.count(")") and token[len(stripped):].startswith(")"):
        stripped += ")"
    return stripped, token[len(stripped):]


def link_target(kind: str, text: str) -> str | None:
    """The href of a link: mailto for an address, https for an address without its scheme; else None."""
    if kind == "email":
        return f"mailto:{text}"
    if text.lower().startswith(("http://", "https://")):
        return text
    return f"https://{text}"


def _breakable(text: str) -> Markup:
    """Breaks after @ / . only: each becomes a place a too-long address may wrap, without a hyphen. The parts
    between are kept whole, since a line would otherwise also break after a "-" in them, and pdftotext (like a
    reader copying the text) then takes that "-" for a hyphen and drops it."""
    return Markup(BREAK_HERE).join(Markup('<span class="nobreak">{}</span>').format(part) if "-" in part
                                   else escape(part) for part in _URL_BREAKS.split(text))


def _token(kind: str, text: str) -> Markup:
    if kind in ("email", "url"):
        href = link_target(kind, text)
        return Markup('<a class="link" href="{}">{}</a>').format(href, _breakable(text))
    return Markup('<span class="nobreak">{}</span>').format(text)


@lru_cache(maxsize=16)
def hyphenation_exceptions(language: str) -> tuple[re.Pattern | None, dict[str, str]]:
    """The language's words with their allowed break points: (a pattern finding them, letters -> marked form).

    hyphenation/<lang>.txt lists one word or word start a line, "-" where it may break ("social-psykiatri"
    also covers "socialpsykiatrien"); a word with no "-" is never hyphenated. "#" starts a comment.
    """
    path = HYPHENATION_DIR / f"{language}.txt"
    if not path.is_file():
        return None, {}
    marked: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            marked[entry.replace("-", "").casefold()] = entry
    if not marked:
        return None, {}
    starts = "|".join(re.escape(word) for word in sorted(marked, key=len, reverse=True))
    return re.compile(rf"\b(?:{starts})\w*", re.IGNORECASE), marked


def _hyphenated(match: re.Match, marked: dict[str, str]) -> Markup:
    """A listed word, kept whole. Marking its break points with soft hyphens would be nicer type, but WeasyPrint
    then maps the font's one hyphen glyph to the soft hyphen, and copy-paste and pdftotext drop every hyphen of
    the document ("SSP-styregruppen" came out as "SSPstyregruppen", a URL lost its "-")."""
    return Markup('<span class="hyphens-manual">{}</span>').format(match.group(0))


def _plain(text: str, language: str) -> Markup:
    pattern, marked = hyphenation_exceptions(language)
    if pattern is None:
        return escape(text)
    out, at = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[at:match.start()]), _hyphenated(match, marked)]
        at = match.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def printed(text: object, language: str = "") -> Markup:
    """User text as the document prints it: escaped, with links, unbreakable tokens and hyphenation fixes."""
    text = "" if text is None else str(text)
    out, at = [], 0
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup or ""
        token, rest = _trim(match.group(0)) if kind == "url" else (match.group(0), "")
        out += [_plain(text[at:match.start()], language), _token(kind, token), escape(rest)]
        at = match.end()
    out.append(_plain(text[at:], language))
    return Markup("").join(out)


def longest_unbreakable(text: str, hyphenated_word: int = 10) -> int:
    """The most characters of the text that must stand on one line: a date, number or case number whole, an
    address between its break points; a plain word counts at most `hyphenated_word`, as hyphenation splits it."""
    longest = 0
    for match in _TOKENS.finditer(text):
        token = match.group(0)
        pieces = _URL_BREAKS.split(token) if match.lastgroup in ("email", "url") else [token]
        longest = max(longest, *(len(piece) for piece in pieces))
    words = (len(word) for word in _TOKENS.sub(" ", text).split())
    return max(longest, min(hyphenated_word, max(words, default=0)))
