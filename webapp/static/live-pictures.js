// Redraw the case pictures (network map, timeline, inclusion chart) from the rows being typed,
// a moment after the last change. The server draws them; nothing is saved.
(function () {
  "use strict";
  var target = document.getElementById("live-pictures");
  var form = target && target.closest("form");
  if (!form) {
    return;
  }
  var timer = null;
  var sent = 0;
  function redraw() {
    var number = ++sent;
    fetch(target.dataset.picturesUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null && number === sent) {
        target.innerHTML = html;
      }
    }).catch(function () { /* the pictures stay as they were; the form still works */ });
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(redraw, 600);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
