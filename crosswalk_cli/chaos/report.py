"""The chaos report: the zeros that matter first, then day by day (JSON and Markdown)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crosswalk_cli.chaos.cycles import CycleOutcome
from crosswalk_cli.chaos.measures import DriftAccount, PushAccount, TableGap, WebhookAccount


@dataclass
class SlaBreach:
    day: int
    domain: str
    detail: str


@dataclass
class DayRecord:
    day: int
    business_day: str
    activity: dict[str, int] = field(default_factory=dict)
    webhooks_pending_after_wait: int = 0
    event_runs: list[CycleOutcome] = field(default_factory=list)
    cycles: list[CycleOutcome] = field(default_factory=list)
    approved_pay_runs: list[str] = field(default_factory=list)
    auto_fixable_standing: dict[str, int] = field(default_factory=dict)


@dataclass
class ChaosReport:
    days: int
    seed: int
    size: str
    faults: str
    started_at: str
    wall_seconds: float = 0.0
    days_played: list[DayRecord] = field(default_factory=list)
    kills: list[str] = field(default_factory=list)
    settle_cycles: list[CycleOutcome] = field(default_factory=list)
    final_picture: CycleOutcome | None = None
    faults_injected: dict[str, dict[str, int]] = field(default_factory=dict)
    sla_breaches: list[SlaBreach] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    webhooks: WebhookAccount | None = None
    push: PushAccount | None = None
    ingest_gaps: list[TableGap] = field(default_factory=list)
    drift: DriftAccount | None = None

    # The zeros the scenario must end with (issue 6).
    @property
    def lost_changes(self) -> int:
        lost = sum(gap.lost_rows for gap in self.ingest_gaps)
        if self.webhooks is not None:
            lost += len(self.webhooks.lost)
        if self.push is not None:
            lost += self.push.pending + self.push.unknown_outcome
        return lost

    @property
    def standing_auto_fixable(self) -> int:
        return self.drift.auto_fixable_standing if self.drift is not None else 0

    @property
    def passed(self) -> bool:
        return not self.duplicates and self.lost_changes == 0 and self.standing_auto_fixable == 0

    def summary(self) -> dict[str, int | bool]:
        return {
            "duplicates": len(self.duplicates),
            "lost_changes": self.lost_changes,
            "standing_auto_fixable_drift": self.standing_auto_fixable,
            "dead_letters": len(self.push.dead_letters) if self.push else 0,
            "sla_breaches": len(self.sla_breaches),
            "passed": self.passed,
        }

    def to_json(self) -> str:
        return json.dumps({"summary": self.summary(), **asdict(self)}, indent=2, default=str)

    def write(self, markdown_path: Path) -> Path:
        """Write `<name>.md` and `<name>.json` side by side; returns the JSON path."""
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        markdown_path.write_text(self.to_markdown())
        json_path = markdown_path.with_suffix(".json")
        json_path.write_text(self.to_json() + "\n")
        return json_path

    def to_markdown(self) -> str:
        s = self.summary()
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"# crosswalk chaos: {self.days} days, seed {self.seed}, "
            f"`{self.size}` firm — {verdict}",
            "",
            f"Started {self.started_at}; {self.wall_seconds / 60:.1f} min wall clock; fault "
            f"profile `{self.faults}`; kills: {'; '.join(self.kills) or 'none'}.",
            "",
            "| measure | value |",
            "|---|---|",
            *(f"| {name.replace('_', ' ')} | {value} |" for name, value in s.items()),
            "",
            "## Lost changes",
            "",
            *self._lost_lines(),
            "",
            "## Standing drift by rule (sandbox truth at the end)",
            "",
            *self._drift_lines(),
            "",
            "## Dead letters",
            "",
            *self._dead_letter_lines(),
            "",
            "## SLA breaches",
            "",
            *(
                [f"- day {b.day}, {b.domain}: {b.detail}" for b in self.sla_breaches]
                or ["none: every domain refreshed each business day, approved time posted in time"]
            ),
            "",
            "## Faults injected",
            "",
            "| system | " + " | ".join(self._fault_kinds()) + " |",
            "|---|" + "---|" * len(self._fault_kinds()),
            *(
                f"| {system} | "
                + " | ".join(str(kinds.get(k, 0)) for k in self._fault_kinds())
                + " |"
                for system, kinds in sorted(self.faults_injected.items())
            ),
            "",
            "## Day by day",
            "",
            "| day | business day | activity | event runs | cycles | fixable standing after |",
            "|---|---|---|---|---|---|",
            *(self._day_line(d) for d in self.days_played),
            *(
                [f"| settle | | | | {self._cycles_cell(self.settle_cycles)} | |"]
                if self.settle_cycles
                else []
            ),
            *(
                [f"| final picture (no push) | | | | {self._cycles_cell([self.final_picture])} | |"]
                if self.final_picture
                else []
            ),
            "",
        ]
        return "\n".join(lines)

    def _lost_lines(self) -> list[str]:
        lines = []
        if self.webhooks is not None:
            w = self.webhooks
            lines.append(
                f"- webhooks: {w.delivered} distinct events delivered, {w.accepted} in the inbox, "
                f"{len(w.lost)} lost; {w.undelivered} the vendors gave up on, "
                f"{w.still_pending} still pending"
            )
        if self.push is not None:
            lines.append(
                f"- write-back: {self.push.pending} deltas still waiting, "
                f"{self.push.unknown_outcome} with an unknown outcome, "
                f"{self.push.superseded_unknown} superseded while unknown (a later delta for the "
                "same change carried it), "
                f"{self.push.quarantined} quarantined (refused with a reason, not lost)"
            )
        gaps = ", ".join(
            f"{g.system}.{g.table} {g.warehouse_rows}"
            + (f" + {g.quarantined_rows} quarantined" if g.quarantined_rows else "")
            + f"/{g.vendor_rows}"
            for g in self.ingest_gaps
        )
        lines.append(f"- ingestion: raw tables short of the vendor's rows: {gaps or 'none'}")
        return lines

    def _drift_lines(self) -> list[str]:
        if self.drift is None:
            return ["not measured"]
        lines = ["| rule | standing | auto-fixable |", "|---|---|---|"]
        lines += [
            f"| {rule} | {entry['count']} | {'yes' if entry['auto_fixable'] else 'no'} |"
            for rule, entry in self.drift.standing.items()
        ]
        lines += [
            "",
            f"crosswalk's open findings against that truth: {self.drift.findings_missed} missed, "
            f"{self.drift.findings_spurious} spurious.",
        ]
        return lines

    def _dead_letter_lines(self) -> list[str]:
        dead = self.push.dead_letters if self.push else []
        if not dead:
            return ["none"]
        return [
            f"- {d['flow']} → {d['target_system']} {d['entity_id']}: {d['error']}" for d in dead
        ]

    def _fault_kinds(self) -> list[str]:
        return sorted({kind for kinds in self.faults_injected.values() for kind in kinds})

    @staticmethod
    def _cycles_cell(cycles: list[CycleOutcome]) -> str:
        return "; ".join(
            f"{'killed in ' + c.killed_at if c.killed_at else 'ok' if c.succeeded else 'failed'}"
            f" {c.seconds:.0f}s"
            for c in cycles
        )

    def _day_line(self, d: DayRecord) -> str:
        activity = ", ".join(f"{k} {v}" for k, v in sorted(d.activity.items())) or "—"
        fixable = ", ".join(f"{k} {v}" for k, v in d.auto_fixable_standing.items()) or "0"
        return (
            f"| {d.day} | {d.business_day} | {activity} | {self._cycles_cell(d.event_runs) or '—'}"
            f" | {self._cycles_cell(d.cycles)} | {fixable} |"
        )
