"""`flowsight docs`: the flow documentation the seed asks for, as Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flowsight.docs.pages import catalog, flow_page, flow_page_name
from flowsight.errors import UsageError
from flowsight.load import LoadedWorkload

__all__ = ["DocsResult", "write_docs"]


@dataclass
class DocsResult:
    directory: Path
    catalog: Path
    flow_pages: list[Path]


def write_docs(loaded: LoadedWorkload, directory: str | Path) -> DocsResult:
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory", "choose another -o DIR")
    out.mkdir(parents=True, exist_ok=True)
    workload = loaded.workload
    index = out / "index.md"
    index.write_text(catalog(workload), encoding="utf-8")
    pages = []
    for flow in workload.flows:
        page = out / flow_page_name(flow)
        page.write_text(flow_page(workload, flow), encoding="utf-8")
        pages.append(page)
    return DocsResult(out, index, pages)
