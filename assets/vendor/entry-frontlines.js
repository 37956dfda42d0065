var Plotly = require('./lib/core');
Plotly.register([require('./lib/scattermap'), require('./lib/bar')]);
module.exports = Plotly;
