// Frontlines' plotly.js (assets/vendor/README.md): the core (it holds scatter) and the trace
// types the app draws.
var Plotly = require('./lib/core');
Plotly.register([require('./lib/scattermap'), require('./lib/bar')]);

// MapLibre's worker, started as soon as this has run (assets/map.js) rather than when the
// first map is made: the worker's own script takes a while to run, and the first map waits
// for it. Plotly points MapLibre at the same worker code when it makes that map; the worker
// started here is the one it gets.
var maplibregl = require('maplibre-gl/dist/maplibre-gl.mjs');
var workerSource = require('./build/maplibre_worker');
Plotly.startMapWorker = function () {
    if (!maplibregl.getWorkerUrl()) {
        maplibregl.setWorkerUrl(URL.createObjectURL(new Blob([workerSource], {type: 'text/javascript'})));
    }
    maplibregl.prewarm();
};
module.exports = Plotly;
