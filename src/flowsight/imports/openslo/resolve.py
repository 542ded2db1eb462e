"""Following OpenSLO references: indicatorRef, alertPolicyRef, conditionRef, targetRef and
metricSourceRef, each to an object of the right kind among the files read.

A reference that names nothing is refused where it is written; inline objects
and referenced ones come out in the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowsight.errors import ExportError
from flowsight.imports.openslo.documents import Document, Located


@dataclass
class Condition:
    name: str
    severity: str
    condition: dict[str, Any]


@dataclass
class Policy:
    name: str
    conditions: list[Condition] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)


@dataclass
class MetricSource:
    """Where an SLI's metric comes from: the type (Prometheus, Datadog, ...) and its query."""

    type: str
    spec: dict[str, Any]

    @property
    def query(self) -> str | None:
        for key in ("query", "promql", "expr"):
            if isinstance(self.spec.get(key), str):
                return str(self.spec[key])
        return None

    @property
    def prometheus(self) -> bool:
        return self.type.lower() in ("prometheus", "thanos", "cortex", "mimir", "victoriametrics")


class Index:
    """The objects of the files, by kind and name."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self.by_kind: dict[tuple[str, str], Document] = {}
        for document in documents:
            self.by_kind.setdefault((document.kind, document.name), document)

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]

    def find(self, kind: str, name: Any, where: str, field_name: str) -> Document:
        found = self.by_kind.get((kind, str(name)))
        if found is None:
            known = sorted(n for k, n in self.by_kind if k == kind)
            raise ExportError(
                f"{where}: {field_name} '{name}' names no {kind} in the files given",
                hint=f"known {kind} objects: {', '.join(known) or 'none'}; "
                f"pass the file that defines '{name}' too",
            )
        return found

    def indicator(self, slo: Document) -> tuple[Located, str]:
        """The SLO's SLI spec (inline `indicator` or `indicatorRef`) and the SLI's name."""
        spec = slo.spec
        objectives = spec.get("objectives") or []
        if any(
            isinstance(o, dict) and ("indicator" in o or "indicatorRef" in o) for o in objectives
        ):
            raise ExportError(
                f"{spec.where('objectives')}: SLO '{slo.name}' is a composite SLO "
                "(objectives with their own indicators), which flowsight cannot express",
                hint="split it into one SLO per indicator",
            )
        if isinstance(spec.get("indicator"), dict):
            inline = spec["indicator"]
            sli_spec = inline.get("spec")
            name = (inline.get("metadata") or {}).get("name", slo.name)
            if not isinstance(sli_spec, Located):
                raise ExportError(f"{inline.where()}: SLO '{slo.name}' indicator has no spec")
            return sli_spec, str(name)
        if "indicatorRef" in spec:
            sli = self.find("SLI", spec["indicatorRef"], spec.where("indicatorRef"), "indicatorRef")
            return sli.spec, sli.name
        raise ExportError(
            f"{spec.where()}: SLO '{slo.name}' has neither indicator nor indicatorRef",
            hint="OpenSLO v1 needs one of them",
        )

    def metric_source(self, metric: Any, where: str) -> MetricSource:
        """A `metricSource` with its DataSource (metricSourceRef) applied."""
        source = metric.get("metricSource") if isinstance(metric, dict) else None
        if not isinstance(source, dict):
            raise ExportError(f"{where}: the metric has no metricSource")
        kind = str(source.get("type") or "")
        spec = dict(source.get("spec") or {})
        if "metricSourceRef" in source and not kind:
            # With its type written inline the source is usable without its DataSource.
            ref_where = source.where("metricSourceRef") if isinstance(source, Located) else where
            ref = source["metricSourceRef"]
            data_source = self.find("DataSource", ref, ref_where, "metricSourceRef")
            kind = str(data_source.spec.get("type") or "")
        return MetricSource(kind or "unknown", spec)

    def _condition(self, item: Any, where: str) -> Condition:
        if isinstance(item, dict) and "conditionRef" in item:
            item_where = item.where("conditionRef") if isinstance(item, Located) else where
            found = self.find("AlertCondition", item["conditionRef"], item_where, "conditionRef")
            name, spec = found.name, found.spec
        elif isinstance(item, dict) and isinstance(item.get("spec"), dict):
            name, spec = str((item.get("metadata") or {}).get("name", "")), item["spec"]
        else:
            raise ExportError(f"{where}: an alert condition is neither conditionRef nor inline")
        return Condition(name, str(spec.get("severity", "")), dict(spec.get("condition") or {}))

    def _target(self, item: Any, where: str) -> str:
        if isinstance(item, dict) and "targetRef" in item:
            # flowsight keeps no notification target, so one that is not defined costs nothing
            # more than the warning every target gets (the Go SDK's own examples have such).
            found = self.by_kind.get(("AlertNotificationTarget", str(item["targetRef"])))
            if found is None:
                return f"{item['targetRef']} (not defined in the files)"
            return str(found.spec.get("target", found.name))
        if isinstance(item, dict) and isinstance(item.get("spec"), dict):
            return str(item["spec"].get("target", ""))
        raise ExportError(f"{where}: a notification target is neither targetRef nor inline")

    def _policy(self, name: str, spec: Any, where: str) -> Policy:
        spec = spec if isinstance(spec, dict) else {}
        policy = Policy(name)
        for item in spec.get("conditions") or []:
            policy.conditions.append(self._condition(item, where))
        for item in spec.get("notificationTargets") or []:
            policy.targets.append(self._target(item, where))
        return policy

    def policies(self, slo: Document) -> list[Policy]:
        """The SLO's alert policies, inline or by alertPolicyRef (a bare name is read too)."""
        spec = slo.spec
        where = spec.where("alertPolicies")
        found = []
        for item in spec.get("alertPolicies") or []:
            if isinstance(item, str) or (isinstance(item, dict) and "alertPolicyRef" in item):
                ref = item if isinstance(item, str) else item["alertPolicyRef"]
                document = self.find("AlertPolicy", ref, where, "alertPolicyRef")
                found.append(self._policy(document.name, document.spec, document.body.where()))
            elif isinstance(item, dict) and "spec" in item:
                name = str((item.get("metadata") or {}).get("name", ""))
                item_where = item.where() if isinstance(item, Located) else where
                found.append(self._policy(name, item["spec"], item_where))
            else:
                raise ExportError(
                    f"{where}: SLO '{slo.name}' has an alert policy that is neither "
                    "an alertPolicyRef nor an inline AlertPolicy"
                )
        return found
