/* flowsight charts: draws every <script type="application/json" class="chart-data"> island
   with uPlot (vendored next to this file). The data and its text come from Python; nothing
   here measures anything. Times are Unix seconds and every label reads in UTC. */
(function () {
  "use strict";
  var MINUTE = 60, HOUR = 3600, DAY = 86400;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var SHADES = {
    "closed": ["rgba(140,149,159,0.16)", "schedule closed"],
    "maintenance": ["rgba(9,105,218,0.22)", "maintenance (excluded)"],
    "maintenance-late": ["rgba(207,34,46,0.24)", "late maintenance (downtime)"]
  };
  var charts = {};

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function utc(seconds) { return new Date(seconds * 1000); }
  function clock(d, withSeconds) {
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + (withSeconds ? ":" + pad(d.getUTCSeconds()) : "");
  }
  function day(d) { return MONTHS[d.getUTCMonth()] + " " + d.getUTCDate(); }
  function stamp(seconds) {
    var d = utc(seconds);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " + clock(d) + " UTC";
  }

  /* x labels for the tick spacing uPlot found: seconds, minutes, hours, days. A label shows
     the date wherever the day changes, so a window of 3 minutes and one of 90 days both read. */
  function timeLabels(u, splits, axisIdx, space, incr) {
    var previousDay = null;
    var labels = splits.map(function (s) {
      var d = utc(s), today = day(d), label;
      if (incr >= DAY) label = today;
      else if (incr >= MINUTE) label = clock(d) + (today !== previousDay ? "\n" + today : "");
      else label = clock(d, true) + (today !== previousDay ? "\n" + today : "");
      previousDay = today;
      return label;
    });
    u.root.parentNode.dataset.xLabels = JSON.stringify(labels);
    return labels;
  }

  /* Pixels between time ticks: wide enough for "20:57:10" when the range is a few minutes
     (seconds in the labels), tighter for "20:57" or "Nov 2" so narrow screens keep 3 or more. */
  function timeSpace(u, axisIdx, min, max, plotDim) {
    return max - min <= 10 * MINUTE && plotDim >= 480 ? 80 : 50;
  }

  /* As many decimals as the tick step has: 0.25 -> 2, so 99.25 never reads "99.3". */
  function decimals(incr) {
    for (var digits = 0; digits < 4; digits++) {
      var scaled = incr * Math.pow(10, digits);
      if (Math.abs(scaled - Math.round(scaled)) < 1e-6) return digits;
    }
    return 4;
  }

  function valueLabels(unit) {
    return function (u, splits, axisIdx, space, incr) {
      var seconds = unit === "ms" && Math.max.apply(null, splits.map(Math.abs)) >= 1000;
      var digits = decimals(seconds ? incr / 1000 : incr);
      var labels = splits.map(function (v) {
        return seconds ? number(v / 1000, digits) + " s" : number(v, digits) + " " + unit;
      });
      u.root.parentNode.dataset.yLabels = JSON.stringify(labels);
      return labels;
    };
  }

  function number(v, digits) {
    return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  /* Values under the cursor, spelled as flowsight.report.format spells them:
     "99.917 %", "666 ms", "1.73 s". Latencies round up, as `millis` does: a reported
     latency is an upper bound and must not read below a threshold it missed. */
  function hoverValue(unit, digits) {
    return function (u, v) {
      if (v == null) return "-";
      if (unit === "ms") {
        return v < 1000
          ? number(Math.ceil(v - 1e-9), 0) + " ms"
          : (Math.ceil(v / 10 - 1e-9) / 100).toFixed(2) + " s";
      }
      return v.toFixed(digits) + " " + unit;
    };
  }

  /* The y axis as wide as its longest label, so "99.95 %" or "1,500 ms" is never clipped. */
  function axisSize(u, values, axisIdx) {
    var axis = u.axes[axisIdx], widest = 0;
    u.ctx.save();
    u.ctx.font = axis.font[0];
    (values || []).forEach(function (v) {
      widest = Math.max(widest, u.ctx.measureText(String(v)).width / devicePixelRatio);
    });
    u.ctx.restore();
    return Math.max(40, Math.ceil(widest) + 16);
  }

  function yRange(spec) {
    var hint = spec.y || {};
    return function (u, dataMin, dataMax) {
      var values = [];
      spec.series.forEach(function (s) { s.values.forEach(function (v) { if (v != null) values.push(v); }); });
      (hint.include || []).forEach(function (v) { values.push(v); });
      var lo = values.length ? Math.min.apply(null, values) : 0;
      var hi = values.length ? Math.max.apply(null, values) : 1;
      if (hint.max != null) hi = Math.max(Math.min(hi, hint.max), lo);
      if (spec.unit === "%" && hint.max === 100 && spec.kind === "availability") {
        lo = Math.max(0, lo - Math.max(0.05, (100 - lo) * 0.25));
        hi = 100;
      } else if (spec.kind === "burn-down") {
        hi = 100;
        lo = Math.min(0, lo);
      } else {
        hi = hi > 0 ? hi * 1.1 : 1;
      }
      if (hi - lo < 1e-9) hi = lo + 1;
      return [lo, hi];
    };
  }

  function drawBands(spec) {
    return function (u) {
      var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
      ctx.save();
      spec.bands.forEach(function (band) {
        var x0 = Math.max(u.bbox.left, u.valToPos(band.from, "x", true));
        var x1 = Math.min(u.bbox.left + u.bbox.width, u.valToPos(band.to, "x", true));
        if (x1 <= x0) return;
        ctx.fillStyle = SHADES[band.kind][0];
        // A maintenance hour in a 90-day window stays visible: at least 3 px wide.
        var least = band.kind === "closed" ? 1 : 3 * devicePixelRatio;
        ctx.fillRect(x0, top, Math.max(least, x1 - x0), height);
      });
      ctx.restore();
    };
  }

  function drawThresholds(spec) {
    return function (u) {
      var ctx = u.ctx, scale = u.scales.y, shown = [];
      ctx.save();
      ctx.font = "600 " + Math.round(11 * devicePixelRatio) + "px system-ui, sans-serif";
      ctx.textAlign = "right";
      spec.thresholds.forEach(function (t) {
        if (t.value < scale.min || t.value > scale.max) return;
        var y = Math.round(u.valToPos(t.value, "y", true));
        ctx.strokeStyle = t.color;
        ctx.fillStyle = t.color;
        ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, y);
        ctx.lineTo(u.bbox.left + u.bbox.width, y);
        ctx.stroke();
        ctx.fillText(t.label, u.bbox.left + u.bbox.width - 4 * devicePixelRatio, y - 4 * devicePixelRatio);
        shown.push(t.label);
      });
      ctx.restore();
      u.root.parentNode.dataset.thresholdsShown = JSON.stringify(shown);
      thresholdNote(spec, u);
    };
  }

  function columns(spec) {
    return [spec.x].concat(spec.series.map(function (s) { return s.values; }));
  }

  /* Start on the data when it covers a small part of the window, so three minutes of
     traffic in a day-long window read as a line, not a dot; a double click shows it all. */
  function initialRange(spec) {
    var xs = spec.x, lo = spec.range[0], hi = spec.range[1];
    if (!xs.length) return [lo, hi];
    var first = xs[0], last = xs[xs.length - 1] + spec.step;
    if ((last - first) * 4 < hi - lo) return [Math.max(lo, first - spec.step), Math.min(hi, last + spec.step)];
    return [lo, hi];
  }

  function options(spec, box) {
    var unit = spec.unit;
    var series = [{ label: "time (UTC)", value: function (u, v) { return v == null ? "-" : stamp(v); } }];
    spec.series.forEach(function (s) {
      var one = {
        label: s.label, stroke: s.color, width: 1.8, spanGaps: false,
        value: hoverValue(unit, spec.digits), dash: s.dash || undefined
      };
      if (s.stepped) one.paths = uPlot.paths.stepped({ align: 1 });
      if (s.points_only) {
        one.paths = function () { return null; };
        one.points = { show: true, size: 7, fill: s.color, stroke: "#fff" };
      } else {
        one.points = { show: spec.x.length < 3 };
      }
      series.push(one);
    });
    var range = initialRange(spec);
    return {
      width: Math.max(200, box.clientWidth),
      height: 240,
      padding: [10, 30, 0, 0],
      series: series,
      scales: {
        x: { time: true, min: range[0], max: range[1] },
        y: { range: yRange(spec) }
      },
      axes: [
        { values: timeLabels, size: 44, space: timeSpace, grid: { stroke: "#eaeef2" } },
        { values: valueLabels(unit), size: axisSize, space: 36, grid: { stroke: "#eaeef2" } }
      ],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      hooks: {
        drawAxes: [drawBands(spec)],
        draw: [drawThresholds(spec)],
        setScale: [function (u, key) {
          if (key === "x") box.dataset.range = [u.scales.x.min, u.scales.x.max].join(",");
        }]
      }
    };
  }

  function bandLegend(spec, box) {
    var kinds = [];
    spec.bands.forEach(function (b) { if (kinds.indexOf(b.kind) < 0) kinds.push(b.kind); });
    if (!kinds.length) return;
    var list = document.createElement("ul");
    list.className = "chart-key";
    kinds.forEach(function (kind) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = SHADES[kind][0];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(SHADES[kind][1]));
      item.dataset.band = kind;
      list.appendChild(item);
    });
    box.parentNode.appendChild(list);
  }

  /* Targets outside the data's range are named under the chart instead of flattening it. */
  function thresholdNote(spec, u) {
    var scale = u.scales.y;
    var note = u.root.parentNode.parentNode.querySelector(".chart-note");
    var text = spec.empty ? "" : spec.thresholds.filter(function (t) { return t.value > scale.max || t.value < scale.min; })
      .map(function (t) { return t.label + (t.value > scale.max ? " (above the plotted range)" : " (below the plotted range)"); })
      .join("; ");
    if (note) note.textContent = text;
  }

  function draw(island) {
    var spec = JSON.parse(island.textContent);
    var box = document.createElement("div");
    box.className = "chart";
    box.id = spec.id;
    box.dataset.chart = spec.kind;
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", spec.title + ". " + spec.summary);
    island.parentNode.insertBefore(box, island);
    var u = new uPlot(options(spec, box), columns(spec), box);
    var range = initialRange(spec);
    u.setScale("x", { min: range[0], max: range[1] });
    box.dataset.range = range.join(",");
    if (spec.empty) {
      var empty = document.createElement("div");
      empty.className = "chart-empty";
      empty.textContent = spec.empty;
      box.appendChild(empty);
      box.dataset.empty = "true";
    }
    bandLegend(spec, box);
    var note = document.createElement("p");
    note.className = "chart-note muted";
    box.parentNode.appendChild(note);
    u.redraw(false);
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var width = Math.max(200, box.clientWidth);
        if (Math.abs(width - u.width) > 1) u.setSize({ width: width, height: 240 });
      }).observe(box);
    }
    charts[spec.id] = { plot: u, spec: spec, box: box };
  }

  /* New data for a drawn chart (the dashboard's refresh): the zoom the reader chose stays. */
  function update(spec) {
    var chart = charts[spec.id];
    if (!chart) return;
    chart.spec.x = spec.x;
    chart.spec.empty = spec.empty;
    chart.spec.series.forEach(function (s, i) { s.values = spec.series[i].values; });
    chart.plot.setData(columns(chart.spec), false);
    chart.plot.redraw();
    var empty = chart.box.querySelector(".chart-empty");
    if (empty && !spec.empty) {
      empty.remove();
      delete chart.box.dataset.empty;
    }
  }

  function drawAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("script.chart-data"), draw);
  }

  window.flowsightCharts = { charts: charts, update: update, drawAll: drawAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  else drawAll();
})();
