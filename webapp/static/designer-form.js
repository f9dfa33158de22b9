/* The form editor: JSON Schema + UI schema, a server-rendered preview and a sample check. */
(function () {
  'use strict';
  var C = window.mawDesignerCommon;
  var root = document.getElementById('form-editor');
  if (!root) { return; }
  var cfg = root.dataset;
  var schema = document.getElementById('schema-text');
  var ui = document.getElementById('ui-text');
  var sample = document.getElementById('sample-text');
  var preview = document.getElementById('form-preview');
  var status = document.getElementById('save-status');
  var W = C.words(root);
  var timer = null;

  function refresh() {
    var body = new FormData();
    body.append('schema', schema.value);
    body.append('ui', ui.value);
    body.append('sample', sample.value);
    C.post(cfg.previewUrl, cfg.csrf, body, false).then(function (r) {
      preview.innerHTML = r.data;  /* rendered and escaped by the server's templates */
      if (window.mawflowRepeat) { window.mawflowRepeat(preview); }
      root.dataset.previewed = String(Number(root.dataset.previewed || 0) + 1);
    });
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 400); }
  [schema, ui, sample].forEach(function (t) { t.addEventListener('input', later); });
  refresh();

  document.getElementById('save-form').addEventListener('click', function () {
    status.textContent = W('saving');
    var saves = C.post(cfg.saveUrl, cfg.csrf, { content: schema.value, base: root.dataset.base }, true);
    if (ui.value.trim() || cfg.hadUi === 'true') {
      saves = saves.then(function (first) {
        if (!first.ok) { return first; }
        root.dataset.base = first.data.hash;
        return C.post(cfg.uiSaveUrl, cfg.csrf, { content: ui.value.trim() || '{}', base: root.dataset.uiBase }, true)
          .then(function (second) {
            if (second.ok) { root.dataset.uiBase = second.data.hash; cfg.hadUi = 'true'; }
            return second;
          });
      });
    } else {
      saves = saves.then(function (first) { if (first.ok) { root.dataset.base = first.data.hash; } return first; });
    }
    saves.then(function (r) {
      if (!r.ok) { status.textContent = W('notSaved', { error: (r.data && r.data.error) || W('noAnswer') }); return; }
      status.textContent = W('saved');
      C.showProblems(r.data.html, null);
    });
  });
}());
