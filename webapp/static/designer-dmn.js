/* The decision-table editor (dmn-js), opening the decision table view directly. */
(function () {
  'use strict';
  var C = window.mawDesignerCommon;
  var root = document.getElementById('dmn-editor');
  if (!root) { return; }
  var cfg = root.dataset;
  var status = document.getElementById('save-status');
  var W = C.words(root);
  var state = { modeler: null, warnings: null };
  window.mawDmn = state;

  fetch(cfg.fileUrl, { credentials: 'same-origin' }).then(function (r) {
    state.base = r.headers.get('X-Content-Hash') || '';
    return r.text();
  })
    .then(function (xml) {
      state.modeler = new window.DmnJS({ container: '#dmn-canvas' });
      return state.modeler.importXML(xml);
    }).then(function (result) {
      state.warnings = (result.warnings || []).map(function (w) { return String(w.message || w); });
      var table = state.modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
      if (table) { return state.modeler.open(table); }
      return null;
    }).then(function () { root.dataset.ready = 'true'; })
    .catch(function (err) {
      status.textContent = W('notOpened', { error: err.message || err });
      root.dataset.ready = 'error';
    });

  document.getElementById('save-dmn').addEventListener('click', function () {
    status.textContent = W('saving');
    state.modeler.saveXML({ format: true }).then(function (result) {
      return C.post(cfg.saveUrl, cfg.csrf, { content: result.xml, base: state.base }, true);
    }).then(function (r) {
      if (!r.ok) { status.textContent = W('notSaved', { error: (r.data && r.data.error) || W('noAnswer') }); return; }
      state.base = r.data.hash;
      status.textContent = W('saved');
      C.showProblems(r.data.html, null);
    });
  });
}());
