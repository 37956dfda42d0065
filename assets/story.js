// Story mode in the browser (dashboard/story_ui.py): going to a step, ← → between steps,
// and keeping story=NAME&step=N in the address while a story is open.
//
// Going to a step: the map flies to the step's view and the date runs to the step's date
// (a few drawn frames), then the address becomes the step's URL, so the page applies the
// step exactly as it restores any shared link. With reduced motion asked for, it jumps.
//
// Screen readers: a step is spoken once, by the panel's live regions (its number and date,
// then its caption). The summary, a live region too, is silenced from the start of the
// move until it describes the step's date, so neither the dates run through on the way nor
// the step's own date are read again. Leaving the story with the focus in its panel (which
// then hides) gives the focus back to "Play story", the control that opens it.
(function () {
  'use strict';
  var S = {token: 0, current: null};
  var FRAMES = 5;  // dates drawn on the way from one step's date to the next
  var OWN = ['story', 'step', 'view'];

  function F() { return window.frontlines; }
  function setProps(id, props) { window.dash_clientside.set_props(id, props); }
  function mapOf(gd) {
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return sub && sub.map;
  }
  function reduced() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }
  function params(search) { return new URLSearchParams((search || '').replace(/^\?/, '')); }
  function text(p) { return '?' + p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/'); }
  function near(a, b) {
    var x = (a || '').split('/').map(Number), y = (b || '').split('/').map(Number);
    return x.length === 3 && y.length === 3 && x.every(function (v, i) { return Math.abs(v - y[i]) < 0.01; });
  }
  // Whether the page already shows the step's view (the story's own keys aside).
  function showing(target) {
    var now = params(window.location.search), keys = {};
    now.forEach(function (v, k) { keys[k] = 1; });
    target.forEach(function (v, k) { keys[k] = 1; });
    return Object.keys(keys).every(function (k) {
      if (OWN.indexOf(k) >= 0) { return true; }
      if (k === 'map') { return near(now.get(k), target.get(k)); }
      return now.get(k) === target.get(k);
    });
  }
  function timeout(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  function drawn(offset) { return Promise.race([F().whenDrawn(offset), timeout(5000)]); }
  function ready() {  // the first map of the page is drawn
    return new Promise(function (resolve) {
      (function wait() {
        if (F() && F().bundle && F().drawnDay !== null) { resolve(); } else { setTimeout(wait, 50); }
      })();
    });
  }
  function fly(view) {
    var map = mapOf(F().graph());
    if (!map || !view || reduced()) { return Promise.resolve(); }
    var v = view.split('/').map(Number);
    return new Promise(function (resolve) {
      map.once('moveend', function () { resolve(); });
      map.flyTo({center: [v[2], v[1]], zoom: v[0], duration: 1600, essential: true});
      setTimeout(resolve, 4000);
    });
  }
  // The step's view exactly, through plotly, so that the page's own handler of a map
  // move (assets/map.js) redraws the scale bar and the legend for it.
  function exact(view) {
    var gd = F().graph();
    if (!gd || !view) { return Promise.resolve(); }
    var v = view.split('/').map(Number);
    return Promise.resolve(Plotly.relayout(gd, {'map.zoom': v[0], 'map.center': {lat: v[1], lon: v[2]}}));
  }
  function runDates(iso, token) {
    var bundle = F().bundle;
    if (!bundle || reduced() || F().lastDay === undefined) { return Promise.resolve(); }
    var from = F().lastDay, to = Math.min(Math.max(F().offsetOf(bundle, iso), 0), bundle.last);
    var chain = Promise.resolve();
    for (var i = 1; i < FRAMES && from !== to; i++) {
      (function (offset) {
        chain = chain.then(function () {
          if (token !== S.token || offset === F().lastDay) { return null; }
          // the map and the date only: the slider, the address and the text follow the
          // step's own address at the end (a day set on the slider here would also reach
          // the server, and could land after that address and undo it)
          F().show(offset);
          return drawn(offset);
        });
      })(Math.round(from + (to - from) * i / FRAMES));
    }
    return chain;
  }
  function hush(off) {
    var summary = document.getElementById('summary');
    if (summary) { summary.setAttribute('aria-live', off ? 'off' : 'polite'); }
  }
  // Until the summary describes the step's date (the panel's count ends with it in words).
  function summaryCaughtUp() {
    var count = document.getElementById('story-count'), text = count ? count.textContent : '';
    var day = text.slice(text.lastIndexOf('·') + 1).trim(), asked = performance.now();
    return new Promise(function (resolve) {
      (function wait() {
        var summary = document.getElementById('summary');
        if (!day || (summary && summary.textContent.indexOf(day) >= 0) ||
            performance.now() - asked > 5000) { resolve(); } else { setTimeout(wait, 50); }
      })();
    });
  }
  function giveBackFocus() {
    var panel = document.getElementById('story-panel'), active = document.activeElement;
    if (!panel || !active || !panel.contains(active)) { return; }
    var start = document.getElementById('story-start');
    if (start) { start.focus({preventScroll: true}); }
  }
  function arrived(step) {
    var panel = document.getElementById('story-panel');
    if (panel) { panel.setAttribute('data-arrived', String(step + 1)); }
  }
  function keepInAddress() {
    if (!S.current) { return; }
    F().setParam('story', S.current.name);
    F().setParam('step', String(S.current.step + 1));
  }
  function leave() {
    var p = params(window.location.search);
    if (!p.has('story')) { return; }
    p.delete('story'); p.delete('step');
    if (p.has('highlight')) {  // the step's emphasis goes with the story: the page redraws
      p.delete('highlight');
      setProps('url', {search: text(p)});
      return;
    }
    window.history.replaceState(window.history.state, '', text(p) + window.location.hash);
  }

  function go(step, data) {
    var nu = window.dash_clientside.no_update;
    var token = ++S.token;
    if (step === null || step === undefined || !data || !data.steps[step]) {
      if (S.current !== null) { hush(false); giveBackFocus(); }
      S.current = null;
      leave();
      return nu;
    }
    var moving = S.current !== null;  // from another step: animate; opening a story: jump
    if (moving) { hush(true); }
    S.current = {name: data.name, step: step, total: data.steps.length};
    var panel = document.getElementById('story-panel');
    if (panel) { panel.removeAttribute('data-arrived'); }
    var target = params(data.steps[step].url.split('?')[1]);
    if (params(window.location.search).get('view') === 'report') { target.set('view', 'report'); }
    ready().then(function () {
      if (token !== S.token) { return null; }
      if (showing(target)) { keepInAddress(); return F().whenDrawn(F().lastDay); }
      var flown = moving ? fly(target.get('map')) : Promise.resolve();
      return flown.then(function () {
        return moving ? runDates(target.get('date'), token) : null;
      }).then(function () {
        if (token !== S.token) { return null; }
        setProps('url', {search: text(target)});
        var offset = F().offsetOf(F().bundle, target.get('date'));
        return new Promise(function (resolve) {
          (function wait() {  // the step's own view drawn (a new bundle, then its day)
            var frame = document.getElementById('map-frame');
            if (token !== S.token) { resolve(); return; }
            if (frame && frame.getAttribute('data-drawn-day') === target.get('date') &&
                showing(target) && F().lastDay === offset) { resolve(); } else { setTimeout(wait, 50); }
          })();
        });
      });
    }).then(function () {
      return exact(target.get('map'));
    }).then(function () {
      if (token !== S.token) { return; }
      keepInAddress();
      arrived(step);
      setProps('story-moved', {data: step});
      return moving ? summaryCaughtUp() : null;
    }).then(function () {
      if (moving && token === S.token) { hush(false); }
    });
    return nu;
  }

  document.addEventListener('keydown', function (e) {
    if (!S.current || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') { return; }
    var t = e.target;
    if (t && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.isContentEditable ||
              (t.getAttribute && t.getAttribute('role') === 'slider'))) { return; }
    var next = S.current.step + (e.key === 'ArrowRight' ? 1 : -1);
    if (next < 0 || next >= S.current.total) { return; }
    e.preventDefault();
    setProps('story-step', {data: next});
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    frontlinesStory: {
      nav: function (prev, next, gos, leaveClicks, step, data) {
        var nu = window.dash_clientside.no_update;
        var trigger = (window.dash_clientside.callback_context.triggered[0] || {});
        var id = trigger.prop_id || '';
        if (!trigger.value || !data) { return nu; }
        if (id.indexOf('story-leave') === 0) { return null; }
        var total = data.steps.length, current = step === null || step === undefined ? 0 : step;
        if (id.indexOf('story-prev') === 0) { return Math.max(current - 1, 0); }
        if (id.indexOf('story-next') === 0) { return Math.min(current + 1, total - 1); }
        if (id.charAt(0) === '{') { return JSON.parse(id.slice(0, id.lastIndexOf('.'))).step; }
        return nu;
      },
      go: go,
      keep: function () {
        keepInAddress();
        return window.dash_clientside.no_update;
      }
    }
  });
})();
