"""Numbered pages of a list that grows with use (plans, people): a count and one page's rows, two queries however
long the list is. The page asked for comes from a URL, so anything out of range gives the nearest real page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

from ..extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # 1-based, always an existing page (page 1 of an empty list too)
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position of the first row shown, counted from 1 (0 when there are none). Counted from the
        numbers, not the items: a page may group its rows (the overview's plans under their municipality)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(asked: int | None, total: int, size: int) -> int:
    """The page asked for, within 1 … the last page (None, zero or negative: the first; too far: the last)."""
    pages = max(1, -(-total // size))
    return min(max(1, asked or 1), pages)


def count_of(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def rows_of(query: Select, asked: int | None, size: int) -> tuple[list, int, int]:
    """One page of an ordered query's rows (as tuples), the page's number and the number of rows in all. The
    order must end in unique columns, so that every row is on exactly one page."""
    total = count_of(query)
    number = page_number(asked, total, size)
    return list(db.session.execute(query.offset((number - 1) * size).limit(size)).all()), number, total


def page_of(query: Select, asked: int | None, size: int) -> Page:
    """One page of an ordered query of one entity a row (as rows_of)."""
    rows, number, total = rows_of(query, asked, size)
    return Page([row[0] for row in rows], number, size, total)
