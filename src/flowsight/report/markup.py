"""Findings' Markdown code spans (`` `checkout` ``) shown as <code> in HTML pages.

Messages and hints are workload text: they are escaped first, and only then are
backtick pairs turned into <code> elements, so nothing a workload says can
become markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(value: object) -> Markup:
    """Escaped text whose `code spans` are <code> elements."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(str(value)))))
