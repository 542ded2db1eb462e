/* The dashboard keeps itself current from each page's JSON twin (<body data-json>) every
   data-refresh seconds, instead of reloading the page: numbers arrive already spelled by
   the server (`display`), charts get new data and keep the reader's zoom. */
(function () {
  "use strict";
  var body = document.body;
  var every = Number(body.dataset.refresh || 0);

  function setText(node, text) {
    if (node && text != null && node.textContent !== text) node.textContent = text;
  }

  function setBadge(cell, health, text) {
    var badge = cell && cell.querySelector(".health");
    if (!badge || badge.dataset.state === health.state) return;
    badge.className = "health health-" + health.state;
    badge.dataset.state = health.state;
    var symbol = document.createElement("span");
    symbol.setAttribute("aria-hidden", "true");
    symbol.textContent = text.split(" ")[0];
    badge.replaceChildren(symbol, document.createTextNode(" " + health.label));
  }

  function fill(scope, row) {
    Object.keys(row.display).forEach(function (field) {
      var node = scope.querySelector('[data-field="' + field + '"]');
      if (field === "health") setBadge(node, row.health, row.display.health);
      else setText(node, row.display[field]);
    });
  }

  function apply(data) {
    if (data.flows && data.workload) {
      data.flows.forEach(function (row) {
        var tr = document.querySelector('tr[data-flow="' + CSS.escape(row.flow) + '"]');
        if (tr) fill(tr, row);
      });
    } else if (data.display) {
      var section = document.querySelector("section.flow");
      if (section) fill(section, data);
      Object.keys(data.charts || {}).forEach(function (kind) {
        window.flowsightCharts.update(data.charts[kind]);
      });
    }
    body.dataset.updated = String(Date.now());
  }

  function refresh() {
    fetch(body.dataset.json, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) apply(data); })
      .catch(function () { /* the next round tries again */ })
      .finally(function () { window.setTimeout(refresh, every * 1000); });
  }

  if (every > 0) window.setTimeout(refresh, every * 1000);
  window.flowsightDashboard = { refresh: function () { return fetch(body.dataset.json).then(function (r) { return r.json(); }).then(apply); } };
})();
