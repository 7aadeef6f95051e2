// TaskGen monitor: the live view. Listens to the monitor's server-sent events and updates the page in place.
// Every value goes into the page as text (textContent), never as markup.
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base") || "";
  var svgNs = "http://www.w3.org/2000/svg";

  function text(el, value) {
    if (el && el.textContent !== String(value)) { el.textContent = value; }
  }

  function stateBadge(state, stateClass) {
    var span = document.createElement("span");
    span.className = "state " + stateClass;
    span.textContent = state;
    return span;
  }

  function setState(cell, task) {
    if (!cell) { return; }
    var badge = cell.querySelector(".state");
    if (badge && badge.textContent === task.state) { return; }
    cell.replaceChildren(stateBadge(task.state, task.stateClass));
  }

  function cell(value, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    td.textContent = value == null ? "" : value;
    return td;
  }

  function taskRow(task) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-task", task.id);
    tr.className = "fresh";
    tr.appendChild(cell(task.name));
    var idCell = document.createElement("td");
    var link = document.createElement("a");
    link.href = base + "/task/" + encodeURIComponent(task.id);
    link.className = "uuid";
    link.textContent = task.id;
    idCell.appendChild(link);
    tr.appendChild(idCell);
    var stateCell = document.createElement("td");
    stateCell.className = "t-state";
    setState(stateCell, task);
    tr.appendChild(stateCell);
    tr.appendChild(cell(task.args, "code"));
    tr.appendChild(cell(task.kwargs, "code"));
    tr.appendChild(cell(task.result, "code"));
    tr.appendChild(cell(task.received, "time"));
    tr.appendChild(cell(task.started, "time"));
    tr.appendChild(cell(task.runtime, "num"));
    tr.appendChild(cell(task.worker));
    return tr;
  }

  function updateRow(tr, task) {
    var cells = tr.children;
    if (cells.length < 10) { return; }
    setState(cells[2], task);
    text(cells[5], task.result || "");
    text(cells[6], task.received || "");
    text(cells[7], task.started || "");
    text(cells[8], task.runtime || "");
    text(cells[9], task.worker || "");
  }

  function findByData(root, attr, value) {
    var all = root.querySelectorAll("[" + attr + "]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute(attr) === value) { return all[i]; }
    }
    return null;
  }

  function updateTasks(summary) {
    var table = document.getElementById("tasks");
    if (table) {
      var tbody = table.tBodies[0];
      var live = table.getAttribute("data-live") === "1";
      var limit = parseInt(table.getAttribute("data-limit") || "50", 10);
      // Newest last, so that inserting each at the top leaves the newest first.
      for (var i = summary.tasks.length - 1; i >= 0; i--) {
        var task = summary.tasks[i];
        var row = findByData(tbody, "data-task", task.id);
        if (row) {
          updateRow(row, task);
        } else if (live) {
          tbody.insertBefore(taskRow(task), tbody.firstChild);
        }
      }
      while (live && tbody.rows.length > limit) { tbody.deleteRow(tbody.rows.length - 1); }
      if (live) {
        text(document.getElementById("total"), summary.total.toLocaleString("en-US"));
        var shown = document.getElementById("shown");
        if (shown && tbody.rows.length > 0) {
          shown.hidden = false;
          text(shown, "1\u2013" + tbody.rows.length.toLocaleString("en-US"));
        }
      }
    }
    // The task page's own state badge.
    var badge = document.querySelector("[data-task-state]");
    if (badge) {
      summary.tasks.forEach(function (task) {
        if (badge.getAttribute("data-task") === task.id) { setState(badge, task); }
      });
    }
  }

  function workerRow(worker) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-worker", worker.hostname);
    tr.className = "fresh";
    var nameCell = document.createElement("td");
    var link = document.createElement("a");
    link.href = base + "/worker/" + encodeURIComponent(worker.hostname);
    link.textContent = worker.hostname;
    nameCell.appendChild(link);
    tr.appendChild(nameCell);
    var statusCell = document.createElement("td");
    statusCell.className = "w-status";
    statusCell.appendChild(document.createElement("span"));
    tr.appendChild(statusCell);
    tr.appendChild(cell("", "w-heartbeat"));
    tr.appendChild(cell("", "w-active num"));
    tr.appendChild(cell("", "w-processed num"));
    for (var i = 0; i < 5; i++) { tr.appendChild(cell("")); }
    return tr;
  }

  function updateWorkers(summary) {
    text(document.getElementById("workers-online"), summary.workersOnline);
    var table = document.getElementById("workers");
    summary.workers.forEach(function (worker) {
      if (!table) { return; }
      var row = findByData(table, "data-worker", worker.hostname);
      if (!row) {
        // A worker seen since the page loaded: a row with what the summary knows; a reload fills in the rest.
        row = workerRow(worker);
        table.tBodies[0].appendChild(row);
      }
      var status = row.querySelector(".w-status span");
      if (status) {
        status.className = worker.online ? "online" : "offline";
        text(status, worker.online ? "online" : "offline");
      }
      text(row.querySelector(".w-active"), worker.active == null ? "" : worker.active);
      text(row.querySelector(".w-processed"), worker.processed == null ? "" : worker.processed);
    });
  }

  function updateCounts(summary) {
    var counts = document.querySelectorAll("[data-count]");
    for (var i = 0; i < counts.length; i++) {
      var state = counts[i].getAttribute("data-count");
      text(counts[i], (summary.states[state] || 0).toLocaleString("en-US"));
    }
  }

  function svg(name, attrs, parent) {
    var el = document.createElementNS(svgNs, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(el); }
    return el;
  }

  // Redraws the throughput bars from the summary's series, in the shape the server draws them.
  function drawThroughput(summary) {
    var chart = document.getElementById("throughput");
    if (!chart) { return; }
    var ok = summary.succeeded, bad = summary.failed, n = ok.length, most = 1, i;
    for (i = 0; i < n; i++) { most = Math.max(most, ok[i] + bad[i]); }
    var width = 600, bottom = 140, step = (width - 40) / n;
    var scale = function (v) { return v <= 0 ? 0 : Math.max(1, (bottom - 10) * v / most); };
    chart.replaceChildren();
    svg("line", { "class": "axis", x1: 38, y1: bottom, x2: width, y2: bottom }, chart);
    svg("text", { "class": "tick end", x: 34, y: 14 }, chart).textContent = String(most);
    svg("text", { "class": "tick end", x: 34, y: bottom }, chart).textContent = "0";
    for (i = 0; i < n; i++) {
      var x = 40 + i * step, h1 = scale(ok[i]), h2 = scale(bad[i]);
      if (h1 > 0) {
        svg("rect", { "class": "bar-ok", x: x, y: bottom - h1, width: Math.max(1, step - 1), height: h1 }, chart)
          .appendChild(svg("title", {})).textContent = ok[i] + " succeeded";
      }
      if (h2 > 0) {
        svg("rect", { "class": "bar-fail", x: x, y: bottom - h1 - h2, width: Math.max(1, step - 1), height: h2 }, chart)
          .appendChild(svg("title", {})).textContent = bad[i] + " failed";
      }
    }
    svg("text", { "class": "tick", x: 40, y: 156 }, chart).textContent = "-10 min";
    svg("text", { "class": "tick end", x: width - 4, y: 156 }, chart).textContent = "now";
  }

  function apply(summary) {
    updateCounts(summary);
    updateWorkers(summary);
    updateTasks(summary);
    drawThroughput(summary);
    body.setAttribute("data-updates", String(parseInt(body.getAttribute("data-updates") || "0", 10) + 1));
  }

  // Action forms post to Flower's API endpoints in place and show the answer as text; the task name of a rate or
  // time limit is part of the endpoint's path.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("api-action") || !window.fetch) { return; }
    event.preventDefault();
    var action = form.getAttribute("action");
    var pathField = form.querySelector("[data-path]");
    if (pathField) { action += encodeURIComponent(pathField.value); }
    var answer = document.getElementById("action-answer");
    fetch(action, { method: "POST", body: new FormData(form), headers: { "X-Requested-With": "XMLHttpRequest" }, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (textBody) {
          var message = textBody;
          try { var parsed = JSON.parse(textBody); if (parsed && parsed.message) { message = parsed.message; } } catch (e) { /* plain text */ }
          text(answer, (response.ok ? "" : response.status + ": ") + message);
        });
      })
      .catch(function (error) { text(answer, String(error)); });
  });

  if (!window.EventSource) { return; }
  var indicator = document.getElementById("live");
  var badge = document.querySelector("[data-task-state]");
  var watched = badge ? "?task=" + encodeURIComponent(badge.getAttribute("data-task")) : "";
  var source = new EventSource(base + "/events/stream" + watched);
  source.addEventListener("task", function (event) {
    try {
      var task = JSON.parse(event.data);
      if (badge && badge.getAttribute("data-task") === task.id) { setState(badge, task); }
    } catch (e) { if (window.console) { console.error(e); } }
  });
  source.addEventListener("summary", function (event) {
    try { apply(JSON.parse(event.data)); } catch (e) { if (window.console) { console.error(e); } }
  });
  source.onopen = function () { if (indicator) { indicator.className = "live on"; } };
  source.onerror = function () { if (indicator) { indicator.className = "live"; } };
})();
