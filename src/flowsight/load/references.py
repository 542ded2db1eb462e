"""Reference resolution: every id a workload mentions must name something it declares."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from flowsight.findings import Finding
from flowsight.load.source import PathKey, SourceMap, dotted
from flowsight.model import ALWAYS, Flow, Workload


class _Resolver:
    def __init__(self, workload: Workload, source: SourceMap) -> None:
        self.workload = workload
        self.source = source
        self.findings: list[Finding] = []
        self.ids = {
            "party": {p.id for p in workload.parties},
            "schedule": {s.id for s in workload.schedules} | {ALWAYS},
            "component": {c.id for c in workload.components},
            "business process": {p.id for p in workload.business_processes},
            "use case": {u.id for u in workload.use_cases},
            "flow": {f.id for f in workload.flows},
        }

    def error(self, path: PathKey, rule: str, message: str, hint: str | None) -> None:
        where = self.source.locate(path)
        self.findings.append(
            Finding(
                rule,
                "error",
                message,
                where.file if where else None,
                where.line if where else None,
                where.column if where else None,
                dotted(path),
                hint,
            )
        )

    def ref(
        self, kind: str, value: str | None, path: PathKey, known: set[str] | None = None
    ) -> None:
        if value is None:
            return
        pool = self.ids[kind] if known is None else known
        if value in pool:
            return
        close = difflib.get_close_matches(value, sorted(pool), n=1, cutoff=0.6)
        hint = (
            f"did you mean `{close[0]}`?"
            if close
            else (
                f"declare it, or use one of: {', '.join(sorted(pool))}"
                if pool
                else f"declare the {kind} first"
            )
        )
        self.error(path, "model.unknown-reference", f"unknown {kind} `{value}`", hint)

    def refs(
        self, kind: str, values: Iterable[str], path: PathKey, known: set[str] | None = None
    ) -> None:
        for i, value in enumerate(values):
            self.ref(kind, value, (*path, i), known)

    def unique(self, items: Iterable[object], path: PathKey, what: str) -> None:
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            item_id = str(getattr(item, "id", ""))
            if item_id in seen:
                self.error(
                    (*path, i, "id"),
                    "model.duplicate-id",
                    f"duplicate {what} id `{item_id}` (also {dotted((*path, seen[item_id]))})",
                    "ids must be unique; rename one of them",
                )
            else:
                seen[item_id] = i

    def run(self) -> list[Finding]:
        w = self.workload
        for name, what in (
            ("parties", "party"),
            ("schedules", "schedule"),
            ("components", "component"),
            ("business_processes", "business process"),
            ("use_cases", "use case"),
            ("flows", "flow"),
            ("maintenance", "maintenance window"),
        ):
            self.unique(getattr(w, name), (name,), what)
        self.ref("party", w.workload.owner, ("workload", "owner"))
        for i, process in enumerate(w.business_processes):
            base: PathKey = ("business_processes", i)
            self.ref("party", process.owner, (*base, "owner"))
            self.unique(process.stages, (*base, "stages"), "stage")
            for j, stage in enumerate(process.stages):
                self.ref("use case", stage.use_case, (*base, "stages", j, "use_case"))
        for i, use_case in enumerate(w.use_cases):
            self.refs("use case", use_case.depends_on, ("use_cases", i, "depends_on"))
        for i, flow in enumerate(w.flows):
            self.flow(flow, ("flows", i))
        for i, window in enumerate(w.maintenance):
            self.refs("flow", window.flows, ("maintenance", i, "flows"))
        return self.findings

    def flow(self, flow: Flow, base: PathKey) -> None:
        self.ref("use case", flow.use_case, (*base, "use_case"))
        self.ref("business process", flow.process, (*base, "process"))
        process = self.workload.process(flow.process) if flow.process else None
        if flow.stage is not None:
            if process is None:
                self.error(
                    (*base, "stage"),
                    "model.unknown-reference",
                    f"stage `{flow.stage}` given without a known `process`",
                    "name the business process the stage belongs to",
                )
            else:
                self.ref("stage", flow.stage, (*base, "stage"), {s.id for s in process.stages})
        self.ref("party", flow.owner, (*base, "owner"))
        self.refs("party", flow.stakeholders, (*base, "stakeholders"))
        self.refs("party", flow.escalation_path, (*base, "escalation_path"))
        steps = {s.id for s in flow.steps}
        self.unique(flow.steps, (*base, "steps"), "step")
        for j, step in enumerate(flow.steps):
            at: PathKey = (*base, "steps", j)
            self.refs("component", step.components, (*at, "components"))
            self.refs("step", step.next, (*at, "next"), steps)
            for k, branch in enumerate(step.branches):
                self.ref("step", branch.next, (*at, "branches", k, "next"), steps)
            for k, handling in enumerate(step.on_error):
                self.ref("flow", handling.fallback_flow, (*at, "on_error", k, "fallback_flow"))
                self.ref(
                    "step", handling.fallback_step, (*at, "on_error", k, "fallback_step"), steps
                )
        for j, dep in enumerate(flow.dependencies):
            at = (*base, "dependencies", j)
            if dep.flow == flow.id:
                # Checked apart from the id set: copying the set minus this flow for
                # every flow made `check` quadratic (712 s for 100 k flows).
                self.error(
                    (*at, "flow"),
                    "model.unknown-reference",
                    f"flow `{dep.flow}` cannot depend on itself",
                    "name another flow, or remove the dependency",
                )
            else:
                self.ref("flow", dep.flow, (*at, "flow"))
            self.ref("component", dep.component, (*at, "component"))
            self.ref("flow", dep.fallback_flow, (*at, "fallback_flow"))
        if flow.telemetry:
            for j, route in enumerate(flow.telemetry.routes):
                self.ref("step", route.step, (*base, "telemetry", "routes", j, "step"), steps)
        reliability = flow.targets.reliability
        if reliability:
            self.ref(
                "schedule", reliability.schedule, (*base, "targets", "reliability", "schedule")
            )


def reference_findings(workload: Workload, source: SourceMap) -> list[Finding]:
    return _Resolver(workload, source).run()
