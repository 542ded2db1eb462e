"""Design-review rules, one module per best practice; importing this registers them."""

from flowsight.check.rules import (
    consistency,
    defined,
    efficient,
    feasibility,
    logical,
    maintainable,
    ownership,
    placeholders,
    reliable,
    scalable,
    scoped,
    secure,
    user_centric,
)

__all__ = [
    "consistency",
    "defined",
    "efficient",
    "feasibility",
    "logical",
    "maintainable",
    "ownership",
    "placeholders",
    "reliable",
    "scalable",
    "scoped",
    "secure",
    "user_centric",
]
