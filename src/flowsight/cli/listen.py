"""Binding a server's port before announcing it: a busy port is a usage error (exit 2).

The socket is bound here and handed to uvicorn, so there is no window between
the check and the server taking the port, and the success banner is printed only
once the port is ours.
"""

from __future__ import annotations

import socket
from typing import Any

from flowsight.errors import UsageError


def bind(host: str, port: int, option: str = "--port") -> socket.socket:
    """A listening socket on host:port, or a UsageError that says what to change."""
    if not 0 <= port <= 65535:
        raise UsageError(f"{option} {port} is not a port number", "use 1-65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise UsageError(f"--host {host}: cannot resolve it ({error.strerror})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {error.strerror}",
            f"another process may be using the port; pick a free one with {option}",
        ) from None
    sock.set_inheritable(True)
    return sock


def serve(app: Any, sock: socket.socket) -> None:
    """Run the ASGI app on the already-bound socket until interrupted."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
