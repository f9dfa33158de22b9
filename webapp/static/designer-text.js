/* Editing a bundle file as plain text, validated on save like the other editors. */
(function () {
  'use strict';
  var C = window.mawDesignerCommon;
  var root = document.getElementById('text-editor');
  if (!root) { return; }
  var status = document.getElementById('save-status');
  var W = C.words(root);
  document.getElementById('save-text').addEventListener('click', function () {
    status.textContent = W('saving');
    C.post(root.dataset.saveUrl, root.dataset.csrf,
      { content: document.getElementById('file-text').value, base: root.dataset.base }, true)
      .then(function (r) {
        if (!r.ok) { status.textContent = W('notSaved', { error: (r.data && r.data.error) || W('noAnswer') }); return; }
        root.dataset.base = r.data.hash;
        status.textContent = W('saved');
        C.showProblems(r.data.html, null);
      });
  });
}());
