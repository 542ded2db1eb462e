"""Alertmanager receivers from the parties' contacts: e-mail, Slack, PagerDuty, Opsgenie, webhook.

Alertmanager renders `to:`, Slack channels and Opsgenie responder names as Go
templates, so those fields carry the contact through `template_literal`.
Secrets are referenced, never written: by file for alertmanager.yml, by
Kubernetes Secret for the AlertmanagerConfig CRD.
"""

from __future__ import annotations

from typing import Any

from flowsight.export.escape import template_literal
from flowsight.model import Workload
from flowsight.model.contact import (
    EmailContact,
    OpsgenieContact,
    PagerDutyContact,
    SlackContact,
    WebhookContact,
    contact_point,
)


def receiver_name(party_id: str) -> str:
    return f"party-{party_id}"


def _config(contact: object) -> tuple[str, dict[str, Any]] | None:
    """(receiver key, one notifier config) in alertmanager.yml spelling."""
    if isinstance(contact, EmailContact):
        return "email_configs", {"to": template_literal(contact.to), "send_resolved": True}
    if isinstance(contact, WebhookContact):
        return "webhook_configs", {"url": contact.url, "send_resolved": True}
    if isinstance(contact, SlackContact):
        slack: dict[str, Any] = {
            "channel": template_literal(contact.channel),
            "send_resolved": True,
        }
        if contact.api_url_file:
            slack["api_url_file"] = contact.api_url_file
        return "slack_configs", slack
    if isinstance(contact, PagerDutyContact):
        pagerduty: dict[str, Any] = {"send_resolved": True}
        if contact.routing_key_file:
            pagerduty["routing_key_file"] = contact.routing_key_file
        return "pagerduty_configs", pagerduty
    if isinstance(contact, OpsgenieContact):
        opsgenie: dict[str, Any] = {"send_resolved": True}
        if contact.api_key_file:
            opsgenie["api_key_file"] = contact.api_key_file
        if contact.team:
            opsgenie["responders"] = [{"name": template_literal(contact.team), "type": "team"}]
        return "opsgenie_configs", opsgenie
    return None


def _secret_note(party_id: str, contact: object) -> str | None:
    if isinstance(contact, PagerDutyContact) and not contact.routing_key_file:
        return (
            f"party '{party_id}' is reached by PagerDuty without routing_key_file; "
            "Alertmanager refuses a PagerDuty receiver without a key"
        )
    if isinstance(contact, SlackContact | OpsgenieContact):
        secret = contact.api_url_file if isinstance(contact, SlackContact) else contact.api_key_file
        if not secret:
            return (
                f"party '{party_id}' uses the global {contact.kind} credentials "
                "of the Alertmanager configuration; set them there"
            )
    return None


def receiver(workload: Workload, party_id: str, warnings: list[str]) -> dict[str, Any]:
    """The party's receiver for alertmanager.yml; warnings name what must be set elsewhere."""
    party = workload.party(party_id)
    contact = contact_point(party.contact) if party else None
    found: dict[str, Any] = {"name": receiver_name(party_id)}
    config = _config(contact)
    if config is None:
        warnings.append(
            f"party '{party_id}' has no e-mail, URL or typed contact; its receiver notifies nobody"
        )
        return found
    note = _secret_note(party_id, contact)
    if note:
        warnings.append(note)
    key, value = config
    found[key] = [value]
    return found


def crd_receiver(workload: Workload, party_id: str, warnings: list[str]) -> dict[str, Any]:
    """The party's receiver in AlertmanagerConfig (v1alpha1) spelling, secrets by Secret ref."""
    party = workload.party(party_id)
    contact = contact_point(party.contact) if party else None
    found: dict[str, Any] = {"name": receiver_name(party_id)}
    if isinstance(contact, EmailContact):
        found["emailConfigs"] = [{"to": template_literal(contact.to), "sendResolved": True}]
    elif isinstance(contact, WebhookContact):
        found["webhookConfigs"] = [{"url": contact.url, "sendResolved": True}]
    elif isinstance(contact, SlackContact | PagerDutyContact | OpsgenieContact):
        found.update(_crd_secret_receiver(party_id, contact, warnings))
    else:
        warnings.append(
            f"party '{party_id}' has no e-mail, URL or typed contact; its receiver notifies nobody"
        )
    return found


def _crd_secret_receiver(
    party_id: str, contact: SlackContact | PagerDutyContact | OpsgenieContact, warnings: list[str]
) -> dict[str, Any]:
    secret = contact.secret.model_dump() if contact.secret else None
    if secret is None and not isinstance(contact, OpsgenieContact):
        warnings.append(
            f"party '{party_id}' ({contact.kind}) has no secret: {{name, key}} for the CRD; "
            "the operator needs one"
        )
    if isinstance(contact, SlackContact):
        slack: dict[str, Any] = {"channel": template_literal(contact.channel), "sendResolved": True}
        if secret:
            slack["apiURL"] = secret
        return {"slackConfigs": [slack]}
    if isinstance(contact, PagerDutyContact):
        return {
            "pagerdutyConfigs": [
                {"sendResolved": True, **({"routingKey": secret} if secret else {})}
            ]
        }
    opsgenie: dict[str, Any] = {"sendResolved": True}
    if secret:
        opsgenie["apiKey"] = secret
    if contact.team:
        opsgenie["responders"] = [{"name": template_literal(contact.team), "type": "team"}]
    return {"opsgenieConfigs": [opsgenie]}
