"""`flowsight ingest FILE... --db DB`: load OTLP trace files into the telemetry store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from flowsight.cli.options import db_option
from flowsight.cli.output import stderr, stdout


@click.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@db_option("Telemetry store directory (created if missing).")
@click.option(
    "--compact/--no-compact",
    default=True,
    show_default=True,
    help="Merge small segments afterwards.",
)
def command(files: tuple[str, ...], db: str, compact: bool) -> None:
    """Load OTLP trace files (JSON Lines or protobuf) into the store.

    FILES may be gzip-compressed. Exit code 2 when a file cannot be read.

    \b
    Example:
      flowsight ingest traces.jsonl.gz --db telemetry
    """
    from flowsight.telemetry import compact as compact_store
    from flowsight.telemetry import ingest_files, open_store

    store = open_store(db, create=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(advance: int, total: int, name: str) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], advance=advance)

        report = ingest_files([Path(f) for f in files], store, progress)
    if compact:
        compact_store(store)
    for warning in report.warnings:
        stderr.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    plural = "s" if report.files != 1 else ""
    stdout.print(f"ingested {report.spans} spans from {report.files} file{plural} into {db}")
