"""One benchmark's outcome: the figures it measured and whether they meet the target."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    name: str
    target: str
    passed: bool
    figures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        verdict = "PASS" if self.passed else "FAIL"
        out = [f"[{verdict}] {self.name}", f"    target: {self.target}"]
        width = max((len(label) for label, _ in self.figures), default=0)
        out += [f"    {label.ljust(width)}  {value}" for label, value in self.figures]
        out += [f"    note: {note}" for note in self.notes]
        return out


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]
