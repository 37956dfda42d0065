"""Pure figure builders: plotly figures from the record and a view state; no Dash here."""
