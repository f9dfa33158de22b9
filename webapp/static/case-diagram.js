// The case page diagram: the case's own process version drawn by bpmn-js (NavigatedViewer),
// with the steps done, the steps waiting now and the events the case waits for (a review
// date, a deadline) marked by CSS classes (see app.css).
(function () {
  "use strict";
  var container = document.getElementById("case-diagram");
  if (!container) {
    return;
  }
  function words(value) {
    return (value || "").split(" ").filter(Boolean);
  }
  function fail(message) {
    container.dataset.state = "error";
    container.textContent = message;
  }
  // The messages come from the page, in the reader's language.
  var noViewer = container.dataset.msgNoViewer ||
    "The diagram viewer could not be loaded. The open tasks below show where the case is.";
  var failed = container.dataset.msgFailed ||
    "The diagram could not be shown. The open tasks below show where the case is.";
  if (typeof window.BpmnJS !== "function") {
    fail(noViewer);
    return;
  }
  var loading = container.querySelector(".diagram-loading");
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
      if (loading) {
        loading.remove();
      }
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      [["completed", "step-done"], ["current", "step-current"], ["waiting", "step-waiting"]].forEach(function (pair) {
        words(container.dataset[pair[0]]).forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, pair[1]);
          }
        });
      });
      function shapes(ids) {
        return words(ids).map(function (id) {
          return registry.get(id);
        }).filter(Boolean);
      }
      // Zoom to the steps waiting for a person, or else to the event the case waits for.
      var current = shapes(container.dataset.current);
      if (!current.length) {
        current = shapes(container.dataset.waiting);
      }
      function showWhole() {
        canvas.zoom("fit-viewport", "auto");
      }
      function showCurrent() {
        // A large process fitted into the box is unreadable: zoom to the waiting step instead.
        canvas.zoom("fit-viewport", "auto");
        if (!current.length || canvas.zoom() >= 0.7) {
          return;
        }
        var first = current[0];
        var outer = canvas.viewbox().outer;
        var width = outer.width / 0.9;
        var height = outer.height / 0.9;
        // The waiting step a third from the left, so the way ahead is visible.
        canvas.viewbox({
          x: first.x + first.width / 2 - width / 3,
          y: first.y + first.height / 2 - height / 2,
          width: width,
          height: height
        });
      }
      showCurrent();
      document.querySelectorAll("[data-diagram-view]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          if (button.dataset.diagramView === "whole") {
            showWhole();
          } else {
            showCurrent();
          }
        });
      });
      container.dataset.state = "ready";
    })
    .catch(function () {
      fail(failed);
    });
})();
