// A form marked data-once is sent once: a second click while the first send is on its way
// is ignored (the server also refuses a second completion and explains why).
(function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      form.setAttribute("aria-busy", "true");
      var button = event.submitter;
      if (button && button.value === "complete") {
        button.classList.add("is-sending");
        button.insertAdjacentText("beforeend", " …");
      }
    });
  });
  // Coming back with the browser's Back button shows the page as it was left: allow sending.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sending;
      form.removeAttribute("aria-busy");
    });
  });
})();
