// Frontlines' plotly.js: plotly.js's core (it holds scatter) with the trace types the app
// draws (scattermap, bar), built with the settings of plotly.js's own esbuild-config.js.
const fs = require('fs');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
// One change to plotly.js itself: a new map's traces are added once its style has loaded
// ('style.load'), not once its whole basemap has also been fetched, tiled and drawn
// ('load'). MapLibre then tiles the basemap and the traces together, and the first map is
// drawn about a third of a second sooner. The plot's promise still waits for everything to
// be loaded and drawn (plotly's resolveOnRender), so plotly_afterplot means what it did.
const tracesOnStyleLoad = {
    name: 'frontlines-traces-on-style-load',
    setup(build) {
        build.onLoad({ filter: /src[\\/]plots[\\/]map[\\/]map\.js$/ }, async (args) => {
            const source = await fs.promises.readFile(args.path, 'utf8');
            const patched = source.replace("map.once('load', resolve);", "map.once('style.load', resolve);");
            if (patched === source) { throw new Error(args.path + ': the patch no longer applies'); }
            return { contents: patched, loader: 'js' };
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
    legalComments: 'eof',
    plugins: [tracesOnStyleLoad, InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2020',
    logLevel: 'info'
}).catch(() => process.exit(1));
