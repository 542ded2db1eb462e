"""Issue 16: the loopback dashboard answers only to loopback Host names (DNS rebinding).

On main a request with `Host: attacker.example` got the dashboard: a page on that
domain, re-resolved to 127.0.0.1, could read it as same-origin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flowsight.web.conftest import make_client


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:8321", "127.0.0.1.nip.io", "0.0.0.0:8321"]
)
def test_a_foreign_host_header_is_refused_on_loopback(relecloud_store: Path, host: str) -> None:
    client = make_client(relecloud_store)
    for path in ("/", "/overview.json", "/metrics"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 421, (path, host)
        assert "Host header" in response.json()["error"]
    posted = client.post("/v1/traces", content=b"{}", headers={"Host": host})
    assert posted.status_code == 421


@pytest.mark.parametrize("host", ["127.0.0.1:8321", "localhost:8321", "LOCALHOST", "[::1]:8321"])
def test_loopback_names_are_served(relecloud_store: Path, host: str) -> None:
    client = make_client(relecloud_store)
    assert client.get("/overview.json", headers={"Host": host}).status_code == 200


def test_an_exposed_bind_relies_on_its_token_not_the_host(relecloud_store: Path) -> None:
    token = "t" * 32
    client = make_client(relecloud_store, host="0.0.0.0", token=token)
    headers = {"Host": "dashboard.internal:8321", "Authorization": f"Bearer {token}"}
    assert client.get("/overview.json", headers=headers).status_code == 200
    assert client.get("/overview.json", headers={"Host": "x"}).status_code == 401
