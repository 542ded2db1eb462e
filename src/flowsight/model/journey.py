"""Journeys: synthetic user paths through a flow, declared next to its steps.

A journey is what `flowsight probe` runs once and `flowsight load` runs at an
arrival rate: a short sequence of HTTP requests, each naming the flow step it
exercises, the status it expects and the values later requests need. Keeping
journeys in the model (not in a separate test suite) means a renamed step or a
new route is reviewed in the same diff as the flow it belongs to.

Strings may contain placeholders: `{name}` for a value extracted earlier or a
credential (`{username}`, `{password}`), and the built-ins `{uuid}`,
`{random:1-50}` and `{now+30d}` (an ISO 8601 UTC time that far ahead).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from flowsight.model.base import Identifier, StrictModel

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
VARIABLE = r"^[a-z_][a-z0-9_]*$"


class Extract(StrictModel):
    """Save one value of a response under `name`, from exactly one of json, regex, header."""

    name: str = Field(pattern=VARIABLE, description="Variable name used later as {name}.")
    json_path: str | None = Field(
        default=None,
        description="Dotted path into the JSON body; '*' selects every list item (items.*.id).",
    )
    regex: str | None = Field(default=None, description="Regex over the body; group 1 is kept.")
    header: str | None = Field(default=None, description="A response header's value.")
    pick: Literal["first", "random"] = Field(
        default="first", description="Which match to keep when a path or regex finds several."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Extract:
        sources = [s for s in (self.json_path, self.regex, self.header) if s is not None]
        if len(sources) != 1:
            raise ValueError("an extract names exactly one of json_path, regex or header")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as error:
                raise ValueError(f"regex '{self.regex}' does not compile: {error}") from error
        return self


class JourneyRequest(StrictModel):
    """One HTTP request of a journey, and what its response must look like."""

    name: str
    step: Identifier | None = Field(default=None, description="The flow step it exercises.")
    flow: Identifier | None = Field(
        default=None, description="Another flow this request belongs to (e.g. signing in)."
    )
    method: HttpMethod = "GET"
    path: str = Field(pattern=r"^/", description="Path on the base URL; placeholders allowed.")
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    form: dict[str, str] | None = Field(default=None, description="A form-encoded body.")
    json_body: Any = Field(default=None, description="A JSON body.")
    expect: list[int] = Field(default_factory=lambda: [200], min_length=1)
    extract: list[Extract] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_body(self) -> JourneyRequest:
        if self.form is not None and self.json_body is not None:
            raise ValueError("a request has a form or a json_body, not both")
        for status in self.expect:
            if not 100 <= status <= 599:
                raise ValueError(f"expected status {status} is not an HTTP status (100-599)")
        return self


class Journey(StrictModel):
    """A synthetic path through one flow: optional sign-in, then its requests in order."""

    id: Identifier
    name: str | None = None
    role: str | None = Field(
        default=None,
        description="Sign in as this role; its user name and password come from --credential.",
    )
    sign_in: JourneyRequest | None = Field(
        default=None,
        description="Request that signs in as `role`; a load run signs in once per role.",
    )
    requests: list[JourneyRequest] = Field(min_length=1)
    weight: float = Field(default=1, gt=0, description="Share among the flow's journeys in a load.")

    @model_validator(mode="after")
    def _sign_in_needs_role(self) -> Journey:
        if self.sign_in is not None and self.role is None:
            raise ValueError("a journey with sign_in names the role it signs in as")
        return self

    @property
    def all_requests(self) -> list[JourneyRequest]:
        return [*([self.sign_in] if self.sign_in else []), *self.requests]
