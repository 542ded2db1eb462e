"""How numbers read on every page, in the report and in Markdown: one place, one spelling.

The browser tests read these strings back and compare them with
`flowsight evaluate --format json`, so the rounding here is part of the contract
documented in docs/report-and-dashboard.md.
"""

from __future__ import annotations

import math
from datetime import datetime


def percent(value: float | None, digits: int = 3) -> str:
    """An availability in percent: 99.916874 -> '99.917 %'."""
    return "-" if value is None else f"{value:.{digits}f} %"


def ratio(value: float | None) -> str:
    """A share as a percentage with one decimal: 0.168745 -> '16.9 %'."""
    return "-" if value is None else f"{100 * value:.1f} %"


def millis(value: float | None) -> str:
    """A latency: 665.348 -> '666 ms', 1725.7 -> '1.73 s'. Rounded up: reported latencies
    are upper bounds (flowsight.evaluate.latency), and must stay above a missed threshold."""
    if value is None:
        return "-"
    if value < 1000:
        return f"{math.ceil(value - 1e-9):,} ms"
    return f"{math.ceil(value / 10 - 1e-9) / 100:.2f} s"


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3f}".rstrip("0")


def burn(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def moment(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


FILTERS = {
    "percent": percent,
    "ratio": ratio,
    "millis": millis,
    "number": number,
    "burn": burn,
    "moment": moment,
}
