"""What the traces show: entry points, their downstream calls and their step sequences.

The spans of the window are read ONCE into a slim temporary table (the columns the
questions below need, the attributes map reduced to a few extracted keys); every
question is then a grouped query over that table inside DuckDB, so Python only sees
one row per entry point, dependency, step sequence or hour, never a row per span.

An entry point is where work enters the workload: a server span (an HTTP route), a
consumer span (a message) or a root span of any other kind (a scheduled job). A server
span whose parent is a client span of the same trace is an internal hop of the flow that
made the call, not an entry point of its own, unless a synthetic prober made the call: a
probe's own spans are a test driver's, and the server spans it causes are the entry points. A downstream call is a client or producer
span, and a consumer's own broker (its messaging system) is a call of the consumer; a call
belongs to the latest entry point of its trace that started before it (the
nearest entry-point ancestor in the usual shapes, without walking the tree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from flowsight.telemetry.store import TelemetryStore, connect

#: Attributes that name what a client or producer span calls, in the order they are trusted.
TARGET_KEYS: tuple[str, ...] = (
    "peer.service",
    "server.address",
    "db.system",
    "db.system.name",
    "messaging.system",
    "rpc.service",
)
#: Kind of component a call target suggests, by the attribute that named it.
TARGET_KINDS = {
    "service": "api",
    "peer.service": "api",
    "server.address": "external",
    "db.system": "database",
    "db.system.name": "database",
    "messaging.system": "queue",
    "rpc.service": "api",
}
_SEP = "\x1f"
#: Two entries of one user further apart than this (30 min) belong to different sessions.
SESSION_GAP_NS = 30 * 60 * 1_000_000_000
#: A path segment that is an identifier rather than a name: digits, or a long hex/UUID.
_ID_SEGMENT = r"/([0-9]+|[0-9a-fA-F-]{16,})(/|$)"


@dataclass(frozen=True)
class EntryKey:
    """One entry point: a route of a service, or a consumer's or job's span name."""

    service: str
    kind: str  # "http", "consumer" or "job"
    method: str | None
    route: str  # the route template for HTTP, else the span name
    group: str | None = None  # the --group-by attribute's value, when asked for
    step: str | None = None  # the --step-by attribute's value, when asked for

    def label(self) -> str:
        head = f"{self.method} {self.route}" if self.method else self.route
        return f"{self.service}: {head}"


@dataclass
class EntryStats:
    key: EntryKey
    count: int
    bad: int
    p95_ns: int
    first_ns: int
    last_ns: int
    #: hour since the epoch (UTC) -> entry spans that started in it
    hours: dict[int, int] = field(default_factory=dict)
    #: the most common sequence of direct INTERNAL children, and how many entries had it
    sequence: tuple[str, ...] = ()
    sequence_count: int = 0


@dataclass(frozen=True)
class CallStats:
    entry: EntryKey
    target: str
    attribute: str  # what named the target: 'service' (a traced callee) or a TARGET_KEYS key
    calls: int
    bad: int
    p95_ns: int
    entries_calling: int
    #: the workload components whose span rules match these calls (drift only)
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComponentWork:
    """Spans of a component inside the traces of an entry point (None: outside any)."""

    entry: EntryKey | None
    component: str
    spans: int
    bad: int


@dataclass
class Observation:
    start_ns: int
    end_ns: int
    spans: int
    entries: list[EntryStats]
    calls: list[CallStats]
    #: (from, to, count): consecutive entries of one user within a session
    transitions: list[tuple[EntryKey, EntryKey, int]] = field(default_factory=list)
    work: list[ComponentWork] = field(default_factory=list)

    def entry(self, key: EntryKey) -> EntryStats | None:
        return next((e for e in self.entries if e.key == key), None)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _attribute(name: str) -> str:
    return f"nullif(attributes[{_quote(name)}], '')"


@dataclass(frozen=True)
class Grouping:
    """SQL over a span's columns: its flow (evaluate's attribution), group and step."""

    flow: str = "CAST(NULL AS VARCHAR)"
    group: str = "CAST(NULL AS VARCHAR)"
    step: str = "CAST(NULL AS VARCHAR)"
    #: component id -> SQL for 'this span is the component's work' (cost's rule)
    components: tuple[tuple[str, str], ...] = ()
    #: discover reads the traffic's shape (hours, child-span sequences); drift does not
    shape: bool = True

    def rule_groups(self) -> dict[str, list[str]]:
        """Label of each distinct span rule -> the components it measures (twins share one)."""
        by_rule: dict[str, list[str]] = {}
        for cid, sql in self.components:
            by_rule.setdefault(sql, []).append(cid)
        return {f"r{i}": ids for i, ids in enumerate(by_rule.values())}

    def component_list(self) -> str:
        if not self.components:
            return "CAST([] AS VARCHAR[])"
        rules = dict(self.components)
        cases = ", ".join(
            f"CASE WHEN {rules[ids[0]]} THEN {_quote(label)} END"
            for label, ids in self.rule_groups().items()
        )
        return f"list_filter([{cases}], lambda x: x IS NOT NULL)"

    @classmethod
    def by_attributes(cls, group_by: str | None, step_by: str | None) -> Grouping:
        none = "CAST(NULL AS VARCHAR)"
        return cls(
            group=_attribute(group_by) if group_by else none,
            step=_attribute(step_by) if step_by else none,
        )


def _slim_table(start_ns: int, end_ns: int, grouping: Grouping) -> str:
    """The one scan: every span of the window with the few columns and attributes used.

    Attribute lookups in the map are the costly part, so each is made only for the spans
    that need it (call targets for client, producer and consumer spans; the grouping for
    entry spans), and strings are kept only where a question reads them.
    """
    calls = "kind IN (3, 4, 5)"
    lookups = ", ".join(
        f"CASE WHEN {calls} THEN {_attribute(k)} END AS x{i}" for i, k in enumerate(TARGET_KEYS)
    )
    targets = ", ".join(f"x{i}" for i in range(len(TARGET_KEYS)))
    named_by = " ".join(
        f"WHEN x{i} IS NOT NULL THEN {_quote(k)}" for i, k in enumerate(TARGET_KEYS)
    )
    route = (
        "coalesce(http_route, regexp_replace(regexp_replace(url_path, '[?#].*$', ''), "
        f"'{_ID_SEGMENT}', '/{{id}}\\2', 'g'))"
    )
    entry = "(kind IN (2, 5) OR parent_span_id = '' OR parent_span_id IS NULL)"
    window = f"start_ns >= {start_ns} AND start_ns < {end_ns}"
    return (
        "CREATE TEMP TABLE s AS SELECT hash(trace_id) AS t, hash(span_id) AS sid, "
        "CASE WHEN parent_span_id <> '' THEN hash(parent_span_id) END AS pid, service, "
        "CASE WHEN kind IN (3, 4) OR ep IS NOT NULL THEN NULL ELSE name END AS name, kind, "
        "start_ns, duration_ns, CASE WHEN ep IS NOT NULL THEN http_method END AS http_method, "
        f"CASE WHEN {entry} THEN enduser END AS enduser, synthetic, ep AS route, "
        "(status = 2 OR coalesce(http_status, 0) >= 500) AS bad, "
        f"coalesce({targets}) AS target, CASE {named_by} END AS target_attr, "
        f"CASE WHEN {entry} THEN {grouping.group} END AS grp, "
        f"CASE WHEN {entry} THEN {grouping.step} END AS stp, "
        f"{grouping.component_list()} AS comps "
        f"FROM (SELECT *, CASE WHEN {entry} THEN {grouping.flow} END AS flow, "
        f"CASE WHEN kind = 2 THEN {route} END AS ep, {lookups} "
        f"FROM (SELECT *, coalesce(http_route, url_path) AS route FROM spans WHERE {window}) "
        f"AS windowed) AS attributed{'' if grouping.shape else _SHAPELESS}"
    )


#: Without the traffic's shape, an INTERNAL child span matters only as a component's work.
_SHAPELESS = " WHERE NOT (kind = 1 AND parent_span_id <> '' AND len(comps) = 0)"


_ENTRIES = """
CREATE TEMP TABLE e AS
SELECT s.*,
  CASE WHEN s.kind = 5 THEN 'consumer' WHEN s.kind = 2 AND s.route IS NOT NULL THEN 'http'
       ELSE 'job' END AS ep_kind,
  CASE WHEN s.kind = 2 AND s.route IS NOT NULL THEN s.route ELSE s.name END AS ep_route,
  CASE WHEN s.kind = 2 AND s.route IS NOT NULL THEN s.http_method END AS ep_method
FROM s
WHERE (s.kind IN (2, 5) OR s.pid IS NULL)
  AND NOT (s.kind NOT IN (2, 5) AND s.synthetic IS NOT NULL)
  AND NOT (s.kind = 2 AND s.pid IS NOT NULL AND EXISTS (
    SELECT 1 FROM s AS caller WHERE caller.kind = 3 AND caller.synthetic IS NULL
      AND caller.t = s.t AND caller.sid = s.pid))
"""

_KEY = "service, ep_kind, ep_method, ep_route, grp, stp"

_ENTRY_STATS = f"""
SELECT {_KEY}, count(*), sum(bad::INTEGER), quantile_disc(duration_ns, 0.95),
       min(start_ns), max(start_ns)
FROM e GROUP BY ALL
"""

_ENTRY_HOURS = f"SELECT {_KEY}, start_ns // 3600000000000 AS hour, count(*) FROM e GROUP BY ALL"

_SEQUENCES = f"""
WITH seq AS (
  SELECT c.t, c.pid,
         string_agg(c.name, '{_SEP}' ORDER BY c.start_ns, c.name) AS names
  FROM s AS c WHERE c.kind = 1 AND c.pid IS NOT NULL GROUP BY ALL
), counted AS (
  SELECT {", ".join("e." + k.strip() for k in _KEY.split(","))}, seq.names, count(*) AS n
  FROM e JOIN seq ON seq.t = e.t AND seq.pid = e.sid
  GROUP BY ALL
)
SELECT {_KEY}, arg_max(names, n ORDER BY names), max(n) FROM counted GROUP BY ALL
"""

_E_KEY = ", ".join("e." + k.strip() for k in _KEY.split(","))

#: Traces with one entry point (most of them) attribute their spans by a hash join;
#: only traces with several need the sort of an ASOF join.
_OWNERS = [
    "CREATE TEMP TABLE multi AS SELECT t FROM e GROUP BY t HAVING count(*) > 1",
    f"CREATE TEMP TABLE one AS SELECT t, {', '.join(f'any_value({k.strip()}) AS {k.strip()}' for k in _KEY.split(','))}, "
    "any_value(sid) AS sid, any_value(start_ns) AS start_ns FROM e "
    "ANTI JOIN multi USING (t) GROUP BY t",
]


def _owned(spans: str, columns: str) -> str:
    """`spans` (with t and start_ns) with the key and span id of the entry each belongs to:
    the latest entry of its trace that started before it (NULLs when there is none)."""
    return (
        f"SELECT {_E_KEY}, e.sid AS entry_span, {columns} FROM ({spans}) AS x "
        "LEFT JOIN one AS e ON x.t = e.t AND x.start_ns >= e.start_ns "
        "WHERE NOT EXISTS (SELECT 1 FROM multi AS m WHERE m.t = x.t) "
        f"UNION ALL SELECT {_E_KEY}, e.sid AS entry_span, {columns} FROM "
        f"(SELECT y.* FROM ({spans}) AS y SEMI JOIN multi AS m ON m.t = y.t) AS x "
        "ASOF LEFT JOIN e ON x.t = e.t AND x.start_ns >= e.start_ns"
    )


_CALL_SPANS = """
SELECT s.t, s.start_ns, s.bad, s.duration_ns, s.comps,
       coalesce(callee.service, s.target) AS dep,
       CASE WHEN callee.service IS NOT NULL THEN 'service' ELSE s.target_attr END AS dep_attr
FROM s LEFT JOIN (SELECT t, pid, any_value(service) AS service
                  FROM s WHERE kind = 2 AND pid IS NOT NULL GROUP BY ALL) AS callee
  ON s.kind = 3 AND callee.t = s.t AND callee.pid = s.sid
WHERE (s.kind IN (3, 4) OR (s.kind = 5 AND s.target IS NOT NULL)) AND s.synthetic IS NULL
"""

_CALLS = f"""
SELECT {_KEY}, dep, dep_attr, count(*), sum(bad::INTEGER), quantile_disc(duration_ns, 0.95),
       count(DISTINCT entry_span), comps
FROM ({_owned(_CALL_SPANS, "x.dep, x.dep_attr, x.bad, x.duration_ns, x.comps")}) AS attributed
WHERE dep IS NOT NULL AND entry_span IS NOT NULL GROUP BY ALL
"""


#: Drift needs only how many calls a flow makes to what (no latency, no entry counts).
_CALL_COUNTS = _CALLS.replace("quantile_disc(duration_ns, 0.95)", "0").replace(
    "count(DISTINCT entry_span)", "0"
)

_TRANSITIONS = f"""
WITH ordered AS (
  SELECT {_KEY}, start_ns,
    lag(service) OVER w AS p_service, lag(ep_kind) OVER w AS p_kind,
    lag(ep_method) OVER w AS p_method, lag(ep_route) OVER w AS p_route,
    lag(grp) OVER w AS p_grp, lag(stp) OVER w AS p_stp, lag(start_ns) OVER w AS p_start
  FROM e WHERE enduser IS NOT NULL
  WINDOW w AS (PARTITION BY enduser ORDER BY start_ns, sid)
)
SELECT p_service, p_kind, p_method, p_route, p_grp, p_stp, {_KEY}, count(*) FROM ordered
WHERE p_start IS NOT NULL AND start_ns - p_start < {SESSION_GAP_NS} GROUP BY ALL
"""


_COMPONENTS = f"""
SELECT {_KEY}, comp, count(*), sum(bad::INTEGER) FROM ({
    _owned(
        "SELECT t, start_ns, bad, unnest(comps) AS comp FROM s WHERE len(comps) > 0",
        "x.comp, x.bad",
    )
}) AS attributed GROUP BY ALL
"""


def _key(row: Sequence[object]) -> EntryKey:
    service, kind, method, route, group, step = row[:6]
    return EntryKey(
        str(service or "unknown"),
        str(kind),
        None if method is None else str(method),
        str(route or "?"),
        None if group is None else str(group),
        None if step is None else str(step),
    )


def _observe(
    connection: duckdb.DuckDBPyConnection, start_ns: int, end_ns: int, grouping: Grouping
) -> Observation:
    connection.execute(_slim_table(start_ns, end_ns, grouping))
    connection.execute(_ENTRIES)
    for statement in _OWNERS:
        connection.execute(statement)
    spans_row = connection.execute("SELECT count(*) FROM s").fetchone()
    entries = {
        _key(r): EntryStats(_key(r), int(r[6]), int(r[7] or 0), int(r[8]), int(r[9]), int(r[10]))
        for r in connection.execute(_ENTRY_STATS).fetchall()
    }
    if grouping.shape:
        for row in connection.execute(_ENTRY_HOURS).fetchall():
            entries[_key(row)].hours[int(row[6])] = int(row[7])
        for row in connection.execute(_SEQUENCES).fetchall():
            stats = entries[_key(row)]
            stats.sequence, stats.sequence_count = tuple(str(row[6]).split(_SEP)), int(row[7])
    groups = grouping.rule_groups()
    calls = [
        CallStats(
            _key(r),
            str(r[6]),
            str(r[7]),
            int(r[8]),
            int(r[9] or 0),
            int(r[10]),
            int(r[11]),
            tuple(cid for label in r[12] or () for cid in groups[label]),
        )
        for r in connection.execute(_CALLS if grouping.shape else _CALL_COUNTS).fetchall()
    ]
    work = []
    if grouping.components:
        work = [
            ComponentWork(None if r[0] is None else _key(r), cid, int(r[7]), int(r[8] or 0))
            for r in connection.execute(_COMPONENTS).fetchall()
            for cid in groups[str(r[6])]
        ]
    transitions = sorted(
        ((_key(r), _key(r[6:]), int(r[12])) for r in connection.execute(_TRANSITIONS).fetchall()),
        key=lambda t: (_sort_key(t[0]), _sort_key(t[1])),
    )
    order = sorted(entries.values(), key=lambda e: _sort_key(e.key))
    calls.sort(key=lambda c: (_sort_key(c.entry), c.target, c.attribute))
    spans = int(spans_row[0]) if spans_row else 0
    return Observation(start_ns, end_ns, spans, order, calls, transitions, work)


def _sort_key(key: EntryKey) -> tuple[str, ...]:
    return (
        key.group or "",
        key.service,
        key.kind,
        key.route,
        key.method or "",
        key.step or "",
    )


def observe_store(
    store: TelemetryStore,
    start_ns: int,
    end_ns: int,
    grouping: Grouping | None = None,
    memory_limit: str | None = "1500MB",
) -> Observation:
    """Everything discover and drift need from the spans in [start_ns, end_ns)."""
    with connect(store, memory_limit=memory_limit) as connection:
        connection.execute("SET preserve_insertion_order = false")
        return _observe(connection, start_ns, end_ns, grouping or Grouping())
