// The heatmap on the process diagram: bpmn-js (NavigatedViewer, served from the local npm
// package) draws the version's diagram; each element gets a heat class by how often cases
// passed it, a badge (overlay) with how many wait there now, and a click shows its figures.
// The figures come from the page itself (suppressed on the server), never from the cases.
(function () {
  "use strict";
  var container = document.getElementById("heatmap-diagram");
  var source = document.getElementById("heatmap-data");
  if (!container || !source) {
    return;
  }
  var labels = document.getElementById("heatmap-labels").dataset;
  var elements = JSON.parse(source.textContent || "[]");
  var byId = {};
  var top = 0;
  elements.forEach(function (e) {
    byId[e.id] = e;
    if (e.passed) {
      top = Math.max(top, e.passed);
    }
  });
  function fail(message) {
    container.dataset.state = "error";
    container.textContent = message;
  }
  if (typeof window.BpmnJS !== "function") {
    fail(labels.noViewer);
    return;
  }
  function level(e) {
    if (e.passed === null) {
      return 1; // fewer than the threshold: the lightest shade
    }
    if (!e.passed || !top) {
      return 0;
    }
    return Math.max(1, Math.ceil(4 * e.passed / top));
  }
  function show(id, name) {
    var title = document.getElementById("heatmap-detail-title");
    var list = document.getElementById("heatmap-detail-figures");
    var e = byId[id];
    title.textContent = (e && e.title) || name || id;
    list.replaceChildren();
    if (!e) {
      var none = document.createElement("p");
      none.textContent = labels.none;
      list.appendChild(none);
      return;
    }
    [[labels.passed, e.passed_text], [labels.waiting, e.waiting_text],
      [labels.median, e.median_text], [labels.p90, e.p90_text]].forEach(function (pair) {
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = pair[0];
      dd.textContent = pair[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
  }
  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    })
    .then(function (xml) {
      return viewer.importXML(xml);
    })
    .then(function () {
      var loading = container.querySelector(".diagram-loading");
      if (loading) {
        loading.remove();
      }
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var overlays = viewer.get("overlays");
      registry.forEach(function (shape) {
        var e = byId[shape.id];
        if (!e || shape.waypoints) {
          return;
        }
        var heat = level(e);
        if (heat) {
          canvas.addMarker(shape.id, "heat-" + heat);
        }
        if (e.waiting_text && e.waiting_text !== "0") {
          var badge = document.createElement("span");
          badge.className = "heat-badge";
          badge.textContent = e.waiting_short;
          badge.title = labels.waiting + ": " + e.waiting_text;
          overlays.add(shape.id, { position: { top: -12, right: 18 }, scale: false, html: badge });
        }
        if (e.passed_text && e.passed_text !== "0" && !shape.type.endsWith("Gateway")) {
          var count = document.createElement("span");
          count.className = "heat-count";
          count.textContent = e.passed_short + (e.median_short !== "–" ? " · " + e.median_short : "");
          overlays.add(shape.id, { position: { bottom: 14, left: 0 }, scale: { min: 0.8 }, html: count });
        }
      });
      viewer.on("element.click", function (event) {
        var shape = event.element;
        if (shape && !shape.waypoints && shape.type !== "bpmn:Process") {
          show(shape.id, shape.businessObject && shape.businessObject.name);
        }
      });
      canvas.zoom("fit-viewport", "auto");
      container.dataset.state = "ready";
    })
    .catch(function (error) {
      fail(labels.noDiagram.replace("{problem}", error.message));
    });
}());
