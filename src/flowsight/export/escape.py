"""Workload text as data inside other languages: Go templates and PromQL.

Prometheus renders alert annotations and labels, and Alertmanager renders most
receiver fields, as Go templates; a flow named `{{ with query "up" }}` would
otherwise run a query when the alert fires, and `{{7*7}}` would make the whole
rules file invalid. PromQL label values are double-quoted strings with Go
escapes; a raw newline or quote in a route would break every selector.
"""

from __future__ import annotations

import re

from flowsight.errors import ExportError

_OPEN = "{{"
#: What an opening delimiter becomes: an action printing the two braces as a raw string.
_LITERAL_OPEN = "{{`{{`}}"
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def template_literal(text: str) -> str:
    """Text that a Go template renders as exactly `text`.

    Outside an action only `{{` means anything to text/template, so each
    occurrence (scanned left to right, as the template lexer does) becomes an
    action that prints it; everything else, `}}` and backticks included, stays
    as it is and the result still reads naturally.
    """
    return text.replace(_OPEN, _LITERAL_OPEN)


def promql_string(value: str) -> str:
    """A PromQL double-quoted string literal whose value is exactly `value`."""
    out = []
    for char in value:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif 0xD800 <= ord(char) <= 0xDFFF:  # a lone surrogate is no code point PromQL accepts
            out.append("\\ufffd")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def matcher(name: str, value: str, operator: str = "=") -> str:
    """`name="value"` with the value quoted, for a selector's braces."""
    return f"{name}{operator}{promql_string(value)}"


def selector(metric: str, **labels: str) -> str:
    """`metric{a="1", b="2"}` with every value quoted; labels in name order."""
    inner = ", ".join(matcher(key, value) for key, value in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def is_label_name(name: str) -> bool:
    """A Prometheus label name that is not reserved (`__` prefix)."""
    return bool(_LABEL_NAME.match(name)) and not name.startswith("__")


def label_name(text: str) -> str:
    """A span attribute such as `app.flow` as the label name exporters write (`app_flow`)."""
    name = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in text)
    return name if name and not name[0].isdigit() else "_" + name


def check_metric_name(name: str, option: str) -> str:
    if not _METRIC_NAME.match(name):
        raise ExportError(
            f"{option} '{name}' is not a Prometheus metric or label name",
            hint="use letters, digits, '_' (and ':' in metric names), not starting with a digit",
        )
    return name
