/* The BPMN editor: bpmn-js Modeler plus a panel for what mawflow's engine reads.
   No moddle descriptor is registered for the spiffworkflow namespace on purpose: with one,
   every spiffworkflow:* element it does not declare (the engine accepts any name) becomes an
   import error and is dropped on save. Kept generic, all of them round-trip untouched. */
(function () {
  'use strict';
  var C = window.mawDesignerCommon;
  var root = document.getElementById('bpmn-editor');
  if (!root) { return; }
  var cfg = root.dataset;
  var forms = JSON.parse(cfg.forms || '[]');
  var rules = JSON.parse(cfg.rules || '[]');
  var milestones = JSON.parse(cfg.milestones || '[]');
  var panel = document.getElementById('panel');
  var status = document.getElementById('save-status');
  var W = C.words(root);
  var SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
  var state = { modeler: null, warnings: null, dirty: false };
  window.mawDesigner = state;

  function moddle() { return state.modeler.get('moddle'); }
  function modeling() { return state.modeler.get('modeling'); }

  function extValues(bo) { return bo.extensionElements ? bo.extensionElements.get('values') : []; }
  /* spiffworkflow elements stay generic moddle elements, whatever their name: nothing is
     dropped or rewritten, also elements this editor does not know. */
  function spiffLocal(v) {
    var d = v && v.$descriptor;
    return d && d.ns && d.ns.uri === SPIFF ? d.ns.localName : null;
  }
  function findExt(bo, local) {
    return extValues(bo).filter(function (v) { return spiffLocal(v) === local; })[0];
  }
  function createSpiff(local, attrs) {
    return moddle().createAny('spiffworkflow:' + local, SPIFF, attrs || {});
  }
  function ensureExtensions(bo) {
    if (!bo.extensionElements) {
      bo.extensionElements = moddle().create('bpmn:ExtensionElements', { values: [] });
      bo.extensionElements.$parent = bo;
    }
    return bo.extensionElements;
  }
  function bodyOf(bo, local) {
    var found = findExt(bo, local);
    return found ? (found.$body || '') : '';
  }
  function setBodyExt(bo, local, value) {
    var found = findExt(bo, local);
    if (!value) {
      if (found) { bo.extensionElements.get('values').splice(extValues(bo).indexOf(found), 1); }
      return;
    }
    if (!found) {
      found = createSpiff(local);
      found.$parent = ensureExtensions(bo);
      ensureExtensions(bo).get('values').push(found);
    }
    found.$body = value;
  }
  function propList(bo) {
    var props = findExt(bo, 'properties');
    return props ? (props.$children || []).filter(function (c) { return spiffLocal(c) === 'property'; }) : [];
  }
  function getProp(bo, name) {
    var p = propList(bo).filter(function (x) { return x.name === name; })[0];
    return p ? (p.value || '') : '';
  }
  function setProp(bo, name, value) {
    var props = findExt(bo, 'properties');
    if (!props) {
      if (!value) { return; }
      props = createSpiff('properties');
      props.$children = [];
      props.$parent = ensureExtensions(bo);
      ensureExtensions(bo).get('values').push(props);
    }
    props.$children = props.$children || [];
    var p = propList(bo).filter(function (x) { return x.name === name; })[0];
    if (!value) { if (p) { props.$children.splice(props.$children.indexOf(p), 1); } return; }
    if (!p) { p = createSpiff('property', { name: name }); p.$parent = props; props.$children.push(p); }
    p.value = value;
  }
  function changed() { state.dirty = true; status.textContent = W('unsaved'); }

  var fieldCount = 0;
  function field(label, control, help) {
    var id = 'f' + (++fieldCount);
    var wrap = C.el('div', { 'class': 'mb-3' });
    control.id = id;
    wrap.appendChild(C.el('label', { 'class': 'form-label small fw-semibold', 'for': id }, label));
    wrap.appendChild(control);
    if (help) { wrap.appendChild(C.el('div', { 'class': 'form-text' }, help)); }
    panel.appendChild(wrap);
    return control;
  }
  function input(label, value, onChange, help) {
    var c = C.el('input', { 'class': 'form-control form-control-sm', type: 'text' });
    c.value = value || '';
    c.addEventListener('change', function () { onChange(c.value.trim()); changed(); });
    return field(label, c, help);
  }
  function area(label, value, onChange, help, rows) {
    var c = C.el('textarea', { 'class': 'form-control form-control-sm', rows: String(rows || 4) });
    c.value = value || '';
    c.addEventListener('change', function () { onChange(c.value); changed(); });
    return field(label, c, help);
  }
  function select(label, value, options, onChange, help) {
    return choice(label, value, options.map(function (o) { return [o, o]; }), onChange, help);
  }
  /* A list of [value, label] choices; a value the list does not know stays, marked. */
  function choice(label, value, options, onChange, help) {
    var c = C.el('select', { 'class': 'form-select form-select-sm' });
    c.appendChild(C.el('option', { value: '' }, W('none')));
    var known = options.some(function (o) { return o[0] === value; });
    var all = value && !known ? options.concat([[value, W('missing', { name: value })]]) : options;
    all.forEach(function (o) {
      var opt = C.el('option', { value: o[0] }, o[1]);
      if (o[0] === value) { opt.selected = true; }
      c.appendChild(opt);
    });
    c.addEventListener('change', function () { onChange(c.value); changed(); });
    return field(label, c, help);
  }

  /* The kind of element a milestone needs (engine.milestones): what the history records. */
  function milestoneKind(type, bo) {
    if (timerDefinition(bo)) { return 'timer'; }
    if (type === 'bpmn:UserTask') { return 'user task'; }
    if (/^bpmn:(BusinessRuleTask|ScriptTask|ServiceTask|EndEvent)$/.test(type)) { return 'engine'; }
    return null;
  }

  /* A text field offering the bundle's files: pick one, or type the name of a form to add. */
  function combo(label, value, options, onChange, help) {
    var listId = 'list' + (++fieldCount);
    var list = C.el('datalist', { id: listId });
    options.forEach(function (o) { list.appendChild(C.el('option', { value: o })); });
    panel.appendChild(list);
    var c = C.el('input', { 'class': 'form-control form-control-sm', type: 'text', list: listId,
                            autocomplete: 'off' });
    c.value = value || '';
    c.addEventListener('change', function () { onChange(c.value.trim()); changed(); });
    return field(label, c, help);
  }

  function allLanes() {
    return state.modeler.get('elementRegistry').filter(function (e) { return e.type === 'bpmn:Lane'; });
  }
  function laneOf(element) {
    var lanes = allLanes();
    var bo = element.businessObject;
    var lane = lanes.filter(function (l) {
      return (l.businessObject.flowNodeRef || []).indexOf(bo) >= 0;
    })[0];
    return lane ? (lane.businessObject.name || lane.id) : '';
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === 'bpmn:TimerEventDefinition'; })[0];
  }

  function render(element) {
    panel.textContent = '';
    if (!element || element.type === 'label') {
      panel.appendChild(C.el('p', { 'class': 'text-body-secondary small' }, W('select')));
      return;
    }
    var bo = element.businessObject;
    var type = bo.$type;
    panel.appendChild(C.el('h2', { 'class': 'h6' }, type.replace('bpmn:', '') + ' ' + bo.id));
    if (type !== 'bpmn:Process' && type !== 'bpmn:Collaboration') {
      input(W('name'), bo.name, function (v) { modeling().updateLabel(element, v); });
    }
    var isActivity = /Task$|CallActivity|SubProcess/.test(type);
    if (isActivity) {
      var lanes = allLanes();
      var names = lanes.map(function (l) { return l.businessObject.name || l.id; });
      select(W('lane'), laneOf(element), names, function (v) {
        var lane = lanes[names.indexOf(v)];
        if (!lane) { return; }
        var dy = (lane.y + lane.height / 2) - (element.y + element.height / 2);
        modeling().moveElements([element], { x: 0, y: dy }, lane.parent);
      }, laneOf(element) ? null : W('noLane'));
    }
    if (type === 'bpmn:UserTask' || type === 'bpmn:ManualTask') {
      /* Both naming conventions: x.schema.json / x.uischema.json and spiff-arena's
         x-schema.json / x-uischema.json. */
      var uis = forms.filter(function (f) { return /[.-]uischema\.json$/.test(f); });
      var schemas = forms.filter(function (f) {
        return /[.-]schema\.json$/.test(f) && uis.indexOf(f) < 0;
      });
      var uiInput = null;
      combo(W('form'), getProp(bo, 'formJsonSchemaFilename'), schemas,
        function (v) {
          setProp(bo, 'formJsonSchemaFilename', v);
          var partner = v.replace(/([.-])schema\.json$/, '$1uischema.json');
          if (partner !== v && uis.indexOf(partner) >= 0 && !getProp(bo, 'formUiSchemaFilename')) {
            setProp(bo, 'formUiSchemaFilename', partner);  /* the UI schema of the same name */
            if (uiInput) { uiInput.value = partner; }
          }
        },
        W('formHelp'));
      uiInput = combo(W('uiSchema'), getProp(bo, 'formUiSchemaFilename'), uis,
        function (v) { setProp(bo, 'formUiSchemaFilename', v); },
        W('uiSchemaHelp'));
      var text = area(W('instructions'), bodyOf(bo, 'instructionsForEndUser'),
        function (v) { setBodyExt(bo, 'instructionsForEndUser', v); },
        W('instructionsHelp'), 6);
      var previewBtn = C.el('button', { type: 'button', 'class': 'btn btn-sm btn-outline-secondary' }, W('preview'));
      var preview = C.el('div', { 'class': 'md-preview', 'aria-live': 'polite' });
      previewBtn.addEventListener('click', function () {
        var body = new FormData();
        body.append('text', text.value);
        C.post(cfg.markdownUrl, cfg.csrf, body, false).then(function (r) { preview.innerHTML = r.data; });
      });
      panel.appendChild(previewBtn);
      panel.appendChild(preview);
      panel.appendChild(C.el('hr'));
      input(W('organisation'), getProp(bo, 'assignedOrganisation'),
        function (v) { setProp(bo, 'assignedOrganisation', v); },
        W('organisationHelp'));
      input(W('dueIn'), getProp(bo, 'dueIn'), function (v) { setProp(bo, 'dueIn', v); },
        W('dueInHelp'));
      input(W('disclose'), getProp(bo, 'discloseIdentity'),
        function (v) { setProp(bo, 'discloseIdentity', v); },
        W('discloseHelp'));
      input(W('question'), getProp(bo, 'partnerQuestion'),
        function (v) { setProp(bo, 'partnerQuestion', v); },
        W('questionHelp'));
      if (type === 'bpmn:UserTask') {
        select(W('advice'), getProp(bo, 'adviceDecisionId'), rules,
          function (v) { setProp(bo, 'adviceDecisionId', v); },
          W('adviceHelp'));
      }
    }
    if (type === 'bpmn:BusinessRuleTask') {
      select(W('decision'), bodyOf(bo, 'calledDecisionId'), rules,
        function (v) { setBodyExt(bo, 'calledDecisionId', v); },
        W('decisionHelp'));
    }
    if (type === 'bpmn:ScriptTask') {
      area(W('script'), bo.script, function (v) { modeling().updateProperties(element, { script: v, scriptFormat: 'python' }); }, null, 6);
    }
    if (isActivity) {
      area(W('preScript'), bodyOf(bo, 'preScript'),
        function (v) { setBodyExt(bo, 'preScript', v); });
      area(W('postScript'), bodyOf(bo, 'postScript'),
        function (v) { setBodyExt(bo, 'postScript', v); });
    }
    var loop = bo.loopCharacteristics;
    if (loop && loop.$type === 'bpmn:MultiInstanceLoopCharacteristics') {
      var ref = loop.loopDataInputRef;
      input(W('collection'), ref ? (ref.id || ref.name || '') : '', function (v) {
        if (!v) { loop.loopDataInputRef = undefined; return; }
        var item = moddle().create('bpmn:Property', { id: v, name: v });
        loop.loopDataInputRef = item;
      }, W('collectionHelp'));
    }
    if (type === 'bpmn:SequenceFlow') {
      var cond = bo.conditionExpression;
      area(W('condition'), cond ? cond.body : '', function (v) {
        modeling().updateProperties(element, { conditionExpression: v.trim() ?
          moddle().create('bpmn:FormalExpression', { body: v.trim() }) : undefined });
      }, W('conditionHelp'), 3);
    }
    var playable = milestoneKind(type, bo);
    if (playable) {
      choice(W('milestone'), getProp(bo, 'evaluationMilestone'),
        milestones.filter(function (m) { return m.kind === playable; })
          .map(function (m) { return [m.value, m.label]; }),
        function (v) { setProp(bo, 'evaluationMilestone', v); }, W('milestoneHelp'));
    }
    var timer = timerDefinition(bo);
    if (timer) {
      var kind = timer.timeDuration ? 'timeDuration' : (timer.timeDate ? 'timeDate' : (timer.timeCycle ? 'timeCycle' : 'timeDuration'));
      var expr = timer[kind] ? timer[kind].body : '';
      input(W({ timeDuration: 'timerDuration', timeDate: 'timerDate', timeCycle: 'timerCycle' }[kind]), expr, function (v) {
        timer[kind] = v ? moddle().create('bpmn:FormalExpression', { body: v }) : undefined;
      }, W('timerHelp'));
    }
  }

  function markProblems(problems) {
    var canvas = state.modeler.get('canvas');
    var registry = state.modeler.get('elementRegistry');
    registry.getAll().forEach(function (e) { canvas.removeMarker(e.id, 'has-problem'); });
    problems.forEach(function (p) {
      if (p.element_id && registry.get(p.element_id)) { canvas.addMarker(p.element_id, 'has-problem'); }
    });
  }
  function pick(id) {
    var registry = state.modeler.get('elementRegistry');
    var element = registry.get(id);
    if (!element) { return; }
    var canvas = state.modeler.get('canvas');
    state.modeler.get('selection').select(element);
    if (canvas.zoom() < 0.8) { canvas.zoom(1); }
    canvas.scrollToElement(element);
  }
  function initialProblems() {
    return Array.prototype.map.call(document.querySelectorAll('#problems .problem'), function (li) {
      return { element_id: li.dataset.element, file: li.dataset.file, message: '' };
    });
  }
  function wireInitialProblems() {
    Array.prototype.forEach.call(document.querySelectorAll('#problems .problem'), function (li) {
      if (!li.dataset.element) { return; }
      li.classList.add('selectable');
      li.tabIndex = 0;
      li.addEventListener('click', function () { pick(li.dataset.element); });
    });
  }

  /* SpiffWorkflow names a multi-instance collection by its variable name
     (<bpmn:loopDataInputRef>requests</bpmn:loopDataInputRef>), not by the id of a data element,
     so bpmn-moddle cannot resolve it and would drop it on save. Point such a reference at a
     detached placeholder carrying the name: it is written back exactly as it was read.
     Returns the warnings that remain. */
  var DATA_REFS = ['loopDataInputRef', 'loopDataOutputRef', 'bpmn:loopDataInputRef', 'bpmn:loopDataOutputRef'];
  function keepDataRefs(warnings) {
    return warnings.filter(function (w) {
      if (!w.element || DATA_REFS.indexOf(w.property) < 0 || !w.value) { return true; }
      var name = w.property.replace('bpmn:', '');
      w.element[name] = moddle().create('bpmn:Property', { id: w.value, name: w.value });
      return false;
    });
  }

  function save() {
    status.textContent = W('saving');
    return state.modeler.saveXML({ format: true }).then(function (result) {
      return C.post(cfg.saveUrl, cfg.csrf, { content: result.xml, base: state.base }, true);
    }).then(function (r) {
      if (!r.ok) { status.textContent = W('notSaved', { error: (r.data && r.data.error) || W('noAnswer') }); return; }
      state.base = r.data.hash;
      state.dirty = false;
      var problems = r.data.problems || [];
      status.textContent = W('saved');
      C.showProblems(r.data.html, pick);
      markProblems(problems);
      var first = problems.filter(function (p) { return p.element_id; })[0];
      if (first) { pick(first.element_id); }
    });
  }
  state.save = save;

  fetch(cfg.fileUrl, { credentials: 'same-origin' }).then(function (r) {
    state.base = r.headers.get('X-Content-Hash') || '';
    return r.text();
  })
  .then(function (xml) {
    state.modeler = new window.BpmnJS({ container: '#canvas' });
    return state.modeler.importXML(xml);
  }).then(function (result) {
    state.warnings = keepDataRefs(result.warnings || []).map(function (w) { return String(w.message || w); });
    var canvas = state.modeler.get('canvas');
    canvas.zoom('fit-viewport');
    if (canvas.zoom() < 0.5) {  /* a long process: readable size, from its start */
      canvas.zoom(0.7);
      var box = canvas.getActiveLayer().getBBox();  /* diagram units, like the viewbox */
      var view = canvas.viewbox(), palette = 130 / canvas.zoom();  /* clear of the tool palette */
      canvas.viewbox({ x: box.x - palette, y: box.y - 20, width: view.width, height: view.height });
    }
    state.modeler.get('eventBus').on('selection.changed', function (e) { render(e.newSelection[0]); });
    state.modeler.get('eventBus').on('element.changed', function (e) {
      var sel = state.modeler.get('selection').get();
      if (sel.length === 1 && sel[0] === e.element && document.activeElement &&
          !panel.contains(document.activeElement)) { render(sel[0]); }
    });
    state.modeler.get('eventBus').on('commandStack.changed', changed);
    markProblems(initialProblems());
    wireInitialProblems();
    var hash = window.location.hash.slice(1);
    if (hash) { pick(decodeURIComponent(hash)); }
    root.dataset.ready = 'true';
  }).catch(function (err) {
    state.warnings = [String(err && err.message || err)];
    status.textContent = W('notOpened', { error: state.warnings[0] });
    root.dataset.ready = 'error';
  });
  document.getElementById('save-diagram').addEventListener('click', save);
  window.addEventListener('beforeunload', function (e) { if (state.dirty) { e.preventDefault(); } });
}());
