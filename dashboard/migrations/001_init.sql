-- Frontlines' own schema: datasets (with their catalog entry and version), factions,
-- events, control_areas and movements. Every row of a dataset's content carries the
-- version it was imported as; datasets.version names the one served. An import writes a
-- new version's rows and switches datasets.version in the same transaction, then deletes
-- the old version's rows: a failed or killed import leaves the old dataset as it was.
CREATE SCHEMA IF NOT EXISTS frontlines;

CREATE TABLE frontlines.datasets (
    name text PRIMARY KEY,
    version text NOT NULL UNIQUE,
    meta jsonb NOT NULL,            -- dataset.json: title, region, …
    catalog jsonb NOT NULL,         -- counts, first and last day, extent (dashboard.catalog)
    factions_doc jsonb NOT NULL,    -- factions.json but its list (palette note, …)
    places text NOT NULL DEFAULT '',        -- places.csv
    observations text NOT NULL DEFAULT '',  -- observations.csv
    source_table text,              -- an existing table or view read in place (read-only)
    source_columns jsonb,           -- its column mapping (field=Column, as the CSV import)
    imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE frontlines.factions (
    version text NOT NULL,
    position integer NOT NULL,
    id text NOT NULL,
    faction jsonb NOT NULL,
    PRIMARY KEY (version, id)
);

CREATE TABLE frontlines.events (
    version text NOT NULL,
    id text NOT NULL,
    date date NOT NULL,
    date_end date,
    date_precision text NOT NULL,
    place text NOT NULL,
    place_detail text,
    lon double precision NOT NULL,
    lat double precision NOT NULL,
    location_precision text NOT NULL,
    event_type text NOT NULL,
    sub_event_type text NOT NULL,
    actors text[] NOT NULL,
    actor_names text[],
    fatalities bigint,
    fatalities_low bigint,
    fatalities_high bigint,
    summary_en text NOT NULL,
    summary_fr text NOT NULL,
    notes text,
    sources text NOT NULL,
    publishers text[] NOT NULL,
    fatality_claims text,
    provenance text,
    last_day date GENERATED ALWAYS AS (coalesce(date_end, date)) STORED,
    geom geometry(Point, 4326) GENERATED ALWAYS AS
        (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    PRIMARY KEY (version, id)
);
CREATE INDEX events_version_date ON frontlines.events (version, date);
CREATE INDEX events_version_last_day ON frontlines.events (version, last_day);
CREATE INDEX events_geom ON frontlines.events USING gist (geom);

CREATE TABLE frontlines.control_areas (
    version text NOT NULL,
    id text NOT NULL,
    faction text NOT NULL,
    valid_from date NOT NULL,
    valid_to date,                  -- exclusive; NULL: still so
    feature jsonb NOT NULL,         -- the GeoJSON feature as imported (exact coordinates)
    geom geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (version, id)
);
CREATE INDEX control_areas_version_from ON frontlines.control_areas (version, valid_from);
CREATE INDEX control_areas_geom ON frontlines.control_areas USING gist (geom);

CREATE TABLE frontlines.movements (
    version text NOT NULL,
    id text NOT NULL,
    faction text NOT NULL,
    start_day date NOT NULL,
    end_day date NOT NULL,
    feature jsonb NOT NULL,
    geom geometry(Geometry, 4326) NOT NULL,
    PRIMARY KEY (version, id)
);
CREATE INDEX movements_version_start ON frontlines.movements (version, start_day);
CREATE INDEX movements_geom ON frontlines.movements USING gist (geom);
