/* Shared by the workbench editors: save a file, show the problems found by the server, the
   page's words. */
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

  /* The page's words, in the reader's language: the editor's root element carries them as
     JSON (data-words, rendered translated by the server). "{name}" in a word is filled from
     values. */
  function words(root) {
    var known = JSON.parse((root && root.dataset.words) || '{}');
    return function (name, values) {
      var text = known[name] || name;
      Object.keys(values || {}).forEach(function (key) {
        text = text.split('{' + key + '}').join(values[key]);
      });
      return text;
    };
  }

  /* Replace #problem-area with what the server rendered after a save (the problems and
     warnings as the page lists them, then the scenarios that no longer run as saved);
     onPick(elementId) when a problem naming an element is chosen. */
  function showProblems(html, onPick) {
    var area = document.getElementById('problem-area');
    area.innerHTML = html || '';  /* rendered and escaped by the server's templates */
    if (!onPick) { return; }
    Array.prototype.forEach.call(area.querySelectorAll('li[data-element]'), function (item) {
      var id = item.dataset.element;
      if (!id) { return; }
      item.classList.add('selectable');
      item.tabIndex = 0;
      item.addEventListener('click', function () { onPick(id); });
      item.addEventListener('keydown', function (e) { if (e.key === 'Enter') { onPick(id); } });
    });
  }

  window.mawDesignerCommon = { el: el, post: post, showProblems: showProblems, words: words };
}());
