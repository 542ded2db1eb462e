"""Secure: security targets exist, sensitive user flows authenticate, payments comply."""

from __future__ import annotations

from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding

SENSITIVE = ("confidential", "restricted")


@rule(
    "secure.security-target",
    "secure",
    "warning",
    "Every flow has a security target.",
    "The Azure Well-Architected guide asks to analyze the security needs of each flow from its data sensitivity and "
    "user activities; a flow without a security target has had no such analysis recorded.",
)
def security_target(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.targets.security is None:
            yield ctx.finding(
                (*base, "targets"),
                f"flow `{flow.id}` has no security target",
                "add `targets.security` with its data classification and authentication",
            )


@rule(
    "secure.authentication",
    "secure",
    "error",
    "A user flow touching confidential or restricted data requires authentication and names "
    "its roles.",
    "Protecting data against unauthorized access means a user flow that handles confidential "
    "or restricted data must know who the user is and which roles may act.",
)
def authentication(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        security = flow.targets.security
        if flow.kind != "user" or security is None or security.classification not in SENSITIVE:
            continue
        at = (*base, "targets", "security")
        if not security.authentication:
            yield ctx.finding(
                at,
                f"user flow `{flow.id}` handles {security.classification} data without "
                "authentication",
                "set `authentication: true` and list the `roles` allowed",
            )
        elif not security.roles:
            yield ctx.finding(
                at,
                f"user flow `{flow.id}` handles {security.classification} data but names no roles",
                "list the roles allowed under `roles:`",
            )


@rule(
    "secure.compliance",
    "secure",
    "error",
    "A flow handling payment data names its compliance standard.",
    "Payment card data brings regulatory obligations (PCI-DSS); the Azure Well-Architected guide asks security "
    "measures to ensure compliance with regulatory standards, which starts with naming them.",
)
def compliance(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        security = flow.targets.security
        if security and security.payment_data and not security.compliance:
            yield ctx.finding(
                (*base, "targets", "security", "payment_data"),
                f"flow `{flow.id}` handles payment data but names no compliance standard",
                "add `compliance: [PCI-DSS]`",
            )
