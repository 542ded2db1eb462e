"""Hostile names through every exporter and generator, judged by the real tools (issue 16).

Names, descriptions, contacts, label values, routes and services get template
syntax, quotes, backslashes, newlines, HTML and arbitrary Unicode. For each
example: every exporter's YAML reads back with the same text; promtool checks
the rules and runs a unit test in which the alert fires and its summary,
description and labels render to exactly the hostile text; amtool checks the
Alertmanager configuration merged with other routes and renders the `to:`
field back to the address; `flowsight docs` goes through markdown-it-py and
headless Chromium, where no script may run. Examples are bounded (a few dozen
seconds with the tools' start-up).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from export_support import run, tool
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from playwright.sync_api import Browser, sync_playwright

from flowsight.docs import write_docs
from flowsight.export.alertmanager import build_subtree
from flowsight.export.alertmanager_formats import merge_route
from flowsight.export.base import ExportOptions, dump_yaml
from flowsight.export.prometheus import build_rules
from flowsight.export.registry import exporters
from flowsight.load import LoadedWorkload, load_workload
from flowsight.model import BusinessImpact, always_schedule
from flowsight.model.contact import EmailContact

SHOP = Path(__file__).parent / "workloads" / "shop.yaml"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OPTIONS = ExportOptions(horizon_start=datetime(1970, 1, 1, tzinfo=UTC), horizon_days=30)
PAYLOADS = [
    "{{7*7}}",
    '{{ with query "up" }}{{ . }}{{ end }}',
    "{{- $labels.instance -}}",
    '{{ template "x" }}',
    "{{{{`}}`}}}}",
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
    '"><svg onload=window.__pwned=1>',
    "[click](javascript:window.__pwned=1)",
    "line\nbreak\r\nand\ttab",
    "quote \" and ' and \\ backslash \\n",
    "`code` *bold* _it_ | pipe # hash",
    "ünïcödé ✓ 🚀 \u2028 \u200b אבג",
    "%0A %25 ::error:: ,",
]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
HOSTILE = st.one_of(
    st.sampled_from(PAYLOADS),
    TEXT,
    st.tuples(st.sampled_from(PAYLOADS), TEXT).map(lambda pair: pair[0] + pair[1]),
)
FIELDS = (
    "workload",
    "label",
    "flow",
    "other",
    "description",
    "impact",
    "party",
    "route",
    "service",
    "schedule",
)
LOCAL_PART = HOSTILE.map(lambda s: re.sub(r"[@\s]", "", s)).filter(bool)
_NO_SCRIPT = "() => window.__pwned === undefined"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/system-deps.sh`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _literal(text: str) -> str:
    return text.replace("{{`{{`}}", "{{")


def _hostile_workload(names: dict[str, str], local: str) -> LoadedWorkload:
    loaded = load_workload(SHOP)
    workload = loaded.workload.model_copy(deep=True)
    workload.workload.name = names["workload"]
    workload.workload.labels["team"] = names["label"]
    search, checkout = workload.flow("search"), workload.flow("checkout")
    mail, team = workload.party("mail"), workload.party("shop-team")
    assert search and checkout and mail and team and checkout.telemetry
    search.name, checkout.name = names["flow"], names["other"]
    search.description = checkout.description = names["description"]
    search.business_impact = BusinessImpact(description=names["impact"])
    schedule = always_schedule().model_copy(
        update={"id": "round-the-clock", "name": names["schedule"]}
    )
    workload.schedules.append(schedule)
    assert search.targets.reliability
    search.targets.reliability.schedule = schedule.id
    mail.name, team.name = names["party"], names["other"]
    mail.contact = EmailContact(kind="email", to=f"{local}@example.com")
    checkout.telemetry.routes[0].route = names["route"]
    checkout.telemetry.routes[0].service = names["service"]
    return LoadedWorkload(workload, loaded.source, loaded.path)


def _every_output_reads_back(loaded: LoadedWorkload) -> None:
    for name, exporter in exporters().items():
        variants: tuple[str | None, ...] = {
            "prometheus": ("rules", "prometheusrule"),
            "alertmanager": ("config", "route", "alertmanagerconfig"),
        }.get(name, (None,))
        for variant in variants:
            options = ExportOptions(horizon_start=OPTIONS.horizon_start, variant=variant)
            text = exporter.export(loaded.workload, options).text
            assert "&id0" not in text
            if text.startswith("{"):
                json.loads(text)
            else:
                list(yaml.safe_load_all(text))


def _promtool(loaded: LoadedWorkload, names: dict[str, str], tmp: Path) -> None:
    data, _ = build_rules(loaded.workload, OPTIONS)
    (tmp / "all.yaml").write_text(dump_yaml(data))
    check = run([tool("promtool"), "check", "rules", "all.yaml"], tmp)
    assert check.returncode == 0, check.stdout + check.stderr
    groups = [
        g for g in data["groups"] if g["name"] in ("flowsight-schedules", "flowsight-flow-search")
    ]
    alerts = [r for r in groups[1]["rules"] if r.get("alert") == "FlowsightErrorBudgetBurn"]
    expected = [
        {
            "exp_labels": {k: _literal(v) for k, v in a["labels"].items()},
            "exp_annotations": {k: _literal(v) for k, v in a["annotations"].items()},
        }
        for a in alerts
    ]
    first = expected[0]
    assert first["exp_annotations"]["summary"].startswith(names["flow"] + " (low criticality)")
    description = first["exp_annotations"]["description"]
    assert description.endswith(f"Business impact: {names['impact']}")
    assert f"The {names['schedule']} schedule (UTC) is open." in description
    assert first["exp_labels"]["team"] == names["label"]
    (tmp / "rules.yaml").write_text(dump_yaml({"groups": groups}))
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "group_eval_order": [g["name"] for g in groups],
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'up{instance="db.internal:5432"}', "values": "1x100"},
                    {"series": 'search_requests_total{code="500"}', "values": "0+30x100"},
                    {"series": 'search_requests_total{code="200"}', "values": "0+30x100"},
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "90m",
                        "alertname": "FlowsightErrorBudgetBurn",
                        "exp_alerts": expected,
                    }
                ],
            }
        ],
    }
    (tmp / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False, allow_unicode=True))
    result = run([tool("promtool"), "test", "rules", "test.yaml"], tmp)
    assert result.returncode == 0, result.stdout + result.stderr


def _amtool(loaded: LoadedWorkload, address: str, tmp: Path) -> None:
    fragment, _ = build_subtree(loaded.workload, OPTIONS)
    existing = {
        "route": {
            "receiver": "other",
            "routes": [{"matchers": ['team="db"'], "receiver": "other"}],
        },
        "receivers": [{"name": "other"}],
    }
    text = dump_yaml(merge_route(existing, fragment, ("localhost:25", "am@localhost")))
    for name in ("pagerduty-key", "slack-url", "opsgenie-key"):
        (tmp / name).write_text("https://hooks.example.com/x\n")
    (tmp / "am.yml").write_text(text.replace("/etc/alertmanager/", f"{tmp}/"))
    result = run([tool("amtool"), "check-config", "am.yml"], tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    mail = next(r for r in fragment["receivers"] if r["name"] == "party-mail")
    (tmp / "t.tmpl").write_text('{{ define "x" }}INJECTED{{ end }}')
    to = mail["email_configs"][0]["to"]
    render = [tool("amtool"), "template", "render", f"--template.glob={tmp}/t.tmpl"]
    rendered = run([*render, f"--template.text={to}"], tmp)
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.rstrip("\n") == address


def _docs(loaded: LoadedWorkload, browser: Browser, tmp: Path) -> None:
    result = write_docs(loaded, tmp / "docs")
    renderer = MarkdownIt("commonmark").enable("table")
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        for markdown in [result.catalog, *result.flow_pages]:
            html = renderer.render(markdown.read_text(encoding="utf-8"))
            page.set_content(f"<!doctype html><meta charset=utf-8><body>{html}</body>")
            assert page.evaluate(_NO_SCRIPT), markdown.name
            assert (
                page.evaluate("() => document.querySelectorAll('script, img, svg, iframe').length")
                == 0
            )
            links = page.evaluate("() => [...document.links].map(a => a.getAttribute('href'))")
            assert all(not href.lower().startswith("javascript") for href in links)
    finally:
        page.close()
    assert dialogs == []


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs the real tools
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    names=st.fixed_dictionaries(dict.fromkeys(FIELDS, HOSTILE)),
    local=LOCAL_PART,
)
@example(names=dict.fromkeys(FIELDS, " ".join(PAYLOADS)), local='x{{7*7}}{{.Alert}}<b>"\\')
def test_hostile_names_stay_data_in_every_output(
    names: dict[str, str], local: str, browser: Browser
) -> None:
    note(f"names={names!r} local={local!r}")
    loaded = _hostile_workload(names, local)
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        _every_output_reads_back(loaded)
        _promtool(loaded, names, tmp)
        _amtool(loaded, f"{local}@example.com", tmp)
        _docs(loaded, browser, tmp)


def test_the_browser_check_can_fail(browser: Browser) -> None:
    """The detector sees a script that runs, so a pass above means none ran."""
    page = browser.new_page()
    page.set_content("<img src=x onerror=window.__pwned=1>")
    page.wait_for_function("() => window.__pwned === 1")
    assert not page.evaluate(_NO_SCRIPT)
    page.close()
