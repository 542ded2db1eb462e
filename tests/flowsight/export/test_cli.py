"""`flowsight export` and `flowsight import` through the real command line entry point."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from export_support import EXAMPLE

from flowsight.cli import cli


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_export_writes_every_format(tmp_path: Path) -> None:
    for name in ("prometheus", "alertmanager", "openslo", "grafana"):
        out = tmp_path / f"{name}.out"
        code, _, err = _invoke("export", name, str(EXAMPLE), "-o", str(out))
        assert code == 0, err
        assert out.read_text().strip()


def test_export_to_stdout_with_a_service_label() -> None:
    code, out, _ = _invoke(
        "export",
        "prometheus",
        str(EXAMPLE),
        "--service-label",
        "job",
        "--horizon-start",
        "2026-01-01",
    )
    assert code == 0
    assert 'job="relecloud"' in out and "service_name" not in out
    assert yaml.safe_load(out)["groups"][0]["name"] == "flowsight-schedules"


def test_bad_input_is_a_message_and_exit_code_2(tmp_path: Path) -> None:
    code, _, err = _invoke("export", "prometheus", str(tmp_path / "missing.yaml"))
    assert code == 2 and "Traceback" not in err and "missing.yaml" in err
    code, _, err = _invoke("export", "prometheus", str(EXAMPLE), "--horizon-start", "soon")
    assert code == 2 and "is not a date" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v9\n")
    code, _, err = _invoke("import", "openslo", str(bad))
    assert code == 2 and "not an OpenSLO" in err


def test_invalid_workload_exits_1_with_its_findings(tmp_path: Path) -> None:
    broken = tmp_path / "w.yaml"
    broken.write_text("workload: {name: x}\nflows: [{id: a}]\n")
    code, _, err = _invoke("export", "grafana", str(broken))
    assert code == 1 and "error" in err


def test_import_round_trip_through_the_cli(tmp_path: Path) -> None:
    slos, workload = tmp_path / "slos.yaml", tmp_path / "workload.yaml"
    assert _invoke("export", "openslo", str(EXAMPLE), "-o", str(slos))[0] == 0
    code, _, err = _invoke("import", "openslo", str(slos), "-o", str(workload))
    assert code == 0, err
    code, _, err = _invoke("export", "openslo", str(workload), "-o", str(tmp_path / "again.yaml"))
    assert code == 0, err
    assert (tmp_path / "again.yaml").read_text() == slos.read_text()
