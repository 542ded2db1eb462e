"""Regression tests of issue 16: workload text is data in Go templates, PromQL and Markdown.

Defect 1: a flow named `{{ with query "up" }}...` ran PromQL when its alert fired, and
`{{7*7}}` made the rules file invalid; Alertmanager contacts went into the templated
`to:`. Defect 11: a newline in a route broke the PromQL. Defect 8: `flowsight docs`
wrote raw HTML from names into Markdown. Each is checked with the real tool.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from export_support import run, tool
from markdown_it import MarkdownIt

from flowsight.docs import write_docs
from flowsight.export.alertmanager import build_config
from flowsight.export.base import ExportOptions, dump_yaml
from flowsight.export.escape import promql_string, template_literal
from flowsight.export.prometheus import build_rules
from flowsight.load import LoadedWorkload, load_workload
from flowsight.model import Workload
from flowsight.model.contact import EmailContact

SHOP = Path(__file__).parent / "workloads" / "shop.yaml"
EPOCH_OPTIONS = ExportOptions(horizon_start=datetime(1970, 1, 1, tzinfo=UTC), horizon_days=30)
QUERY_NAME = 'Search {{ with query "up" }}{{ . }}{{ end }} {{7*7}} {{- $labels.instance }}'


def _shop() -> Workload:
    return load_workload(SHOP).workload.model_copy(deep=True)


def _flow_groups(workload: Workload, flow: str) -> list[dict[str, Any]]:
    data, _ = build_rules(workload, EPOCH_OPTIONS)
    names = {"flowsight-schedules", f"flowsight-flow-{flow}"}
    return [g for g in data["groups"] if g["name"] in names]


def _literal(text: str) -> str:
    return text.replace("{{`{{`}}", "{{")


def test_template_literal_renders_braces_as_text() -> None:
    assert template_literal("a {{7*7}} b") == "a {{`{{`}}7*7}} b"
    assert template_literal("{{{") == "{{`{{`}}{"
    assert template_literal("no braces `here`}}") == "no braces `here`}}"


def test_a_query_in_a_flow_name_is_shown_not_run(tmp_path: Path) -> None:
    """On main the alert's summary became the result of `query "up"` (an internal host)."""
    workload = _shop()
    search = workload.flow("search")
    assert search is not None
    search.name = QUERY_NAME
    groups = _flow_groups(workload, "search")
    (tmp_path / "rules.yaml").write_text(dump_yaml({"groups": groups}))
    check = run([tool("promtool"), "check", "rules", "rules.yaml"], tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    alerts = [r for r in groups[1]["rules"] if r.get("alert") == "FlowsightErrorBudgetBurn"]
    expected = [
        {
            "exp_labels": a["labels"],
            "exp_annotations": {k: _literal(v) for k, v in a["annotations"].items()},
        }
        for a in alerts
    ]
    assert expected[0]["exp_annotations"]["summary"] == (
        f"{QUERY_NAME} (low criticality) is burning its 99% availability error budget too fast"
    )
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": [g["name"] for g in groups],
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'up{instance="db.internal:5432", job="db"}', "values": "1x120"},
                    {"series": 'search_requests_total{code="500"}', "values": "0+30x120"},
                    {"series": 'search_requests_total{code="200"}', "values": "0+30x120"},
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "100m",
                        "alertname": "FlowsightErrorBudgetBurn",
                        "exp_alerts": expected,
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = run([tool("promtool"), "test", "rules", "test.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_syntax_in_every_annotated_text_keeps_the_rules_valid(tmp_path: Path) -> None:
    workload = _shop()
    party = workload.party("shop-team")
    checkout = workload.flow("checkout")
    assert party is not None and checkout is not None
    party.name = "Team {{7*7}}"
    party.contact = "x{{ .Alert }}@example.com"
    checkout.name = '{{ template "x" }}'
    workload.workload.labels["team"] = "{{ $value }}"
    data, _ = build_rules(workload, ExportOptions())
    (tmp_path / "rules.yaml").write_text(dump_yaml(data))
    result = run([tool("promtool"), "check", "rules", "rules.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_contact_with_template_syntax_is_sent_to_literally(tmp_path: Path) -> None:
    """amtool renders the `to:` field as Alertmanager would: it must give back the address."""
    workload = _shop()
    mail = workload.party("mail")
    assert mail is not None
    address = 'ops+{{.CommonLabels}}{{template"x"}}@example.com'
    mail.contact = EmailContact(kind="email", to=address)
    config, _ = build_config(workload, ExportOptions())
    receiver = next(r for r in config["receivers"] if r["name"] == "party-mail")
    to = receiver["email_configs"][0]["to"]
    (tmp_path / "t.tmpl").write_text('{{ define "x" }}INJECTED{{ end }}')
    args = [tool("amtool"), "template", "render", f"--template.glob={tmp_path}/t.tmpl"]
    result = run([*args, f"--template.text={to}"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == address


@pytest.mark.parametrize(
    "route", ["/api/a\nb", '/api/"quoted"', "/api/back\\slash", "/api/tab\there", "/api/ü\u2028"]
)
def test_control_characters_and_quotes_in_a_route_keep_the_promql_valid(
    route: str, tmp_path: Path
) -> None:
    """On main a newline in a route ended the PromQL string: no flow rule loaded."""
    workload = _shop()
    checkout = workload.flow("checkout")
    assert checkout is not None and checkout.telemetry is not None
    checkout.telemetry.routes[0].route = route
    checkout.telemetry.routes[0].service = "shop\nwest"
    groups = _flow_groups(workload, "checkout")
    (tmp_path / "rules.yaml").write_text(dump_yaml({"groups": groups}))
    check = run([tool("promtool"), "check", "rules", "rules.yaml"], tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    service = promql_string("shop\nwest")
    labels = (
        f'service_name={service}, http_request_method="POST", http_route={promql_string(route)}'
    )

    metric = "http_server_request_duration_seconds_count"
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {
                        "series": f'{metric}{{{labels}, http_response_status_code="500"}}',
                        "values": "0+1x20",
                    },
                    {
                        "series": f'{metric}{{{labels}, http_response_status_code="200"}}',
                        "values": "0+3x20",
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": 'flowsight:flow_error_ratio:rate5m{flow="checkout"}',
                        "eval_time": "10m",
                        "exp_samples": [
                            {
                                "labels": 'flowsight:flow_error_ratio:rate5m{flow="checkout", objective="availability"}',
                                "value": 0.25,
                            }
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = run([tool("promtool"), "test", "rules", "test.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_docs_escape_html_and_markdown_from_names(tmp_path: Path) -> None:
    """On main a flow named `<script>` put a script element into the rendered page."""
    loaded = load_workload(SHOP)
    workload = loaded.workload.model_copy(deep=True)
    checkout = workload.flow("checkout")
    assert checkout is not None
    checkout.name = '<script>alert(1)</script> [x](javascript:alert(2)) "q" `c`'
    checkout.description = "<img src=x onerror=alert(3)>\n# not a heading | pipe"
    workload.workload.name = "Shop <b>bold</b> & co"
    result = write_docs(LoadedWorkload(workload, loaded.source, loaded.path), tmp_path)
    renderer = MarkdownIt("commonmark").enable("table")
    for page in [result.catalog, *result.flow_pages]:
        html = renderer.render(page.read_text())
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert 'href="javascript' not in html
    page = (tmp_path / "checkout.md").read_text()
    html = renderer.render(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[x](javascript:alert(2))" in html  # shown as the text it is
    mermaid = page.split("```mermaid")[1]
    assert "<" not in mermaid.split("```")[0]
