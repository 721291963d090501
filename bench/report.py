"""One row format and one table for every benchmark, so bench/run.py can print them all together."""
from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str
    median: float
    p95: float
    unit: str = "ms"
    target: str = ""              # e.g. "p95 < 30 ms", "ratio <= 1.0"
    reference: float | None = None  # the reference run's median, same unit; gives the ratio
    met: bool | None = None         # whether the target is met, where the script can tell

    @property
    def ratio(self) -> float | None:
        return self.median / self.reference if self.reference else None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def summarise(benchmark: str, measure: str, values: list[float], unit: str = "ms", target: str = "",
              reference: list[float] | None = None, met: bool | None = None) -> Row:
    return Row(benchmark, measure, statistics.median(values), percentile(values, 0.95), unit, target,
               statistics.median(reference) if reference else None, met)


def print_table(rows: list[Row]) -> None:
    header = f"{'benchmark':<22}{'measure':<40}{'median':>10}{'p95':>10}  {'unit':<5}{'reference':>11}{'ratio':>7}  target"
    print(header)
    print("-" * len(header))
    for row in rows:
        reference = f"{row.reference:>11.2f}" if row.reference else f"{'':>11}"
        ratio = f"{row.ratio:>7.2f}" if row.ratio else f"{'':>7}"
        verdict = "" if row.met is None else ("  met" if row.met else "  NOT MET")
        print(f"{row.benchmark:<22}{row.measure:<40}{row.median:>10.2f}{row.p95:>10.2f}  {row.unit:<5}"
              f"{reference}{ratio}  {row.target}{verdict}")
