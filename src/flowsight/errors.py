"""The one exception hierarchy of flowsight.

Library code raises these; only the CLI turns them into messages and exit
codes, so every user mistake reaches the user as a sentence, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowsight.findings import Finding

#: Exit codes, documented in docs/cli.md.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class FlowsightError(Exception):
    """Base of every error flowsight raises on purpose."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(FlowsightError):
    """The command line asked for something that cannot be done as asked."""


class InputError(FlowsightError):
    """A file could not be read at all (missing, binary, not UTF-8)."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.file = file
        self.line = line
        self.column = column


class WorkloadError(FlowsightError):
    """The workload model has error findings; carries all of them at once."""

    exit_code = EXIT_FINDINGS

    def __init__(self, findings: list[Finding]) -> None:
        count = len(findings)
        super().__init__(f"the workload has {count} problem{'s' if count != 1 else ''}")
        self.findings = findings


class TelemetryError(FlowsightError):
    """Telemetry could not be read, decoded or stored."""


class StoreError(FlowsightError):
    """The telemetry store is missing, locked or of an unknown version."""


class ExportError(FlowsightError):
    """A monitoring artifact could not be generated or imported."""


class TargetRefused(FlowsightError):
    """A load or probe target is not on loopback and --allow-remote was not given."""


class MalformedTelemetry(TelemetryError):
    """An OTLP payload breaks the protocol; `where` names the offending field or line."""

    def __init__(self, message: str, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message, hint)
        self.reason = message
        self.where = where


class CostDataError(InputError):
    """A cost export is malformed; the message starts with file:line of the bad row."""


class TargetFailed(FlowsightError):
    """The target answered, but a step every run depends on failed (e.g. signing in)."""

    exit_code = EXIT_FINDINGS


class DemoFailed(FlowsightError):
    """A process the demo needs did not start, or stopped before the demo ended."""

    exit_code = EXIT_FINDINGS


class ReceiverFailed(TelemetryError):
    """A receiving worker of `collect --workers` stopped on its own; the others were stopped."""

    exit_code = EXIT_FINDINGS
