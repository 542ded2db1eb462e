"""How a party is reached: e-mail, Slack, PagerDuty, Opsgenie or a webhook.

Secrets (Slack webhook URLs, PagerDuty routing keys, Opsgenie API keys) never
live in the workload: a contact names the file Alertmanager reads them from
(`*_file`) and/or the Kubernetes Secret the AlertmanagerConfig CRD refers to.
A plain string contact keeps its old meaning: an e-mail address, or an
http(s) URL for a webhook.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from flowsight.model.base import StrictModel


class SecretRef(StrictModel):
    """A key of a Kubernetes Secret in the AlertmanagerConfig's namespace."""

    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=253)
    key: str = Field(pattern=r"^[-._a-zA-Z0-9]+$", max_length=253)


class EmailContact(StrictModel):
    kind: Literal["email"]
    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="The address to write to.")


class SlackContact(StrictModel):
    kind: Literal["slack"]
    channel: str = Field(min_length=1, description="e.g. '#checkout-alerts'.")
    api_url_file: str | None = Field(
        default=None, description="File holding the incoming-webhook URL (else the global one)."
    )
    secret: SecretRef | None = Field(default=None, description="Webhook URL for the CRD.")


class PagerDutyContact(StrictModel):
    kind: Literal["pagerduty"]
    routing_key_file: str | None = Field(
        default=None, description="File holding the Events API v2 routing key."
    )
    secret: SecretRef | None = Field(default=None, description="Routing key for the CRD.")


class OpsgenieContact(StrictModel):
    kind: Literal["opsgenie"]
    team: str | None = Field(default=None, description="Opsgenie team to notify.")
    api_key_file: str | None = Field(
        default=None, description="File holding the API key (else the global one)."
    )
    secret: SecretRef | None = Field(default=None, description="API key for the CRD.")


class WebhookContact(StrictModel):
    kind: Literal["webhook"]
    url: str = Field(pattern=r"^https?://\S+$")


Contact = Annotated[
    EmailContact | SlackContact | PagerDutyContact | OpsgenieContact | WebhookContact,
    Field(discriminator="kind"),
]


def contact_point(contact: str | Contact | None) -> Contact | None:
    """The contact as a typed contact point; a plain string by its old meaning, else None."""
    if contact is None or not isinstance(contact, str):
        return contact
    if contact.startswith(("http://", "https://")) and not any(c.isspace() for c in contact):
        return WebhookContact(kind="webhook", url=contact)
    if "@" in contact:
        return EmailContact(kind="email", to=contact.strip())
    return None


def contact_text(contact: str | Contact | None) -> str | None:
    """How people read the contact: the address, channel, team or URL."""
    if contact is None or isinstance(contact, str):
        return contact
    if isinstance(contact, EmailContact):
        return contact.to
    if isinstance(contact, SlackContact):
        return f"Slack {contact.channel}"
    if isinstance(contact, OpsgenieContact):
        return f"Opsgenie {contact.team}" if contact.team else "Opsgenie"
    if isinstance(contact, PagerDutyContact):
        return "PagerDuty"
    return contact.url
