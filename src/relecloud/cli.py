"""``relecloud serve | seed | migrate``."""

from __future__ import annotations

import argparse
import logging
import sys

from relecloud.config import Settings
from relecloud.errors import RelecloudError

log = logging.getLogger("relecloud.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relecloud",
        description="Relecloud call-center app. Configuration: RELECLOUD_* variables "
        "(see docs/relecloud.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    seed = sub.add_parser("seed", help="migrate, then create demo concerts and users")
    seed.add_argument("--concerts", type=int, default=1000, help="concerts to create (1000)")
    seed.add_argument("--tickets", type=int, default=100, help="ticket pool per concert (100)")
    sub.add_parser("migrate", help="apply the Alembic migrations")
    return parser


def run(argv: list[str]) -> int:
    from relecloud import telemetry

    args = _parser().parse_args(argv)
    telemetry.configure_logging()
    settings = Settings.from_env()
    from relecloud.db import Database

    if args.command == "migrate":
        db = Database(settings.database_url)
        db.migrate()
        db.dispose()
        print("migrated", file=sys.stderr)
        return 0
    if args.command == "seed":
        from relecloud.seed import seed

        db = Database(settings.database_url)
        db.migrate()
        created = seed(
            db,
            concerts=args.concerts,
            tickets_per_concert=args.tickets,
            admin_password=settings.admin_password,
            employee_password=settings.employee_password,
        )
        db.dispose()
        print(
            f"created {created['concerts']} concerts and {created['users']} users", file=sys.stderr
        )
        return 0
    import uvicorn

    from relecloud.app import create_app

    app = create_app(settings)
    app.state.services.db.migrate()
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None)
    return 0


def main(argv: list[str] | None = None) -> None:
    try:
        code = run(sys.argv[1:] if argv is None else argv)
    except RelecloudError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)
