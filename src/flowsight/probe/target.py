"""Refuse to send synthetic traffic anywhere but loopback unless told otherwise.

Probes and load are real requests; pointed at the wrong host they are a
denial-of-service against someone else's system. The host is resolved (a name
such as `localhost` or one that an /etc/hosts entry points elsewhere is judged
by the addresses it resolves to), and every address must be in 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flowsight.errors import TargetRefused, UsageError


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise UsageError(f"cannot resolve the target host '{host}': {error.strerror}") from None
    return sorted({str(info[4][0]) for info in infos})


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def check_target(base_url: str, allow_remote: bool = False) -> str:
    """Validate `base_url` and return it without a trailing slash; raise TargetRefused."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--base-url '{base_url}' is not an http(s) URL",
            hint="for example --base-url http://127.0.0.1:8000",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UsageError(f"--base-url '{base_url}' has an invalid port") from None
    if not allow_remote:
        outside = [a for a in _addresses(parts.hostname, port) if not is_loopback(a)]
        if outside:
            raise TargetRefused(
                f"refusing to send traffic to {parts.hostname} ({', '.join(outside)}): "
                "it is not a loopback address",
                hint="targets must resolve to 127.0.0.0/8 or ::1; pass --allow-remote "
                "only for a system you own and may load",
            )
    return base_url.rstrip("/")
