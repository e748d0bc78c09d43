"""Compare crosswalk's open findings with the sandbox's standing ground truth, rule by rule.

Used by `crosswalk chaos` for its report and by the reconciliation tests for their assertions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FindingKey = tuple[str, str, str, str]  # rule, entity_type, entity_id, systems ("a,b")


def truth_key(entry: dict) -> FindingKey:
    """The key of one entry of a `GET /_sandbox/truth/drift` answer, as findings are keyed."""
    return (entry["rule"], entry["entity_type"], entry["entity_id"], ",".join(entry["systems"]))


def truth_keys(drift: dict) -> set[FindingKey]:
    """Keys of the standing entries of a `GET /_sandbox/truth/drift` answer."""
    return {truth_key(d) for d in drift["drift"] if d["standing"]}


@dataclass
class RuleConfusion:
    rule: str
    true_positive: int = 0
    missed: list[FindingKey] = field(default_factory=list)  # in truth, not found
    spurious: list[FindingKey] = field(default_factory=list)  # found, not in truth

    @property
    def exact(self) -> bool:
        return not self.missed and not self.spurious


def confusion(truth: set[FindingKey], found: Iterable[FindingKey]) -> dict[str, RuleConfusion]:
    found = set(found)
    table: dict[str, RuleConfusion] = {}
    for key in truth | found:
        entry = table.setdefault(key[0], RuleConfusion(key[0]))
        if key in truth and key in found:
            entry.true_positive += 1
        elif key in truth:
            entry.missed.append(key)
        else:
            entry.spurious.append(key)
    return dict(sorted(table.items()))


def report(table: dict[str, RuleConfusion]) -> str:
    """One line per rule: recall/precision counts and a few examples of each miss."""
    lines = [f"{'rule':32} {'truth':>6} {'found':>6} {'missed':>6} {'spurious':>8}"]
    for rule, c in table.items():
        truth_n = c.true_positive + len(c.missed)
        found_n = c.true_positive + len(c.spurious)
        line = f"{rule:32} {truth_n:6} {found_n:6} {len(c.missed):6} {len(c.spurious):8}"
        if c.missed:
            line += f"  missed e.g. {sorted(c.missed)[:3]}"
        if c.spurious:
            line += f"  spurious e.g. {sorted(c.spurious)[:3]}"
        lines.append(line)
    return "\n".join(lines)


ALL_RULES = 16  # ARCHITECTURE §6: every rule stands somewhere in a lived firm


def open_findings(warehouse: Path) -> set[FindingKey]:
    """The open rows of `reconciliation.drift_findings`, keyed as truth is."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select rule, entity_type, entity_id, systems from reconciliation.drift_findings "
            "where status = 'open'"
        ).fetchall()
    return set(rows)
