// Frontlines' plotly.js: plotly.js's core (it holds scatter) with the trace types the app
// draws (scattermap, bar), built with the settings of plotly.js's own esbuild-config.js.
const fs = require('fs');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
// Three changes to plotly.js itself (assets/vendor/README.md), made here as it is bundled;
// the build stops if a line they change is no longer there:
// - a new map's traces are added once its style has loaded ('style.load'), not once its
//   whole basemap has also been fetched, tiled and drawn ('load'): MapLibre then tiles the
//   basemap and the traces together. The plot's promise still waits for everything to be
//   loaded and drawn (plotly's resolveOnRender), so plotly_afterplot means what it did.
// - a trace with a fill and a line draws its line from its fill's source (the same rings:
//   MapLibre draws a polygon's outline with a line layer), instead of a second source with
//   a copy of them, which MapLibre tiled again on every load and every step.
// - likewise a trace of circles with text (the events and their counts, the key places and
//   their names) draws its text from its circles' source, whose features are given the
//   text: one source to tile, not two, on a step that changes the events.
const PATCHES = [
    [/src[\\/]plots[\\/]map[\\/]map\.js$/, [
        ["map.once('load', resolve);", "map.once('style.load', resolve);"]]],
    [/src[\\/]traces[\\/]scattermap[\\/]convert\.js$/, [
        ['line.geojson = geoJsonUtils.makeLine(lineCoords);',
         "line.geojson = hasFill ? {type: 'FeatureCollection', features: []} : " +
         'geoJsonUtils.makeLine(lineCoords);\n        line.sharesFill = hasFill;'],
        // (the circles and the text skip the same points: their features are one to one)
        ['    return opts;\n};',
         '    if (hasCircles && hasText && !hasSymbols && !hasCluster) {\n' +
         '        var texts = symbol.geojson.features;\n' +
         '        circle.geojson.features.forEach(function(f, j) { Lib.extendFlat(f.properties, texts[j].properties); });\n' +
         '        symbol.geojson = geoJsonUtils.makeBlank();\n' +
         '        symbol.sharesCircle = true;\n' +
         '    }\n    return opts;\n};']]],
    [/src[\\/]traces[\\/]scattermap[\\/]plot\.js$/, [
        ['source: this.sourceIds[k],', 'source: opts.sharesFill ? this.sourceIds.fill : ' +
         'opts.sharesCircle ? this.sourceIds.circle : this.sourceIds[k],']]]
];
// Offline: no address on the internet is left in the bundle's code. Every http(s)
// address in plotly.js's and MapLibre's sources (the named basemap styles and their
// fonts, a CDN of marker icons, plotly's cloud, links in messages) is emptied as it is
// bundled; XML namespaces (http://www.w3.org/..., never fetched) are kept. The app never
// asked for any of them (it passes its own style); now the file holds none. Licence
// comments go to a file of their own beside it (legalComments: 'external').
const INTERNET = /(?!http:\/\/www\.w3\.org\/)https?:\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?[^\s'"`)\]}\\]*/gi;
const patchPlotly = {
    name: 'frontlines-plotly-patches',
    setup(build) {
        build.onLoad({ filter: /\.m?js$/, namespace: 'file' }, async (args) => {
            let source = await fs.promises.readFile(args.path, 'utf8');
            PATCHES.filter(([filter]) => filter.test(args.path)).forEach(([, changes]) => {
                changes.forEach(([from, to]) => {
                    if (source.split(from).length !== 2) { throw new Error(args.path + ': no longer holds ' + from); }
                    source = source.replace(from, to);
                });
            });
            return { contents: source.replace(INTERNET, ''), loader: 'js' };
        });
    }
};
esbuild.build({
    entryPoints: ['./entry-frontlines.js'],
    outfile: process.argv[2],
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'external',
    plugins: [patchPlotly, InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2020',
    logLevel: 'info'
}).catch(() => process.exit(1));
