// A form marked data-once is sent once: a second click while the first send is on its way
// is ignored (the server also refuses a second completion and explains why).
(function () {
  "use strict";
  // Files are sent only with the form itself (checked and kept by the server), never with
  // an autosave or a live preview.
  function withoutFiles(form, body) {
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      body.delete(input.name);
    });
  }
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
  // The words come from the page (data-msg-* on the form, in the reader's language), numbers
  // are written as the page's language writes them.
  var language = document.documentElement.lang || "en";
  function say(element, name, fallback, values) {
    var text = (element && element.dataset[name]) || fallback;
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }
  function number(value) {
    return value.toLocaleString(language);
  }
  // Long answers: a counter instead of a hard limit, so pasted text is never cut silently.
  document.querySelectorAll("textarea[data-maxlength]").forEach(function (box) {
    var limit = parseInt(box.dataset.maxlength, 10);
    var counter = document.createElement("div");
    counter.id = box.id + "-count";
    counter.className = "form-text char-count";
    box.parentElement.appendChild(counter);
    var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(counter.id);
    box.setAttribute("aria-describedby", described.join(" "));
    function update() {
      var left = limit - box.value.length;
      if (left < 0) {
        counter.textContent = say(box.form, "msgCharsOver",
          "Characters over the limit: {count}. Please shorten the text.", { count: number(-left) });
      } else if (left < limit * 0.2) {
        counter.textContent = say(box.form, "msgCharsLeft", "Characters left: {count}.",
          { count: number(left) });
      } else {
        counter.textContent = say(box.form, "msgCharsLimit", "Up to {count} characters.",
          { count: number(limit) });
      }
      counter.classList.toggle("text-danger", left < 0);
      counter.classList.toggle("fw-semibold", left < 0);
    }
    box.addEventListener("input", update);
    update();
  });
  // Autosave: a minute after the last change the form is kept as the user's draft (and the
  // session stays alive), so a long answer survives a timeout or a closed laptop.
  document.querySelectorAll("form[data-autosave-url]").forEach(function (form) {
    var status = document.getElementById("draft-status");
    var timer = null;
    function save() {
      if (form.dataset.sending === "1") {
        return;
      }
      var body = new FormData(form);
      body.delete("action");
      withoutFiles(form, body);
      fetch(form.dataset.autosaveUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
          if (response.redirected || !json) {
            if (status) {
              status.textContent = say(form, "msgLoggedOut", "You were logged out after a " +
                "while without activity. What was saved as a draft before is kept: log in " +
                "again to continue.");
              status.classList.add("text-danger");
            }
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (result) {
          if (result && status) {
            status.textContent = say(form, "msgDraftSaved",
              "Draft saved automatically at {time}. Only you can see it.",
              { time: result.saved_at });
          }
        })
        .catch(function () { /* the Save draft button still works */ });
    }
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, parseInt(form.dataset.autosaveDelay || "60000", 10));
    });
  });
  // Live advice: the server works out the task's decision table on the answers typed so far,
  // a moment after the last change, and sends the panel back. Nothing is saved.
  document.querySelectorAll("[data-advice-url]").forEach(function (target) {
    var form = document.getElementById(target.dataset.form);
    if (!form) {
      return;
    }
    var timer = null;
    var sent = 0;
    function refresh() {
      var number = ++sent;
      var body = new FormData(form);
      body.delete("action");
      withoutFiles(form, body);
      target.setAttribute("aria-busy", "true");
      fetch(target.dataset.adviceUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) {
          return response.ok && !response.redirected ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && number === sent) {
            target.innerHTML = html;
          }
        })
        .catch(function () { /* the advice stays as it was; the form still works */ })
        .then(function () {
          if (number === sent) {
            target.removeAttribute("aria-busy");
          }
        });
    }
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  });
  // Repeatable rows and lists: "Add row" copies the empty entry kept in the <template> and
  // "Remove" takes an entry out, in the page. Without scripts both buttons post the form and
  // the server adds or removes the entry (the same names and indexes either way).
  function repeatable(box) {
    if (box.dataset.repeatReady === "1") {
      return;
    }
    box.dataset.repeatReady = "1";
    var entries = box.querySelector("[data-repeat-entries]");
    var template = box.querySelector("template[data-repeat-template]");
    var add = box.querySelector("[data-repeat-add]");
    if (!entries || !template) {
      return;
    }
    var min = parseInt(box.dataset.repeatMin || "0", 10);
    var max = box.dataset.repeatMax ? parseInt(box.dataset.repeatMax, 10) : Infinity;
    var next = parseInt(box.dataset.repeatNext || "0", 10);
    function current() {
      return Array.prototype.filter.call(entries.children, function (child) {
        return child.hasAttribute("data-repeat-entry");
      });
    }
    function refresh() {
      var list = current();
      list.forEach(function (entry, index) {
        entry.querySelectorAll("[data-repeat-number]").forEach(function (number) {
          number.textContent = number.textContent.replace(/\d+/, String(index + 1));
        });
        var remove = entry.querySelector("[data-repeat-remove]");
        if (remove) {
          remove.hidden = list.length <= min;
        }
      });
      if (add) {
        add.classList.toggle("d-none", list.length >= max);
      }
    }
    if (add) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        if (current().length >= max) {
          return;
        }
        var html = template.innerHTML.replace(/__index__/g, String(next))
          .replace(/__number__/g, String(current().length + 1));
        next += 1;
        entries.insertAdjacentHTML("beforeend", html);
        refresh();
        var added = current().pop();
        var first = added && added.querySelector("input:not([type=hidden]), select, textarea");
        if (first) {
          first.focus();
        }
      });
    }
    entries.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-repeat-remove]");
      if (!remove || !entries.contains(remove)) {
        return;
      }
      event.preventDefault();
      if (current().length <= min) {
        return;
      }
      remove.closest("[data-repeat-entry]").remove();
      refresh();
      if (add && !add.classList.contains("d-none")) {
        add.focus();
      }
    });
    refresh();
  }
  // Also for forms put into a page later (the workbench's form preview).
  window.mawflowRepeat = function (root) {
    root.querySelectorAll("[data-repeat]").forEach(repeatable);
  };
  window.mawflowRepeat(document);
  // Coming back with the browser's Back button shows the page as it was left: allow sending.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sending;
      form.removeAttribute("aria-busy");
    });
  });
})();
