/* Editing a bundle file as plain text, validated on save like the other editors. */
(function () {
  'use strict';
  var C = window.mawDesignerCommon;
  var root = document.getElementById('text-editor');
  if (!root) { return; }
  var status = document.getElementById('save-status');
  document.getElementById('save-text').addEventListener('click', function () {
    status.textContent = 'Saving…';
    C.post(root.dataset.saveUrl, root.dataset.csrf,
      { content: document.getElementById('file-text').value, base: root.dataset.base }, true)
      .then(function (r) {
        if (!r.ok) { status.textContent = 'Not saved: ' + (r.data.error || 'error'); return; }
        root.dataset.base = r.data.hash;
        status.textContent = 'Saved and checked';
        C.showProblems(r.data.problems || [], null, r.data.scenarios);
      });
  });
}());
