"""Reading one version of a workload: a path, or `REV:PATH` out of git.

A version read from git is loaded from a temporary copy, but every finding is
located at `REV:PATH:line:column`, the place the user can open and fix.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from flowsight.errors import UsageError, WorkloadError
from flowsight.load import load_workload
from flowsight.model import Workload


def _git_show(revision: str, path: Path) -> str:
    """The file's text at `revision`; the path is taken relative to its own folder."""
    folder = path.parent if str(path.parent) else Path()
    try:
        result = subprocess.run(
            ["git", "show", f"{revision}:./{path.name}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=folder,
        )
    except FileNotFoundError as error:
        raise UsageError("git is not installed", "compare two files instead") from error
    except NotADirectoryError as error:
        raise UsageError(f"{folder} is not a folder", "write REV:PATH to a file") from error
    if result.returncode != 0:
        raise UsageError(
            f"cannot read {path} at git revision {revision}: {result.stderr.strip()}",
            "write REV:PATH with a revision git knows, e.g. HEAD~1:workload.yaml",
        )
    return result.stdout


def load_version(spec: str) -> Workload:
    """A workload from a path, or from `REV:PATH` read out of git."""
    if Path(spec).exists() or ":" not in spec:
        return load_workload(spec).workload
    revision, _, path = spec.partition(":")
    text = _git_show(revision, Path(path))
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name
        copy.write_text(text, encoding="utf-8")
        try:
            return load_workload(copy).workload
        except WorkloadError as error:
            located = [
                replace(f, file=spec) if f.file in (str(copy), None) else f for f in error.findings
            ]
            raise WorkloadError(located) from None
