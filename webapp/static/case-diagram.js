// The case page diagram: the case's own process version drawn by bpmn-js (NavigatedViewer),
// with the steps done and the steps waiting now marked by CSS classes (see app.css).
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
  if (typeof window.BpmnJS !== "function") {
    fail("The diagram viewer could not be loaded. The open tasks below show where the case is.");
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
      canvas.zoom("fit-viewport", "auto");
      [["completed", "step-done"], ["current", "step-current"]].forEach(function (pair) {
        words(container.dataset[pair[0]]).forEach(function (id) {
          if (registry.get(id)) {
            canvas.addMarker(id, pair[1]);
          }
        });
      });
      container.dataset.state = "ready";
    })
    .catch(function () {
      fail("The diagram could not be shown. The open tasks below show where the case is.");
    });
})();
