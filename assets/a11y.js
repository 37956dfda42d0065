// Accessibility of the page, where Dash's and MapLibre's own markup falls short (each
// repair names its upstream cause in README.md, "Accessibility"):
//  * Dash 4's dcc.Checklist and dcc.RadioItems are a `listbox` of `option` labels that hold
//    native inputs (wrong roles, interactive content nested in options): the roles are
//    removed, so the native checkboxes and radios speak for themselves inside the named
//    group layout.py wraps them in;
//  * dcc.Dropdown's tab stop is a hidden, focusable proxy input (`aria-hidden` on a focusable
//    element) and its button is named by its value only: the button becomes the tab stop,
//    named by its label and its value;
//  * the date pickers put `aria-expanded`, `aria-haspopup` and a broken `aria-labelledby`
//    on a plain div; dcc.Upload's file input has no name; the slider's thumb has no name;
//    MapLibre names its canvas "Map" in English;
//  * the summary is a polite live region: read once per step, silenced while Play runs
//    (which is spoken once when it starts and once, with the date, when it stops);
//  * a button of the event list selects its event as a click on its marker does;
//  * focus is never lost when a callback replaces the focused element: it goes to the
//    element that replaced it (same id), or to the nearest container still there.
// Names come from translated elements of the page (ids "label-…"), so they follow the language.
(function () {
  'use strict';

  function set(el, name, value) { if (el.getAttribute(name) !== value) { el.setAttribute(name, value); } }
  function drop(el, name) { if (el.hasAttribute(name)) { el.removeAttribute(name); } }
  function words(id) { var el = document.getElementById(id); return el ? el.textContent : ''; }
  function each(selector, fn) { document.querySelectorAll(selector).forEach(fn); }
  // the id of what names a control: its <label for>, else the group it sits in
  function nameOf(el) {
    var label = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
    if (label && label.id) { return label.id; }
    var group = el.parentElement && el.parentElement.closest('[aria-labelledby]');
    return group ? group.getAttribute('aria-labelledby') : null;
  }

  var reduced = window.matchMedia('(prefers-reduced-motion: reduce)');

  function repair() {
    each('.dash-options-list.dash-checklist, .dash-options-list.dash-radioitems', function (list) {
      drop(list, 'role');
      list.querySelectorAll('.dash-options-list-option').forEach(function (option) {
        drop(option, 'role');
        drop(option, 'aria-selected');
      });
    });
    each('.dash-dropdown-wrapper', function (wrapper) {
      var proxy = wrapper.querySelector(':scope > .dash-dropdown-focus-target');
      var button = wrapper.querySelector(':scope > button.dash-dropdown');
      if (!proxy || !button) { return; }
      set(proxy, 'tabindex', '-1');
      set(button, 'tabindex', button.disabled ? '-1' : '0');
      var name = nameOf(button);
      if (name) { set(button, 'aria-labelledby', name + ' ' + button.id + '-value'); }
    });
    each('.dash-datepicker-input-wrapper', function (wrapper) {
      ['aria-expanded', 'aria-haspopup', 'aria-labelledby', 'aria-disabled', 'type'].forEach(function (a) {
        drop(wrapper, a);
      });
    });
    each('#upload input[type=file]', function (input) {
      set(input, 'aria-labelledby', 'label-upload_file label-drop_file');
      set(input, 'aria-describedby', 'label-import_help');
    });
    each('#story-upload input[type=file]', function (input) {
      set(input, 'aria-labelledby', 'story-label-upload');
    });
    each('#date-slider [role=slider]', function (thumb) {
      drop(thumb, 'aria-label');
      set(thumb, 'aria-labelledby', 'label-date_shown');
      var date = words('date-words');
      if (date) { set(thumb, 'aria-valuetext', date); }
    });
    each('#map canvas.maplibregl-canvas', function (canvas) {
      drop(canvas, 'aria-label');
      set(canvas, 'aria-labelledby', 'label-map_name');
      set(canvas, 'aria-describedby', 'summary');
      // reduced motion: labels appear at once from the first frame (map.js does it for
      // every reader once the map is drawn, for speed)
      var gd = canvas.closest('.js-plotly-plot'), full = gd && gd._fullLayout;
      var map = full && full.map && full.map._subplot && full.map._subplot.map;
      if (map && map._fadeDuration !== 0 && reduced.matches) { map._fadeDuration = 0; }
    });
  }

  // ---------- focus that a re-render would lose ----------
  var focused = null;
  document.addEventListener('focusin', function (e) {
    var anchor = e.target.parentElement && e.target.parentElement.closest('[id]');
    focused = {el: e.target, id: e.target.id, anchor: anchor};
  });
  function tabbable(el) {
    return el && !el.disabled && el.offsetParent !== null && el.tabIndex >= 0;
  }
  function keepFocus() {
    if (!focused || document.contains(focused.el)) { return; }
    var active = document.activeElement;
    if (active && active !== document.body) { return; }
    var next = focused.id && document.getElementById(focused.id);
    if (!tabbable(next)) {
      var anchor = focused.anchor;
      while (anchor && !document.contains(anchor)) {
        anchor = anchor.parentElement && anchor.parentElement.closest('[id]');
      }
      anchor = anchor || document.getElementById(focused.id) || document.querySelector('main');
      next = anchor && Array.prototype.find.call(
        anchor.querySelectorAll('button, a[href], input, [tabindex]'), tabbable);
      if (!next && anchor) { set(anchor, 'tabindex', '-1'); next = anchor; }
    }
    if (next) { next.focus({preventScroll: true}); }
  }

  new MutationObserver(function () {
    repair();
    keepFocus();
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ['role', 'aria-selected', 'aria-expanded', 'aria-label', 'tabindex',
                      'aria-valuenow', 'aria-labelledby']
  });

  // ---------- Play, spoken once when it starts and once when it stops ----------
  document.addEventListener('frontlines:play', function (e) {
    var summary = document.getElementById('summary'), status = document.getElementById('announce');
    if (!summary || !status) { return; }
    if (e.detail.playing) {
      set(summary, 'aria-live', 'off');
      status.textContent = words('label-playing');
    } else {
      // the step under way when Pause came is finished first: say the day the map shows
      var asked = performance.now();
      (function spoken() {
        var F = window.frontlines || {}, thumb = document.querySelector('#date-slider [role=slider]');
        var frame = document.getElementById('map-frame'), date = document.getElementById('date-words');
        var day = F.bundle && thumb && F.iso(F.bundle, Number(thumb.getAttribute('aria-valuenow')));
        var drawn = frame && date && frame.getAttribute('data-drawn-day') === day &&
          date.getAttribute('datetime') === day;
        if (!drawn && performance.now() - asked < 5000) { requestAnimationFrame(spoken); return; }
        status.textContent = words('label-paused_on') + ' ' + words('date-words');
        set(summary, 'aria-live', 'polite');
      })();
    }
  });

  // ---------- the event list: a button selects its event like a click on its marker ----------
  function showOnMap(id) {
    var F = window.frontlines || {}, gd = F.graph && F.graph(), bundle = F.bundle;
    var map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot &&
      gd._fullLayout.map._subplot.map;
    var event = bundle && bundle.events.items.find(function (e) { return e[4] === id; });
    if (!map || !event) { return; }
    var b = map.getBounds(), lon = event[2], lat = event[3];
    if (lon < b.getWest() || lon > b.getEast() || lat < b.getSouth() || lat > b.getNorth()) {
      window.Plotly.relayout(gd, {'map.center': {lon: lon, lat: lat}});
    }
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    a11y: {
      pick: function () {
        var nu = window.dash_clientside.no_update;
        var trigger = (window.dash_clientside.callback_context.triggered || [])[0];
        if (!trigger || !trigger.value) { return nu; }
        var id = JSON.parse(trigger.prop_id.slice(0, trigger.prop_id.lastIndexOf('.'))).event;
        showOnMap(id);
        return {points: [{customdata: id}]};
      }
    }
  });
})();
