/* Shared by the workbench editors: save a file, show the problems found by the server. */
(function () {
  'use strict';

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function post(url, csrf, body, json) {
    var headers = { 'X-CSRFToken': csrf };
    if (json) { headers['Content-Type'] = 'application/json'; }
    return fetch(url, { method: 'POST', headers: headers, credentials: 'same-origin',
      body: json ? JSON.stringify(body) : body }).then(function (r) {
      var type = r.headers.get('Content-Type') || '';
      return (type.indexOf('json') >= 0 ? r.json() : r.text()).then(function (data) {
        return { ok: r.ok, data: data };
      });
    });
  }

  /* Replace #problem-area with the list; onPick(elementId) when a problem is clicked. */
  function showProblems(problems, onPick) {
    var area = document.getElementById('problem-area');
    area.textContent = '';
    if (!problems.length) {
      area.appendChild(el('p', { 'class': 'alert alert-success', role: 'status', id: 'problems' },
        'Saved. The draft has no problems: it can be tried and published.'));
      return;
    }
    var box = el('section', { 'class': 'alert alert-danger', role: 'alert', id: 'problems' });
    box.appendChild(el('h2', { 'class': 'h6' }, problems.length + ' problem' +
      (problems.length === 1 ? '' : 's') + ' to fix before publishing'));
    var list = el('ul', { 'class': 'mb-0' });
    problems.forEach(function (p) {
      var text = p.file + (p.element_id ? ' · element ' + p.element_id : '') + ': ' + p.message;
      var item = el('li', { 'class': 'problem', 'data-element': p.element_id || '',
                            'data-file': p.file }, text);
      if (p.element_id && onPick) {
        item.classList.add('selectable');
        item.tabIndex = 0;
        item.addEventListener('click', function () { onPick(p.element_id); });
        item.addEventListener('keydown', function (e) { if (e.key === 'Enter') { onPick(p.element_id); } });
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    area.appendChild(box);
  }

  window.mawDesignerCommon = { el: el, post: post, showProblems: showProblems };
}());
