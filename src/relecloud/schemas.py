"""Request and response bodies of the JSON API (pydantic), with the original's rules."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _aware(value: datetime) -> datetime:
    """The instant in UTC; one that UTC cannot hold (year 1 at +00:01) is a bad value, not a 500."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date and time out of range once converted to UTC") from None


Text = Annotated[str, AfterValidator(_no_control)]
UtcDateTime = Annotated[datetime, AfterValidator(_aware)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConcertIn(_Strict):
    title: Text = Field(min_length=1, max_length=256)
    artist: Text = Field(min_length=1, max_length=128)
    genre: Text = Field(min_length=1, max_length=64)
    location: Text = Field(min_length=1, max_length=128)
    description: Text = Field(default="", max_length=4000)
    price: float = Field(ge=0, le=100_000)
    start_time: UtcDateTime
    is_visible: bool = False
    ticket_count: int = Field(default=0, ge=0, le=10_000)

    @field_validator("start_time")
    @classmethod
    def _reasonable_year(cls, value: datetime) -> datetime:
        if not 2000 <= value.year <= 2200:
            raise ValueError("must be between the years 2000 and 2200")
        return value


class ConcertPublic(BaseModel):
    id: int
    title: str
    artist: str
    genre: str
    location: str
    description: str
    price: float
    start_time: datetime
    is_visible: bool
    ticket_count: int
    tickets_remaining: int | None = None


class ConcertPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[ConcertPublic]


class Credentials(_Strict):
    username: Text = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class CustomerIn(_Strict):
    name: Text = Field(min_length=1, max_length=75)
    email: Text = Field(min_length=3, max_length=75, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: Text = Field(min_length=1, max_length=16, pattern=r"^[0-9+() .-]+$")


class PaymentIn(_Strict):
    name_on_card: Text = Field(min_length=1, max_length=75)
    card_number: str = Field(pattern=r"^4[0-9]{15}$", description="VISA: 16 digits, first 4")
    security_code: str = Field(pattern=r"^[0-9]{3}$")
    expiration: str = Field(pattern=r"^(0[1-9]|1[0-2])[0-9]{2}$", description="MMYY")

    @field_validator("expiration")
    @classmethod
    def _not_expired(cls, value: str) -> str:
        month, year = int(value[:2]), 2000 + int(value[2:])
        now = datetime.now(UTC)
        if (year, month) < (now.year, now.month):
            raise ValueError("the card has expired")
        return value


class CheckoutIn(_Strict):
    customer: CustomerIn
    payment: PaymentIn
    # strict: `true` and `"2"` are not quantities (pydantic's lax mode would coerce them).
    items: dict[
        Annotated[str, Field(pattern=r"^[1-9][0-9]{0,8}$")],
        Annotated[int, Field(ge=1, le=20, strict=True)],
    ] = Field(min_length=1, max_length=20)


class TicketPublic(BaseModel):
    id: int
    concert_id: int
    concert_title: str
    artist: str
    location: str
    start_time: datetime
    number: str
    price: float
    customer_email: str
    image_url: str


class CheckoutOut(BaseModel):
    checkout_id: str
    status: Literal["succeeded"]
    confirmation: str
    total: float
    tickets: list[TicketPublic]


class TicketPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[TicketPublic]


class RoleIn(_Strict):
    role: Literal["Administrator", "Employee"]


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: str


class ErrorOut(BaseModel):
    detail: str
    errors: dict[str, str] = {}
