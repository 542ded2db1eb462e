"""Parties as people on call read them: names, contacts and escalation paths."""

from __future__ import annotations

from flowsight.model import Flow, Workload


def party_text(workload: Workload, party_id: str | None) -> str:
    """`Director of Sales <sales-director@relecloud.example>`, or the id when unknown."""
    if party_id is None:
        return "nobody named"
    party = workload.party(party_id)
    if party is None:
        return party_id
    contact = party.contact_label
    return f"{party.name} <{contact}>" if contact else party.name


def escalation_text(workload: Workload, flow: Flow) -> str:
    """The escalation path in order, joined by arrows; the owner when there is no path."""
    path = flow.escalation_path or ([flow.owner] if flow.owner else [])
    return " -> ".join(party_text(workload, party) for party in path) or "none declared"


def first_responder(workload: Workload, flow: Flow, on_call: bool) -> str | None:
    """Who is notified first: the first on-call party of the path for pages, else its first."""
    path = flow.escalation_path or ([flow.owner] if flow.owner else [])
    if on_call:
        for party_id in path:
            party = workload.party(party_id)
            if party is not None and party.on_call:
                return party_id
    return path[0] if path else None
