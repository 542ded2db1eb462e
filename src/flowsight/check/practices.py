"""The practices the rules serve, in the seed's own words.

`flowsight explain` prints these next to a rule's rationale so a reviewer can
see which sentence of "Optimize workload design using flows" (or of the WAF
reliability guidance it links to) a finding enforces.
"""

from __future__ import annotations

SEED = "Azure Well-Architected: Optimize workload design using flows"
RE04 = "Azure Well-Architected RE:04, defining reliability targets (paraphrased, not quoted)"

#: practice -> (source, quoted wording)
PRACTICES: dict[str, tuple[str, str]] = {
    "scoped": (
        SEED,
        "Scoped: Identify distinct starting and ending points for each flow. Clear "
        "boundaries help optimize user or system interactions.",
    ),
    "logical": (
        SEED,
        "Logical: Design your flows with a logical order of steps. Optimize for the most "
        "efficient path and reduce unnecessary steps.",
    ),
    "maintainable": (
        SEED,
        "Maintainable: Design flows that are easy to update and maintain. Use modular "
        "components that you can modify without affecting the entire workload.",
    ),
    "defined": (
        SEED,
        "Defined: Incorporate specific conditions that trigger or guide each step in a flow. "
        "This precision ensures that the flow responds accurately to user inputs, data "
        "changes, or system states.",
    ),
    "reliable": (
        SEED,
        "Reliable: Build error handling and exception paths into your flows. Effective error "
        "management prevents disruption and maintains flow integrity under unexpected "
        "circumstances.",
    ),
    "scalable": (
        SEED,
        "Scalable: Ensure it can handle varying loads and adapt to growing or shrinking user "
        "bases or data volumes.",
    ),
    "secure": (
        SEED,
        "Secure: Embed security measures within the flow. Protect data and user interactions "
        "against unauthorized access and threats.",
    ),
    "efficient": (
        SEED,
        "Efficient: Plan for efficient use of resources without over-provisioning. Keep cost "
        "optimization in mind.",
    ),
    "user-centric": (
        SEED,
        "User-centric: For user flows, align the flow design with user expectations and "
        "behaviors. Make it intuitive and reduce the learning curve for new users.",
    ),
    "ownership": (
        SEED,
        "Process owner: The individual that owns the business process. Escalation paths: The "
        "individuals or groups you should contact to resolve issues. It's a sequence of "
        "people. The scope of individual responsibility grows with each person on the path.",
    ),
    "consistency": (
        SEED,
        "Reliability targets: Assess each flow's importance and set reliability targets "
        "accordingly. Determine performance thresholds and establish clear service level "
        "agreements (SLAs) and objectives (SLOs). Higher criticality flows require more "
        "stringent reliability targets.",
    ),
    "feasibility": (
        RE04,
        "Composite SLA: when every component is required, multiply their availabilities; "
        "alternatives combine as 1 - product(1 - a); the downtime an objective allows is "
        "(1 - A) x period.",
    ),
}
