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

  function problemList(items, onPick) {
    var list = el('ul', { 'class': 'mb-0' });
    items.forEach(function (p) {
      var text = p.file + (p.element_id ? ' · element ' + p.element_id : '') + ': ' + p.message;
      var item = el('li', { 'class': p.warning ? 'problem-warning' : 'problem',
                            'data-element': p.element_id || '', 'data-file': p.file }, text);
      if (p.element_id && onPick) {
        item.classList.add('selectable');
        item.tabIndex = 0;
        item.addEventListener('click', function () { onPick(p.element_id); });
        item.addEventListener('keydown', function (e) { if (e.key === 'Enter') { onPick(p.element_id); } });
      }
      list.appendChild(item);
    });
    return list;
  }

  /* Scenario results after a save: which saved trials now run differently, and where. */
  function scenarioList(scenarios) {
    var failing = (scenarios || []).filter(function (s) { return !s.ok; });
    if (!failing.length) { return null; }
    var box = el('section', { 'class': 'alert alert-warning', role: 'status', id: 'scenario-results' });
    box.appendChild(el('h2', { 'class': 'h6' }, failing.length + ' saved scenario' +
      (failing.length === 1 ? '' : 's') + ' no longer run' + (failing.length === 1 ? 's' : '') +
      ' as saved'));
    var list = el('ul', { 'class': 'mb-0' });
    failing.forEach(function (s) {
      list.appendChild(el('li', { 'class': 'scenario-result' }, s.name + ': ' + s.message));
    });
    box.appendChild(list);
    return box;
  }

  /* Replace #problem-area with the lists; onPick(elementId) when a problem is clicked. */
  function showProblems(problems, onPick, scenarios) {
    var area = document.getElementById('problem-area');
    area.textContent = '';
    var errors = problems.filter(function (p) { return !p.warning; });
    var warnings = problems.filter(function (p) { return p.warning; });
    if (!errors.length) {
      area.appendChild(el('p', { 'class': 'alert alert-success', role: 'status', id: 'problems' },
        'Saved. The draft has no problems: it can be tried and published.'));
    } else {
      var box = el('section', { 'class': 'alert alert-danger', role: 'alert', id: 'problems' });
      box.appendChild(el('h2', { 'class': 'h6' }, errors.length + ' problem' +
        (errors.length === 1 ? '' : 's') + ' to fix before publishing'));
      box.appendChild(problemList(errors, onPick));
      area.appendChild(box);
    }
    if (warnings.length) {
      var note = el('section', { 'class': 'alert alert-warning', id: 'warnings' });
      note.appendChild(el('h2', { 'class': 'h6' }, warnings.length + ' warning' +
        (warnings.length === 1 ? '' : 's') + ' (worth a look; they do not block publishing)'));
      note.appendChild(problemList(warnings, onPick));
      area.appendChild(note);
    }
    var results = scenarioList(scenarios);
    if (results) { area.appendChild(results); }
  }

  window.mawDesignerCommon = { el: el, post: post, showProblems: showProblems };
}());
