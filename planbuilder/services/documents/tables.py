"""How a repeating group is laid out on the page: a table whose columns fit what they hold, or one block per row.

The field types' weights (Table.widths) say which columns are long texts; what they cannot say is how wide a
date, a status or a header word is. So each column first gets the room its content needs not to break badly
(a short value such as a date, a status or a phone number on one line; the longest word of its header
whole), and the text columns share what is left by their weights. When that does not fit the page, or there
are so many columns that every text column would wrap after each word, the group prints one block per row
(titled by the row's first cell) instead of a squeezed table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ...fields.blocks import Table
from .typography import longest_unbreakable

# From static/print.css: an A4 page less its side margins (25 mm + 22 mm), and the tables' cell padding.
TEXT_WIDTH_MM = 163.0
CELL_PADDING_MM = 4.4
# Noto Sans at the tables' 8.5 pt: the width of an average character, and of a bold one (headers, first column).
CHAR_MM = 1.75
BOLD_CHAR_MM = 1.9
# A cell at most this long that is one paragraph (a date, a status, a phone number, "Hver anden uge") is a
# short value: its column is as wide as its longest value and never wraps.
SHORT_VALUE_CHARS = 16
# A header word up to this long is never split; a longer one may be hyphenated.
HEADER_WORD_CHARS = 12
# Narrower than this, a text column breaks after nearly every word.
MIN_TEXT_COLUMN_MM = 24.0
# From this many columns on, every row is a block of its own, whatever the content: at 7 columns a text
# column gets about 20 mm, some ten words a line for the whole table.
ROWS_FROM_COLUMNS = 7


@dataclass(frozen=True)
class TableLayout:
    as_rows: bool                  # one block per row instead of a table
    widths: tuple[int, ...]        # percent of the table, per column
    one_line: tuple[bool, ...]     # columns whose cells never wrap


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _short_value_width(block: Table, column: int) -> float | None:
    """The width (mm) a column of short values needs to keep each on one line; None for a text column."""
    longest = 0
    for row in block.rows:
        cell = row[column]
        if len(cell) > 1 or (cell and ("\n" in cell[0] or len(cell[0]) > SHORT_VALUE_CHARS)):
            return None
        longest = max(longest, len(cell[0]) if cell else 0)
    char = BOLD_CHAR_MM if column == 0 else CHAR_MM
    return longest * char + CELL_PADDING_MM


def _text_column_width(block: Table, column: int, header_mm: float) -> float:
    """The least width (mm) a text column needs: its longest address part, date or number, and header word."""
    longest = max((longest_unbreakable(text) for row in block.rows for text in row[column]), default=0)
    char = BOLD_CHAR_MM if column == 0 else CHAR_MM
    return max(MIN_TEXT_COLUMN_MM, header_mm, longest * char + CELL_PADDING_MM)


def table_layout(block: Table) -> TableLayout:
    count = len(block.columns)
    # A header word longer than HEADER_WORD_CHARS may be hyphenated, at its syllables; a shorter one stays whole.
    header_mm = [min(_longest_word(label), HEADER_WORD_CHARS) * BOLD_CHAR_MM + CELL_PADDING_MM
                 for label in block.columns]
    short = [_short_value_width(block, i) for i in range(count)]
    fixed = {i: max(width, header_mm[i]) for i, width in enumerate(short) if width is not None}
    text_columns = [i for i in range(count) if i not in fixed]
    needed = {i: _text_column_width(block, i, header_mm[i]) for i in text_columns}
    # Each text column gets what it needs, and the room left over is shared by the field types' weights.
    spare = TEXT_WIDTH_MM - sum(fixed.values()) - sum(needed.values())
    weights = sum(block.widths[i] for i in text_columns) or 1
    widths_mm = dict(fixed) | {i: needed[i] + max(spare, 0) * block.widths[i] / weights for i in text_columns}
    one_line = tuple(i in fixed for i in range(count))
    if count >= ROWS_FROM_COLUMNS or spare < 0:
        return TableLayout(True, block.widths, one_line)
    return TableLayout(False, _percents([widths_mm[i] for i in range(count)], one_line), one_line)


def _percents(widths_mm: list[float], one_line: tuple[bool, ...]) -> tuple[int, ...]:
    """Whole percents (print.css has a class per percent) adding up to 100; a short value's column is rounded
    up, so its value still fits, and the widest column gives or takes the difference."""
    total = sum(widths_mm)
    percents = [math.ceil(100 * w / total) if short else max(1, round(100 * w / total))
                for w, short in zip(widths_mm, one_line)]
    widest = percents.index(max(percents))
    percents[widest] += 100 - sum(percents)
    return tuple(percents)
