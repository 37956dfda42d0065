// The map's steps in the browser: the server sends a view's time-indexed areas, events,
// movements and labels once (the "bundle", see dashboard/figures/map.py); picking a day's
// share, drawing it, Play and the ◀ ▶ buttons happen here, with no server round trip.
//
// The time rule is the server's (dashboard/view.py): an area holds on days
// valid_from <= day < valid_to; an event or movement is shown when any of its days is in
// the event window. Days are whole-day offsets from the dataset's first day.
(function () {
  'use strict';
  var F = window.frontlines = window.frontlines || {};
  var DAY = 86400000;

  // plotly.js is run as soon as it has arrived (dashboard/static.py asks for it first
  // thing), not once the page is laid out and dash asks for it. Until it has run, dash finds
  // a promise of it here, and waits for that instead of asking for a second copy.
  // MapLibre's worker starts as plotly.js arrives, not when the first map is made.
  function startMapWorker() {
    if (window.Plotly && window.Plotly.startMapWorker) { window.Plotly.startMapWorker(); }
  }
  var early = document.getElementById('plotly-early');
  if (early && !window.Plotly) {
    var arrived = new Promise(function (resolve, reject) {
      early.addEventListener('load', resolve);
      early.addEventListener('error', reject);
    });
    arrived.then(startMapWorker, function () {});
    window.Plotly = {then: function (done, failed) {
      return arrived.then(function () { return window.Plotly; }).then(done, failed);
    }};
  } else {
    startMapWorker();
  }

  // ---------- days ----------
  F.date = function (bundle, offset) {
    return new Date(Date.parse(bundle.first_day + 'T00:00:00Z') + offset * DAY);
  };
  F.iso = function (bundle, offset) { return F.date(bundle, offset).toISOString().slice(0, 10); };
  F.offsetOf = function (bundle, iso) {
    return Math.round((Date.parse(iso.slice(0, 10) + 'T00:00:00Z') -
                       Date.parse(bundle.first_day + 'T00:00:00Z')) / DAY);
  };
  // "Thursday 21 April 2016" / "jeudi 21 avril 2016", as dashboard.i18n.date_words writes it
  F.words = function (bundle, offset, weekday) {
    var d = F.date(bundle, offset), w = bundle.words;
    var day = (w.lang === 'fr' && d.getUTCDate() === 1) ? '1er' : String(d.getUTCDate());
    var text = day + ' ' + w.months[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
    return weekday ? w.weekdays[(d.getUTCDay() + 6) % 7] + ' ' + text : text;
  };
  // The one rule for a step of time, as dashboard/steps.py `shift` (a browser test checks
  // they agree): the day n steps after the anchor; a month keeps the anchor's day of the
  // month, or the month's last day when it is shorter. Returns a day offset, unclamped.
  F.shift = function (bundle, anchor, step, n) {
    if (step === 'month') {
      var d = F.date(bundle, anchor), y = d.getUTCFullYear(), m = d.getUTCMonth() + n;
      var last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
      var moved = Date.UTC(y, m, Math.min(d.getUTCDate(), last));
      return Math.round((moved - Date.parse(bundle.first_day + 'T00:00:00Z')) / DAY);
    }
    return anchor + n * (step === 'day' ? 1 : 7);
  };
  // One press of ◀ or ▶, kept within the record.
  F.step = function (bundle, offset, step, direction) {
    return Math.min(Math.max(F.shift(bundle, offset, step, direction), 0), bundle.last);
  };

  // ---------- the day's share of the bundle ----------
  F.windowAt = function (bundle, day) {
    var w = bundle.window;
    if (w.kind === 'fixed') { return [w.start, w.end]; }
    if (w.kind === 'all') { return [null, day]; }
    return [day - w.days + 1, day];
  };
  function holds(rule, item, day, prev, win) {
    var first = item[0], last = item[1];
    if (rule === 'always') { return true; }
    if (rule === 'valid') { return first <= day && (last === null || day < last); }
    if (rule === 'touch') {
      return (win[0] === null || last >= win[0]) && (win[1] === null || first <= win[1]);
    }
    // 'since': ground that changed hands between the previous step and this one
    if (prev === null || prev === day || Math.abs(day - prev) > 93) { return false; }
    return prev < day ? (prev < first && first <= day) : (day < first && first <= prev);
  }
  F.select = function (bundle, day, prev) {
    var win = F.windowAt(bundle, day), traces = {}, events = [];
    Object.keys(bundle.traces).forEach(function (key) {
      var spec = bundle.traces[key];
      traces[key] = spec.items.filter(function (it) { return holds(spec.rule, it, day, prev, win); });
    });
    bundle.events.items.forEach(function (e) {
      if (holds('touch', e, day, prev, win)) { events.push(e); }
    });
    return {traces: traces, events: events};
  };

  // ---------- drawing ----------
  function bbox(lon, lat) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    for (var i = 0; i < lon.length; i++) {
      if (lon[i] === null) { continue; }
      b[0] = Math.min(b[0], lon[i]); b[1] = Math.min(b[1], lat[i]);
      b[2] = Math.max(b[2], lon[i]); b[3] = Math.max(b[3], lat[i]);
    }
    return b;
  }
  function meets(b, f) { return b[0] <= f[2] && b[2] >= f[0] && b[1] <= f[3] && b[3] >= f[1]; }

  function mapOf(gd) {
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return sub && sub.map;
  }
  F.graph = function () { return document.querySelector('#map .js-plotly-plot'); };

  // The visible lon/lat box: from the live map, or estimated from the view and the size.
  function frameOf(layout, gd) {
    var map = mapOf(gd);
    if (map) {
      var b = map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    }
    var size = sizeOf(gd, layout), m = layout.map, scale = 512 * Math.pow(2, m.zoom);
    var dx = size.w / scale * 360 / 2, y = mercY(m.center.lat), dy = size.h / scale * Math.PI;
    return [m.center.lon - dx, latOf(y - dy), m.center.lon + dx, latOf(y + dy)];
  }
  function mercY(lat) { return Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)); }
  function latOf(y) { return Math.atan(Math.sinh(y)) * 180 / Math.PI; }
  // The plot area of a layout: the map's box less the layout's margins. The box is there
  // before plotly.js is (the page's first map is worked out while plotly.js loads).
  function sizeOf(gd, layout) {
    var box = document.getElementById('map'), m = layout && layout.margin;
    if (box && box.clientWidth && m) {
      return {w: box.clientWidth - (m.l || 0) - (m.r || 0), h: box.clientHeight - (m.t || 0) - (m.b || 0)};
    }
    var s = gd && gd._fullLayout && gd._fullLayout._size;
    return s ? {w: s.w, h: s.h} : {w: 1100, h: 560};
  }
  function viewOf(layout, gd) {
    var map = mapOf(gd);
    if (map) {
      var c = map.getCenter();
      return {zoom: map.getZoom(), lat: c.lat, lon: c.lng};
    }
    return {zoom: layout.map.zoom, lat: layout.map.center.lat, lon: layout.map.center.lon};
  }

  // A scale bar of a round length near a sixth of the map's width, true at the centre's
  // latitude, and its label; in paper coordinates, so it stays inside the frame.
  F.scaleBar = function (bundle, gd, layout) {
    var v = viewOf(layout, gd), size = sizeOf(gd, layout);
    var metresPerPx = 40075016.686 * Math.cos(v.lat * Math.PI / 180) / (512 * Math.pow(2, v.zoom));
    var target = size.w * metresPerPx / 6 / 1000, power = Math.pow(10, Math.floor(Math.log10(Math.max(target, 0.001))));
    var km = [1, 2, 5, 10].map(function (k) { return k * power; }).filter(function (k) { return k >= target; })[0] || 10 * power;
    var frac = km * 1000 / metresPerPx / size.w, x0 = 0.02, y0 = 0.05;
    var label = (km >= 1 ? String(Math.round(km)) : String(km)) + ' ' + bundle.words.km;
    return {
      shapes: [{type: 'line', xref: 'paper', yref: 'paper', x0: x0, x1: x0 + frac, y0: y0, y1: y0,
                line: {color: '#222', width: 3}},
               {type: 'line', xref: 'paper', yref: 'paper', x0: x0, x1: x0, y0: y0, y1: y0 + 0.015,
                line: {color: '#222', width: 2}},
               {type: 'line', xref: 'paper', yref: 'paper', x0: x0 + frac, x1: x0 + frac, y0: y0,
                y1: y0 + 0.015, line: {color: '#222', width: 2}}],
      annotation: {text: label, xref: 'paper', yref: 'paper', x: x0 + frac / 2, y: y0 + 0.005,
                   yanchor: 'bottom', showarrow: false, bgcolor: 'rgba(255,255,255,0.75)',
                   font: {size: 12, color: '#222'}, name: 'scale'},
      km: km
    };
  };

  // Words in lines of at most `chars` characters (a word longer than that has a line of its own)
  function wrapped(text, chars) {
    var lines = [];
    text.split(' ').forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + ' ' + word).length <= chars) { lines[last] += ' ' + word; } else { lines.push(word); }
    });
    return lines;
  }
  // The sources of what is drawn, most cited first, on one line of at most `chars`
  // characters (the map's width at the footer's size): the rest are counted, never cut off.
  function sourcesLine(bundle, chosen, events, chars) {
    var counts = {};
    function count(list) { (list || []).forEach(function (p) { counts[p] = (counts[p] || 0) + 1; }); }
    Object.keys(chosen).forEach(function (k) { chosen[k].forEach(function (it) { count(it[2].p); }); });
    events.forEach(function (e) { count(e[8]); });
    var names = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || bundle.publishers[a].localeCompare(bundle.publishers[b]);
    }).map(function (p) { return bundle.publishers[p]; });
    if (!names.length) { return ''; }
    var room = Math.floor(chars) - bundle.words.sources.length - 8, shown = [];
    names.forEach(function (name) {
      var used = shown.join(', ').length;
      if (shown.length < 8 && (!shown.length || used + 2 + name.length <= room)) { shown.push(name); }
    });
    var rest = names.length - shown.length;
    return bundle.words.sources + ' ' + shown.join(', ') + (rest ? ' (+' + rest + ')' : '');
  }

  // A map a phone's width: its legend goes under it, its extent keeps room at the sides
  function narrowMap(gd, layout) { return sizeOf(gd, layout).w < 640; }
  // A view with no map= of its own fits the dataset's extent into the map's real size.
  // (On a phone the extent's ends would be the map's edges, and the names of the places there,
  // Derna's among them, would have no room: a tenth of the width is kept free on each side.)
  function fitted(bundle, gd, layout) {
    var map = layout.map;
    if (!bundle.fit) { return map; }
    var size = sizeOf(gd, layout), e = bundle.fit, room = narrowMap(gd, layout) ? 0.8 : 1;
    var zx = Math.log2(size.w * room * 360 / (512 * (e[2] - e[0])));
    var zy = Math.log2(size.h * 2 * Math.PI / (512 * (mercY(e[3]) - mercY(e[1]))));
    return Object.assign({}, map, {zoom: Math.round(Math.min(zx, zy) * 100) / 100,
                                   center: {lon: (e[0] + e[2]) / 2, lat: latOf((mercY(e[1]) + mercY(e[3])) / 2)}});
  }

  // The figure for one day: the template with the day's share filled in.
  F.figure = function (bundle, day, prev, selected, gd) {
    var fig = bundle.figure, picked = F.select(bundle, day, prev);
    var layout = Object.assign({}, fig.layout);
    layout.map = fitted(bundle, gd, layout);
    var narrow = narrowMap(gd, layout);
    if (narrow) {  // a phone: the legend goes under the map instead of over it
      layout.legend = Object.assign({}, layout.legend, {orientation: 'h', x: 0, xanchor: 'left',
                                                        y: -0.02, yanchor: 'top', font: {size: 10}});
      layout.modebar = {orientation: 'v'};
      layout.title = Object.assign({}, layout.title, {font: {size: 13}});
    }
    var frame = frameOf(layout, gd);
    // A trace whose share of the bundle did not change keeps its very arrays, so plotly
    // sees no change in it, and MapLibre re-tiles none of it (skipUnchangedSources).
    var memo = F._memo && F._memo.key === bundle.key ? F._memo : (F._memo = {key: bundle.key, traces: {}});
    var data = fig.data.map(function (tpl, i) {
      if (i === bundle.events.trace || i === bundle.events.selected) { return tpl; }
      var items = picked.traces[String(i)] || [], trace = Object.assign({}, tpl);
      var sig = items.map(function (it) { return it.n; }).join(',');
      var filled = memo.traces[i] && memo.traces[i].sig === sig ? memo.traces[i] : null;
      if (!filled) {
        filled = memo.traces[i] = {sig: sig, lon: [], lat: [], text: [], bbs: [], meta: null};
        var ids = [];
        items.forEach(function (it) {
          var p = it[2];
          Array.prototype.push.apply(filled.lon, p.lon);
          Array.prototype.push.apply(filled.lat, p.lat);
          if (p.text) { Array.prototype.push.apply(filled.text, p.text); }
          if (p.ids) { Array.prototype.push.apply(ids, p.ids); }
          filled.bbs.push(bbox(p.lon, p.lat));
        });
        filled.meta = Object.assign({}, tpl.meta, {ids: ids});
      }
      trace.lon = filled.lon; trace.lat = filled.lat; trace.meta = filled.meta;
      if (tpl.mode.indexOf('text') >= 0) { trace.text = filled.text; }
      trace.showlegend = tpl.meta.legend && filled.bbs.some(function (b) { return meets(b, frame); });
      (bundle.names[String(i)] || []).forEach(function (n) {  // the name of the day
        if ((n[0] === null || n[0] <= day) && (n[1] === null || day < n[1])) { trace.name = n[2]; }
      });
      return trace;
    });
    // events: one marker per point; a point with several events shows their number
    var groups = {}, order = [];
    picked.events.forEach(function (e) {
      var key = e[2] + ',' + e[3];
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(e);
    });
    var evSig = picked.events.map(function (e) { return e[4]; }).join(' ');
    var ev = memo.events && memo.events.sig === evSig ? memo.events.trace : null;
    if (!ev) {
      ev = Object.assign({}, data[bundle.events.trace]);
      ev.lon = []; ev.lat = []; ev.customdata = []; ev.text = []; ev.hovertext = [];
      ev.marker = Object.assign({}, ev.marker, {color: [], size: []});
      var drawnIds = [];
      order.forEach(function (key) {
        var g = groups[key], latest = g[g.length - 1];
        ev.lon.push(latest[2]); ev.lat.push(latest[3]);
        ev.customdata.push(g.map(function (e) { return e[4]; }).join(' '));
        ev.marker.color.push(latest[5]);
        ev.marker.size.push(Math.max.apply(null, g.map(function (e) { return e[6]; })) + (g.length > 1 ? 4 : 0));
        ev.text.push(g.length > 1 ? String(g.length) : '');
        ev.hovertext.push(g.length > 1
          ? '<b>' + bundle.words.events_here.replace('{n}', g.length) + '</b><br>' +
            g.slice(-4).reverse().map(function (e) { return e[7]; }).join('<br>')
          : latest[7]);
        g.forEach(function (e) { drawnIds.push(e[4]); });
      });
      ev.meta = Object.assign({}, ev.meta, {ids: drawnIds});
      memo.events = {sig: evSig, trace: ev};
    }
    data[bundle.events.trace] = ev;
    var chosen = picked.events.filter(function (e) { return e[4] === selected; });
    var selSig = chosen.length ? chosen[0][4] : '';
    if (!(memo.selected && memo.selected.sig === selSig)) {
      var sel = Object.assign({}, data[bundle.events.selected]);
      sel.lon = chosen.map(function (e) { return e[2]; });
      sel.lat = chosen.map(function (e) { return e[3]; });
      memo.selected = {sig: selSig, trace: sel};
    }
    data[bundle.events.selected] = memo.selected.trace;
    // A trace with no points is hidden by plotly, which then forgets its `below` and gives
    // it the previous trace's; traces that share a `below` have all their layers removed and
    // re-added by plotly on every update, and MapLibre rebuilds them: a slow redraw of every
    // layer on each step. So a trace with nothing to draw today is left out (a trace that
    // comes or goes costs its own layers only). One trace stays, for plotly to draw a map.
    var drawn = data.filter(function (trace) { return trace.lon.length > 0; });
    data = drawn.length ? drawn : data.slice(-1);

    var when = bundle.words.compare || F.words(bundle, day);
    layout.title = Object.assign({}, layout.title, {text: bundle.words.title + ' · ' + when});
    var bar = F.scaleBar(bundle, gd, layout);
    layout.shapes = bar.shapes;
    // on a phone the footer goes under the legend (an entry a row, about 19 px each)
    var legendRows = narrow ? data.filter(function (t) { return t.showlegend; }).length : 0;
    // the footer's lines fit the map's width (about 4.6 px a character at a phone's 8 px,
    // 5.8 at 10 px): on a phone its note and attribution take several
    var chars = sizeOf(gd, layout).w / (narrow ? 4.6 : 5.8);
    var notes = narrow ? wrapped(bundle.words.footer, chars) : [bundle.words.footer];
    if (narrow) { layout.margin = Object.assign({}, layout.margin, {b: 50 + legendRows * 19 + (notes.length - 1) * 10}); }
    layout.annotations = [
      {text: notes.join('<br>') + '<br>' + sourcesLine(bundle, picked.traces, picked.events, chars),
       xref: 'paper', yref: 'paper', x: 0, y: 0, xanchor: 'left', yanchor: 'top',
       yshift: -8 - legendRows * 19, showarrow: false, align: 'left',
       font: {size: narrow ? 8 : 10, color: '#444'}, name: 'footer'},
      // (on a phone the map's buttons stand in a column at the top right: the arrow goes left)
      {text: '▲<br>N', xref: 'paper', yref: 'paper', x: narrow ? 0.005 : 0.995, y: 0.98, showarrow: false,
       font: {size: 14, color: '#222'}, align: 'center', xanchor: narrow ? 'left' : 'right', yanchor: 'top',
       bgcolor: 'rgba(255,255,255,0.75)', name: 'north'},
      bar.annotation];
    // (not in the layout: a change there replots)
    F.pending = {day: day, iso: F.iso(bundle, day), painted: false};
    return {data: data, layout: layout};
  };

  // ---------- drawn: plotly has plotted and MapLibre has rendered the new data ----------
  var waiters = [];
  F.drawnDay = null;
  // The first map drawn lets the text beside it in (dashboard/callbacks.py): that text is
  // not built while the first map is laid out and painted. Should no map be drawn (no
  // WebGL), the text comes after FIRST_TEXT_WAIT_MS all the same.
  var FIRST_TEXT_WAIT_MS = 4000;
  function letTextIn() {
    if (F.textIn || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    F.textIn = true;
    window.dash_clientside.set_props('map-first-drawn', {data: true});
  }
  setTimeout(function wait() {
    if (window.dash_clientside && window.dash_clientside.set_props) { letTextIn(); } else { setTimeout(wait, 500); }
    if (F.drawnDay === null && !canDrawMaps()) { mapUnavailable(); }
  }, FIRST_TEXT_WAIT_MS);
  // A browser without WebGL draws no map: the frame says so, and stops saying it is drawing.
  function canDrawMaps() {
    var canvas = document.createElement('canvas');
    try { return !!(canvas.getContext('webgl2') || canvas.getContext('webgl')); } catch (e) { return false; }
  }
  function mapUnavailable() {
    var host = document.getElementById('map-frame');
    if (!host) { setTimeout(mapUnavailable, 500); return; }
    host.setAttribute('data-map-unavailable', 'true');
    host.setAttribute('aria-busy', 'false');
  }
  // While the first map is drawn from the page's layout (drawFirst), the page's callback
  // requests wait, and go the moment it is drawn: answered meanwhile, a dozen of them
  // re-render the page's controls on its one thread while the map is laid out and
  // painted, which held the first map up by about a quarter of a second. Never longer
  // than FIRST_TEXT_WAIT_MS (a browser that cannot draw the map still gets its answers).
  var waiting = null;
  function holdRequests() {
    if (waiting) { return; }
    var send = window.fetch, queue = [];
    waiting = {send: send, queue: queue, fetch: function (input, init) {
      if (!waiting.queue || String((input && input.url) || input).indexOf('/_dash-update-component') < 0) {
        return send.apply(this, arguments);
      }
      return new Promise(function (resolve, reject) {
        queue.push(function () { send(input, init).then(resolve, reject); });
      });
    }};
    window.fetch = waiting.fetch;
    setTimeout(releaseRequests, FIRST_TEXT_WAIT_MS);
  }
  function releaseRequests() {
    if (!waiting || !waiting.queue) { return; }
    if (window.fetch === waiting.fetch) { window.fetch = waiting.send; }
    var queue = waiting.queue;
    waiting.queue = null;
    queue.forEach(function (go) { go(); });
  }
  function markDrawn(gd) {
    releaseRequests();
    letTextIn();
    var day = F.pending ? F.pending.day : null;
    F.drawnDay = day;
    if (F.pending && F.pending.viaDash) { F.viaDash = false; }
    performance.mark('frontlines-map-drawn');  // benchmarks read these
    var host = document.getElementById('map-frame');
    if (host) {
      host.setAttribute('data-drawn-day', F.pending ? F.pending.iso : '');
      host.setAttribute('data-drawn-count', String((Number(host.getAttribute('data-drawn-count')) || 0) + 1));
      host.setAttribute('aria-busy', 'false');
    }
    // (a wait for a day no longer asked for is dropped: a newer step superseded it)
    waiters = waiters.filter(function (w) {
      if (w.day === day) { w.resolve(day); return false; }
      return w.day === F.asked;
    });
  }
  F.whenDrawn = function (day) {
    if (F.drawnDay === day) { return Promise.resolve(day); }
    return new Promise(function (resolve) { waiters.push({day: day, resolve: resolve}); });
  };
  // MapLibre options plotly does not expose: halos keep labels legible over fills (and give
  // them AA contrast whatever lies under them), area labels try four positions around their
  // point before giving way, and the event counts always show on their marker.
  function layerStyle(id, type) {
    if (id.indexOf('plotly-trace-layer-') !== 0) { return null; }
    // A fill's edge is drawn by its trace's outline: MapLibre's own antialiased edge would
    // be one more pass over the map on every paint, a third of a paint's cost without a GPU.
    if (type === 'fill') { return {paint: {'fill-antialias': false}, layout: {}}; }
    if (type !== 'symbol') { return null; }
    // (the white counts on event markers get a dark halo: legible, AA, on every faction's colour)
    var style = {paint: {'text-halo-color': id.indexOf('events') >= 0 ? '#1a1a1a' : '#ffffff',
                         'text-halo-width': 1.5}, layout: {}};
    if (id.indexOf('area labels') >= 0 || id.indexOf('area-labels') >= 0) {
      style.layout = {'text-variable-anchor': ['center', 'top', 'bottom', 'left', 'right'],
                      'text-radial-offset': 0.6, 'text-padding': 2};
    }
    if (id.indexOf('key places') >= 0) {  // the name over its holder, on two lines
      // (placed in the dataset's order, Derna first, whichever tile each is in: two close
      // key places, Derna and Al-Maheili on a phone, cannot both be named)
      style.layout = {'text-max-width': 4, 'text-variable-anchor': ['bottom', 'top', 'left', 'right'],
                      'text-radial-offset': 0.5, 'symbol-sort-key': ['id']};
    }
    if (id.indexOf('events') >= 0) {
      style.layout = {'text-allow-overlap': true, 'text-ignore-placement': true};
    }
    return style;
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  // A MapLibre method changed for every map or source of a kind: `wrap(original)` gives
  // the new method, put on the prototype once.
  function wrapOnce(proto, name, wrap) {
    var mark = '_frontlinesWrapped_' + name;
    if (proto[mark]) { return; }
    proto[mark] = true;
    proto[name] = wrap(proto[name]);
  }
  // A layer is born with its style (plotly makes layers anew on some updates, at times
  // after its afterplot): set as the map is made (tune), before plotly adds its traces'
  // layers, so that the first map is not painted twice, once without its label halos.
  function bornStyled(map) {
    wrapOnce(Object.getPrototypeOf(map), 'addLayer', function (addLayer) {
      return function (layer, before) {
        var style = layer && layerStyle(layer.id, layer.type);
        if (style) {
          layer = Object.assign({}, layer, {paint: Object.assign({}, layer.paint, style.paint),
                                            layout: Object.assign({}, layer.layout, style.layout)});
        }
        return addLayer.call(this, layer, before);
      };
    });
  }
  // ... and a layer made before that gets it here.
  function polish(gd) {
    var map = mapOf(gd);
    if (!map || !map.style || !map.style._loaded) { return false; }
    bornStyled(map);
    var changed = false;
    map.getLayersOrder().forEach(function (id) {  // (getStyle() would copy the whole style)
      var style = layerStyle(id, map.getLayer(id).type);
      if (!style) { return; }
      // (MapLibre repaints the map on any call, even one that sets the value a property holds)
      Object.keys(style.paint).forEach(function (k) {
        if (same(map.getPaintProperty(id, k), style.paint[k])) { return; }
        map.setPaintProperty(id, k, style.paint[k]);
        changed = true;
      });
      Object.keys(style.layout).forEach(function (k) {
        if (same(map.getLayoutProperty(id, k), style.layout[k])) { return; }
        map.setLayoutProperty(id, k, style.layout[k]);
        changed = true;
      });
    });
    return changed;
  }
  // A click on the map that hits no event clears the selection.
  function clearOnEmptyClick(map) {
    if (!map || map._frontlinesClick) { return; }
    map._frontlinesClick = true;
    map.on('click', function (e) {
      var hit = map.queryRenderedFeatures(e.point).some(function (f) {
        return f.layer && f.layer.id.indexOf('plotly-trace-layer-events') === 0;
      });
      if (!hit && window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props('map-clear', {data: Date.now()});
      }
    });
  }
  // Drawn: plotly holds this figure's traces and MapLibre has every GeoJSON source parsed
  // (online tiles may fail offline: not ours to wait for). Checked on each frame, so no
  // event can be missed; a newer step supersedes an older one.
  // The scale bar is computed with the figure, from the map as it was; a draw that brings
  // a new view (a fitted extent, a map= from the address, an export's size) changes the
  // map's zoom after that. Once drawn, the bar is made true for the map as it is.
  function trueScale(gd) {
    var bundle = F.bundle, shapes = gd.layout.shapes || [];
    if (!bundle || !shapes.length || !mapOf(gd)) { return false; }
    var bar = F.scaleBar(bundle, gd, gd.layout), drawn = shapes[0], want = bar.shapes[0];
    if (Math.abs((drawn.x1 - drawn.x0) - (want.x1 - want.x0)) < 0.002) { return false; }
    Plotly.relayout(gd, {shapes: bar.shapes, annotations: withScale(gd, bar)});
    return true;
  }
  // The layout's annotations with the scale bar's label of `bar`
  function withScale(gd, bar) {
    return gd.layout.annotations.map(function (a) { return a.name === 'scale' ? bar.annotation : a; });
  }
  // Settled: every GeoJSON source of the map is tiled (and so its labels are placed: with
  // no fade (tune), MapLibre places every label afresh on each frame, in full. After new
  // label tiles it still asks for one frame more, "placement dirty", for a placement split
  // over frames; that frame would place them as they are: see onePaintPerStep).
  function settled(map) {
    var managers = map.style && map.style._loaded && map.style.tileManagers;
    if (!managers) { return false; }
    return Object.keys(managers).every(function (id) {
      var source = map.getSource(id);
      return !source || source.type !== 'geojson' || managers[id].loaded();
    });
  }
  // One paint a step. MapLibre paints a frame whenever part of a change is ready (a source
  // re-tiled, a pass of label placement), so a step that changed four sources cost up to
  // five frames and showed maps that were half one day, half the next; the first load
  // painted some thirty. Without a GPU each paint is a redraw of the whole map in
  // software, read back into the page (a tenth of a second or more of the page's one
  // thread). So frames are worked out but not painted until the map has settled; then one
  // is. A camera move paints every frame, and nothing waits more than PAINT_WAIT_MS for a
  // paint (online tiles are not waited for at all).
  var PAINT_WAIT_MS = 1500;
  function onePaintPerStep(map) {
    if (!map || !map.painter || map.painter._frontlinesGate) { return; }
    var painter = map.painter, paint = painter.render, held = null;
    painter._frontlinesGate = true;
    // This frame: {hold: held back, or painted; ready: settled}. Decided as the frame's
    // labels are about to be placed (MapLibre places them, then paints), kept for its paint.
    map._frontlinesDecide = function () {
      var ready = settled(map);
      // (the map's first frame is always painted: held back, the sources loaded meanwhile,
      // the basemap's among them, were never drawn, however often the map painted later)
      if (!ready && !map.isMoving() && painter._frontlinesPainted) {
        held = held || performance.now();
        if (performance.now() - held < PAINT_WAIT_MS) {
          map._frontlinesHeld = true;
          clearTimeout(map._frontlinesLate);  // the late paint, should nothing else ask
          map._frontlinesLate = setTimeout(function () { map.triggerRepaint(); }, PAINT_WAIT_MS);
          return (map._frontlinesFrame = {hold: true, ready: false});
        }
      }
      held = null;
      map._frontlinesHeld = false;
      clearTimeout(map._frontlinesLate);
      return (map._frontlinesFrame = {hold: false, ready: ready});
    };
    painter.render = function () {
      var frame = map._frontlinesFrame || map._frontlinesDecide(), ready = frame.ready;
      map._frontlinesFrame = null;
      if (frame.hold) { return undefined; }
      painter._frontlinesPainted = true;
      if (ready && F.pending) { F.pending.painted = performance.now(); }
      var out = paint.apply(this, arguments);
      // (labels placed in full this frame: no second paint of the same map for a placement
      // MapLibre would only repeat)
      if (ready && map._fadeDuration === 0) { map._placementDirty = false; }
      return out;
    };
  }
  // A frame held back places no labels: MapLibre places every label afresh on each frame
  // (with no fade, in full), a few milliseconds of the page's one thread each time, which
  // the frames that wait for a step's tiles spent for a paint that never came. The frame
  // that is painted places them.
  function placeOnlyToPaint(map) {
    if (!map || !map.style) { return; }
    wrapOnce(Object.getPrototypeOf(map.style), '_updatePlacement', function (place) {
      return function () {
        var m = this.map;
        if (m && m._frontlinesDecide && m._frontlinesDecide().hold) { return false; }
        return place.apply(this, arguments);
      };
    });
  }
  // MapLibre clips each fill and line to its tiles with a stencil mask, drawn anew for a
  // layer whose source is not the one the mask in place was drawn for: one pass over the
  // whole map for each area trace (each its own source), about a third of a paint without a
  // GPU. Every GeoJSON source here is cut into the same tiles, so the mask in place serves
  // a layer whose tiles are the same tiles; other tiles (a source still loading shows a
  // parent tile) or any other use of the stencil since (MapLibre counts its marks) draw
  // their own. (An own method of the map's painter: deleting it restores MapLibre's.)
  function oneClippingMask(map) {
    var painter = map && map.painter;
    if (!painter || Object.prototype.hasOwnProperty.call(painter, 'renderTileClippingMasks')) { return; }
    var drawn = null;  // the mask in place: its tiles, and MapLibre's next mark after it
    painter.renderTileClippingMasks = function (layer, tileIDs) {
      var keys = tileIDs && tileIDs.map(function (t) { return t.key; }).join(' ');
      if (drawn && this.currentStencilSource !== undefined && this.currentStencilSource !== layer.source &&
          layer.isTileClipped() && drawn.next === this.nextStencilID && drawn.keys === keys) {
        this.currentStencilSource = layer.source;
        return undefined;
      }
      var before = this.currentStencilSource;
      var out = Object.getPrototypeOf(this).renderTileClippingMasks.apply(this, arguments);
      if (this.currentStencilSource !== before) { drawn = {keys: keys, next: this.nextStencilID}; }
      return out;
    };
  }
  // MapLibre paints its sky, a pass over the whole map, first thing in every frame. In a
  // map seen from straight above (no pitch) the horizon is out of sight: the pass draws
  // nothing that shows (the map's background covers it), yet it was a third of a paint
  // without a GPU. So the sky is drawn only when the map is pitched. (The painter's draw
  // functions with the sky's own: MapLibre's are their prototype.)
  function skyOnlyInSight(map) {
    var painter = map && map.painter;
    if (!painter || painter._frontlinesSky) { return; }
    painter._frontlinesSky = true;
    var draw = painter.drawFunctions;
    painter.drawFunctions = Object.create(draw, {sky: {value: function () {
      if (map.getPitch() > 0) { return draw.sky.apply(this, arguments); }
      return undefined;
    }}});
  }
  function awaitDrawn(fig) {
    var pending = F.pending;
    function ready(gd) {
      var map = mapOf(gd);
      // (plotly holds this figure, Dash's copy of it, or it without its new events: F.show)
      if (!gd || gd.data !== fig.data && gd.data !== fig.eventsLater && gd.data[0] !== fig.data[0]) { return false; }
      if (!map || map.isMoving() || !settled(map)) { return false; }
      // settled since a frame was held back: that frame is painted now, not by the late paint
      if (map._frontlinesHeld) { map.triggerRepaint(); return false; }
      // painted, or nothing was left to paint (a step that changed nothing on the map)
      return pending.painted || !map._frameRequest;
    }
    // Drawn once a frame has begun since the paint: the frame the paint went into is made.
    // (When the map painted nothing, or polish restyled a layer, a frame from now.)
    function check(frame) {
      if (F.pending !== pending) { return; }
      var gd = F.graph();
      if (!ready(gd)) { requestAnimationFrame(check); return; }
      if (trueScale(gd)) { requestAnimationFrame(check); return; }  // redrawn: look again
      // every label layer has its halo before the map counts as drawn
      if (!polish(gd) && pending.painted && frame > pending.painted) { markDrawn(gd); return; }
      requestAnimationFrame(function () { if (F.pending === pending) { markDrawn(gd); } });
    }
    requestAnimationFrame(check);
  }
  // Plotly hands every map trace's GeoJSON to MapLibre again on each update, and MapLibre
  // re-tiles and redraws each source it gets. A source given the data it already holds is
  // left alone, so a step costs only what it changes.
  // (Set up as the map is made: a source keeps the data it was made with, which the first
  // step after a load would otherwise hand every source again.)
  function skipUnchangedSources(map) {
    wrapOnce(Object.getPrototypeOf(map), 'addSource', function (addSource) {
      return function (id, spec) {
        var out = addSource.apply(this, arguments), source = this.getSource(id);
        if (source && source.type === 'geojson') {
          wrapOnce(Object.getPrototypeOf(source), 'setData', onlyNewData);
          source._frontlinesFirst = spec.data;  // (made text only if setData is called)
        }
        return out;
      };
    });
  }
  function onlyNewData(setData) {
    function text(data) { return typeof data === 'string' ? data : JSON.stringify(data); }
    return function (data) {
      if (this._frontlinesFirst !== undefined) {
        this._frontlinesLast = text(this._frontlinesFirst);
        this._frontlinesFirst = undefined;
      }
      var now = text(data);
      if (now === this._frontlinesLast) { renderedAsIs(this.map); return this; }
      this._frontlinesLast = now;
      return setData.apply(this, arguments);
    };
  }
  // Plotly's promise for an update of the map resolves on MapLibre's next 'render' event
  // (plotly's resolveOnRender), which an update that hands MapLibre nothing new never
  // brings: the graph's queue of figures, and a relayout's promise, would wait for the
  // next paint of anything. So the map's 'render' is told, the frame after, that the map
  // as it stands is the map rendered (without a paint: it already shows it).
  function renderedAsIs(map) {
    if (!map || map._frontlinesAsIs) { return; }
    map._frontlinesAsIs = true;
    requestAnimationFrame(function () {
      map._frontlinesAsIs = false;
      if (!map._frameRequest && map.loaded()) { map.fire('render'); }
    });
  }
  // A new MapLibre map is tuned before its first frame (plotly makes it, and its canvas,
  // in one go; this runs right after): its first load is then painted a few times, not thirty.
  function tune(map) {
    if (!map) { return; }
    // Labels appear at once instead of fading in over 300 ms: a fade is a dozen redraws,
    // each a tenth of a second where the browser draws WebGL without a GPU.
    if (map._fadeDuration !== 0) { map._fadeDuration = 0; }
    bornStyled(map);
    skipUnchangedSources(map);
    onePaintPerStep(map);
    placeOnlyToPaint(map);
    oneClippingMask(map);
    skyOnlyInSight(map);
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (!node.classList || !node.classList.contains('maplibregl-canvas')) { return; }
        var gd = F.graph();
        tune(mapOf(gd));
        if (gd && gd.on) { watch(gd); }
      });
    });
    if (!F.bundle && document.getElementById('map')) { drawFirst(); }
  }).observe(document.documentElement, {subtree: true, childList: true});
  // The map of the page's address comes with the page (dashboard/callbacks.py first_view):
  // it is worked out as soon as the page is laid out, and plotly.js plots it as it loads,
  // without waiting for the server's first answers, which on a load come in a crowd. (Not
  // when the address changed since the layout was asked for, or the layout could not know
  // it: the callbacks draw the map then.)
  function drawFirst() {
    var first = held('first-view', 'data'), bundle = held('map-bundle', 'data');
    if (!first || !bundle || first.searches.indexOf(window.location.search) < 0) { return; }
    F.asked = first.day;
    var out = render(first.day, bundle, first.event);
    if (!out) { return; }
    holdRequests();
    throughDash(out);
  }
  function afterPlot(gd) {
    tune(mapOf(gd));
    clearOnEmptyClick(mapOf(gd));
    polish(gd);
  }
  function watch(gd) {
    if (gd._frontlinesWatched) { return; }
    gd._frontlinesWatched = true;
    gd.on('plotly_afterplot', function () { afterPlot(gd); });
    gd.on('plotly_relayout', function (ev) {
      var keys = ev ? Object.keys(ev) : [];
      if (!F.bundle) { return; }
      // a new size of the map (the window's) frames more or less of it, as a move does
      if (keys.indexOf('autosize') >= 0) { reframe(gd); return; }
      if (!keys.some(function (k) { return k.indexOf('map') === 0; })) { return; }
      var v = viewOf(gd.layout, gd);
      var text = (Math.round(v.zoom * 100) / 100) + '/' + v.lat.toFixed(4) + '/' + v.lon.toFixed(4);
      F.setParam('map', text);
      if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props('map-view', {data: [Math.round(v.zoom * 100) / 100, +v.lat.toFixed(4), +v.lon.toFixed(4)]});
      }
      reframe(gd);
    });
  }
  // The map framed anew (moved, zoomed or resized): the legend lists what is in the frame,
  // and the scale bar is true for the zoom and the width.
  function reframe(gd) {
    var frame = frameOf(gd.layout, gd), bar = F.scaleBar(F.bundle, gd, gd.layout);
    var show = gd.data.map(function (t) {
      if (!t.meta || !t.meta.legend || !t.lon.length) { return false; }
      return meets(bbox(t.lon, t.lat), frame);
    });
    Plotly.update(gd, {showlegend: show}, {shapes: bar.shapes, annotations: withScale(gd, bar)});
  }

  // The address bar follows the map without a request: the server writes it whole when a
  // filter changes, the page updates the date and the map view in place.
  F.setParam = function (name, value) {
    var params = new URLSearchParams(window.location.search);
    if (params.get(name) === value) { return; }
    params.set(name, value);
    var search = '?' + params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
    window.history.replaceState(window.history.state, '', search + window.location.hash);
  };

  // ---------- Play: every step in order, at most `speed` steps a second ----------
  // Steps count from where Play started (or from where the step size last changed), so a
  // monthly Play from 31 January shows 29 February, 31 March, 30 April.
  var player = {playing: false, timer: null};
  // Play and Pause are told to the page (assets/a11y.js speaks them, once each)
  function told(playing) {
    document.dispatchEvent(new CustomEvent('frontlines:play', {detail: {playing: playing}}));
  }
  F.play = function (start) {
    player.playing = true;
    told(true);
    window.dash_clientside.set_props('play-state', {data: true});
    var slider = start;
    if (slider >= F.bundle.last) { slider = 0; F.goTo(0); }
    var anchor = slider, size = F.stepSize(), n = 0;
    // Steps keep a metronome's time: each is due a period after the one before was due (a
    // period after it began lost the timer's lateness at every step, a few per cent of the
    // speed asked for). A step drawn late is followed at once, and the beat starts from it.
    var due = 0;
    function later(current) {
      due = Math.max(due + 1000 / F.speed(), performance.now());
      player.timer = setTimeout(function () { tick(current); }, due - performance.now());
    }
    function tick(current) {
      if (!player.playing) { return; }
      var b = F.bundle;
      if (F.stepSize() !== size) { anchor = current; size = F.stepSize(); n = 0; }
      var next = Math.min(F.shift(b, anchor, size, n + 1), b.last);
      if (next <= current) { F.stop(); return; }
      n += 1;
      F.goTo(next);
      F.whenDrawn(next).then(function () { if (player.playing) { later(next); } });
    }
    // from the last day, the first is shown (drawn) before the next step
    var shown = slider === start ? Promise.resolve() : F.whenDrawn(slider);
    shown.then(function () {
      if (player.playing) { due = performance.now(); later(slider); }
    });
  };
  // Dash is told of the Pause once the step under way is drawn and the slider has followed
  // it (F.goTo, whose wait comes first): the state, and the text beside the map, then stop
  // on the day the map shows, not on the day before it too (which a screen reader would
  // hear as well, once the summary speaks again). At most a second later in any case.
  F.stop = function () {
    if (player.playing) { told(false); }
    player.playing = false;
    clearTimeout(player.timer);
    var button = document.getElementById('play');
    if (button && button.getAttribute('data-playing') !== 'false') {
      var late = new Promise(function (resolve) { setTimeout(resolve, 1000); });
      Promise.race([F.whenDrawn(F.asked), late]).then(function () {
        if (!player.playing) { window.dash_clientside.set_props('play-state', {data: false}); }
      });
    }
  };
  F.playing = function () { return player.playing; };
  // ◀ ▶ and Play/Pause act on the press itself. Through a Dash callback they would wait
  // until Dash is done with what it is busy with (applying a server's answer): a step
  // would start late, and a Pause could land a step or two after the press. The press is
  // heard as the click goes down to the button, and goes no further: no callback reads
  // these buttons' clicks, yet React counting them for Dash (`n_clicks`) set Dash's whole
  // page store to work, 10-30 ms of the page's one thread in the middle of the step.
  document.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('#step-back, #step-forward, #play');
    if (!button || button.disabled || !F.bundle) { return; }
    e.stopPropagation();
    var day = F.asked === undefined ? F.lastDay : F.asked;
    if (button.id === 'play') {
      if (F.playing()) { F.stop(); } else { F.play(day); }
      return;
    }
    F.stop();
    F.goTo(F.step(F.bundle, day, F.stepSize(), button.id === 'step-back' ? -1 : 1));
  }, true);
  // A property of a component as the page holds it now
  function held(id, name) {
    var layout = window.dash_component_api && window.dash_component_api.getLayout(id);
    return layout && layout.props ? layout.props[name] : null;
  }
  // Speed and Step, read at each step: a change applies at once
  F.speed = function () { return Number(held('speed', 'value')) > 0 ? Number(held('speed', 'value')) : 1; };
  F.stepSize = function () { return held('step-size', 'value') || 'week'; };

  // On a phone the map comes first and the panels start folded.
  document.addEventListener('DOMContentLoaded', function () {
    if (window.innerWidth >= 700) { return; }
    var fold = setInterval(function () {
      var panels = document.querySelectorAll('details.panel');
      if (!panels.length) { return; }
      clearInterval(fold);
      panels.forEach(function (p) { p.open = false; });
    }, 50);
  });

  // Plotly's locale for every graph (axis dates, modebar), once plotly has loaded. The
  // charts carry their language in layout.meta, so the server's redraw in a new language
  // replots them whole, in this locale.
  F.locale = function (lang) {
    if (!window.Plotly || !window.Plotly.setPlotConfig) { setTimeout(function () { F.locale(lang); }, 50); return; }
    if (lang === 'fr' && window.frontlinesLocales && !F._registered) {
      window.Plotly.register(window.frontlinesLocales.fr);
      F._registered = true;
    }
    // A graph whose config changed is plotted anew: for the map, a new MapLibre map that
    // loads its style, sources and glyphs again. So the config changes only for a new
    // language (English is plotly's own default, 'en-US').
    var locale = lang === 'fr' ? 'fr' : 'en-US';
    if (F._locale !== locale) {
      window.Plotly.setPlotConfig({locale: locale});
      F._locale = locale;
    }
  };

  // The charts' date line (and the activity chart's date) follow the day without a
  // Plotly.relayout: a relayout redraws the chart, and the relayout event makes dcc.Graph
  // redraw it once more, which cost a step 100-150 ms of the page's one thread. The layout
  // is changed in place (a later redraw puts the line on the same day) and the drawn line
  // is moved by the same distance.
  function moveMarker(chart, iso, words) {
    var full = chart && chart._fullLayout, xa = full && full.xaxis;
    if (!xa || !xa.d2p || !chart.layout.shapes || !chart.layout.shapes.length || !full.shapes.length) { return; }
    chart.layout.shapes[0].x0 = chart.layout.shapes[0].x1 = iso;
    var dx = xa.d2p(iso) - xa.d2p(full.shapes[0].x0), shift = 'translate(' + dx + ',0)';
    var line = chart.querySelector('.shapelayer path[data-index="0"]');
    if (line) { line.setAttribute('transform', shift); }
    var notes = chart.layout.annotations || [], label = chart.querySelector('.annotation[data-index="0"]');
    if (words && notes.length && label) {
      notes[0].x = iso; notes[0].text = words;
      label.setAttribute('transform', shift);
      var text = label.querySelector('.annotation-text');
      if (text) { text.textContent = words; text.setAttribute('data-unformatted', words); }
    }
  }

  // The map and the date of a day: [figure, date in words, ISO date], or null when there is
  // nothing new to draw (the same day, bundle and selection) or the bundle is for another day.
  function render(day, bundle, selected) {
    if (!bundle || day === undefined || day === null) { return null; }
    if (bundle.day !== null && bundle.day !== day) { return null; }  // a one-day bundle is coming
    // (the bundle the page drew first comes again from the page's store: the same by its key)
    if (F.bundle && F.bundle.key === bundle.key) { bundle = F.bundle; }
    if (F.bundle === bundle && F.lastDay === day && F.lastSelected === selected) { return null; }
    F.lastSelected = selected;
    if (F.bundle !== bundle) {
      Object.keys(bundle.traces).forEach(function (k) {
        bundle.traces[k].items.forEach(function (it, n) { it.n = n; });
      });
    }
    F.bundle = bundle;
    var gd = F.graph();
    if (gd && gd._fullLayout) { watch(gd); }
    var prev = F.lastDay === undefined ? null : F.lastDay;
    if (F.lastKey !== bundle.key) { prev = null; }
    F.lastDay = day; F.lastKey = bundle.key;
    var fig = F.figure(bundle, day, prev, selected, gd && gd._fullLayout ? gd : null);
    awaitDrawn(fig);
    F.setParam('date', F.iso(bundle, day));
    var marker = F.iso(bundle, day);
    document.title = bundle.words.page + ' – ' + F.words(bundle, day);
    ['activity', 'area-chart'].forEach(function (id) {
      // (the activity chart's first note is the date; the area chart's are its turns)
      moveMarker(document.querySelector('#' + id + ' .js-plotly-plot'), marker,
                 id === 'activity' ? F.words(bundle, day) : null);
    });
    return [fig, F.words(bundle, day, true), marker];
  }
  // Another day for the map, drawn at once. Through a Dash callback it would wait for the
  // server: Dash holds back a callback while one in flight (the server's sync, on every
  // step) may change what it reads, and the map reads the bundle that sync's filters make.
  // A step (◀ ▶, Play: `step`) goes to plotly straight away: through Dash (set_props), the
  // figure would reach the graph only after Dash had told every component of the page that
  // its store changed, most of a step's script. The date in words is written in place, in
  // the text node React holds. Dash's copies of the two (the graph's `figure`, the date's
  // children) stay the last ones Dash set: no callback reads them, and what Dash sets next
  // (the `draw` callback's map and date, for a new bundle or selection) is for the day
  // shown, so React writes it whenever it differs from Dash's old copy, and what is shown
  // is never stale. A day from the slider, a chart or a story goes through Dash, as the
  // address's other changes that come with it do (drawn directly, it raced the graph's
  // own plot of them).
  F.show = function (day, step) {
    F.asked = day;
    var out = render(day, F.bundle, F.lastSelected);
    if (!out) { return; }
    var gd = F.graph(), date = document.getElementById('date-words');
    var text = date && date.childNodes.length === 1 && date.firstChild.nodeType === Node.TEXT_NODE;
    if (!step || F.viaDash || !gd || !gd._fullLayout || !text) { throughDash(out); return; }
    var fig = out[0];
    fig.eventsLater = eventsFirst(gd, fig.data);
    Plotly.react(gd, fig.eventsLater || fig.data, fig.layout);
    if (fig.eventsLater) {  // plotly gets the events once they are drawn (eventsFirst)
      F.whenDrawn(day).then(function () {
        if (gd.data === fig.eventsLater) { Plotly.react(gd, fig.data, fig.layout); }
      });
    }
    date.firstChild.nodeValue = out[1];
    date.setAttribute('datetime', out[2]);
  };
  // A step's new events go to MapLibre straight away, and a step that changes nothing
  // else on the map is handed to plotly without them: plotly given new data recalculates
  // every trace and redraws its legend, title and footer before it hands MapLibre anything
  // (about 15 ms of an events step's script, against about 8 without the new events), and
  // the events' tiling waited for it. Plotly gets the events once the map is
  // drawn (F.show), and hands MapLibre the same GeoJSON, which is left alone
  // (skipUnchangedSources): what the page shows and what plotly holds (hover, clicks,
  // exports) agree from then on, before any other task of the page. The GeoJSON is the one
  // plotly makes of an events trace (scattermap's convert: a circle per point, sized by half
  // its marker size, with its text, see assets/vendor/README.md); should plotly make it
  // otherwise, plotly's own is what stays drawn, tiled a second time (a browser test counts
  // the tilings). Returns the figure's data with plotly's current events, or null.
  function eventsFirst(gd, data) {
    var uid = F.bundle.figure.data[F.bundle.events.trace].uid, map = mapOf(gd);
    function find(traces) { return traces.filter(function (t) { return t.uid === uid; })[0]; }
    var now = find(data), before = find(gd.data), source = map && map.getSource('source-' + uid + '-circle');
    if (!now || !before || now === before || !source) { return null; }
    var features = now.lon.map(function (lon, i) {
      return {type: 'Feature', id: i + 1, geometry: {type: 'Point', coordinates: [+lon, +now.lat[i]]},
              properties: {mcc: now.marker.color[i], mrc: now.marker.size[i] / 2, symbol: '', angle: '',
                           text: now.text[i] || ''}};
    });
    source.setData({type: 'FeatureCollection', features: features});
    // (the same traces, each with the same points, but the events)
    var same = data.length === gd.data.length && data.every(function (t, i) {
      var was = gd.data[i];
      return t === now || t.uid === was.uid && t.lon === was.lon && t.lat === was.lat && t.text === was.text;
    });
    return same ? data.map(function (t) { return t === now ? before : t; }) : null;
  }
  // A figure handed to Dash is plotted by the graph when Dash gets to it, after whatever
  // the graph is still plotting (a new language's first plot makes a whole new map): until
  // it is drawn, the page's own steps go the same way, behind it, or the graph would plot
  // it over them, and the map would show an older day than the date.
  F.viaDash = false;
  function handedToDash() { F.viaDash = F.pending.viaDash = true; }
  function throughDash(out) {  // the map and the date, as the `draw` callback returns them
    handedToDash();
    window.dash_clientside.set_props('map', {figure: out[0]});
    window.dash_clientside.set_props('date-words', {children: out[1], dateTime: out[2]});
  }
  // Another day, as a step does: the map draws it at once, and the slider, the address
  // and the text panels follow through the server once it is drawn (the server's answer,
  // applied by the page while the map paints, would hold the paint up).
  var followed = null;  // the day this script last moved the slider to
  F.goTo = function (offset) {
    F.show(offset, true);
    F.whenDrawn(offset).then(function () {
      if (F.asked !== offset || held('date-slider', 'value') === offset) { return; }
      followed = offset;
      window.dash_clientside.set_props('date-slider', {value: offset});
    });
  };
  // The slider moved by hand (or by the address): the map draws its day at once. (Not when
  // it follows a step: Play may be a step further by the time the slider shows it.)
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      var thumb = change.target, offset = Number(thumb.getAttribute('aria-valuenow'));
      if (!thumb.closest('#date-slider') || !isFinite(offset)) { return; }
      if (offset === followed) { followed = null; return; }
      if (offset !== F.asked) { F.show(offset); }
    });
  }).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ['aria-valuenow']});

  // ---------- Dash clientside callbacks ----------
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    frontlines: {
      draw: function (bundle, selected, slider) {
        var out = render(F.asked === undefined ? slider : F.asked, bundle, selected);
        if (!out) { return window.dash_clientside.no_update; }
        handedToDash();
        return out;
      },
      chartDay: function (chartClick, areaClick) {  // a click on a chart shows its day
        var nu = window.dash_clientside.no_update, bundle = F.bundle;
        var trigger = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || '';
        var click = trigger.indexOf('activity') === 0 ? chartClick : areaClick;
        var x = click && click.points && click.points[0] && click.points[0].x;
        if (!bundle || !x) { return nu; }
        var clicked = Math.min(Math.max(F.offsetOf(bundle, String(x)), 0), bundle.last);
        F.show(clicked);
        return clicked;
      },
      pageClass: function (state) {
        return state ? (state.report ? 'report' : 'explore') : window.dash_clientside.no_update;
      },
      language: function (lang) {
        lang = lang === 'fr' ? 'fr' : 'en';
        document.documentElement.lang = lang;
        F.locale(lang);
        return lang;
      },
      download: function (clicks, stored) {
        var gd = F.graph();
        if (clicks && gd && F.bundle) {
          Plotly.downloadImage(gd, {format: 'png', scale: 2, width: gd._fullLayout.width,
                                    height: gd._fullLayout.height,
                                    filename: 'frontlines-' + F.iso(F.bundle, F.lastDay)});
        }
        return window.dash_clientside.no_update;
      },
      focus: function () {
        var trigger = (window.dash_clientside.callback_context.triggered[0] || {});
        var gd = F.graph();
        if (!trigger.value || !gd) { return window.dash_clientside.no_update; }
        var id = trigger.prop_id.slice(0, trigger.prop_id.lastIndexOf('.'));
        var target = JSON.parse(id).view.split('/').map(Number);
        Plotly.relayout(gd, {'map.zoom': target[0], 'map.center': {lat: target[1], lon: target[2]}});
        return window.dash_clientside.no_update;
      }
    }
  });
})();
