"""Export jobs as the page and scripts ask for them: one request format for both.

A request is the page's view (its URL query string: the same rule as the page's address),
a format, a size and, for animations, a start, an end and a step; or a story's name, a
format (pdf deck, mp4 or gif video), a size and the story's language (the query's lang=).
It is checked whole before a job is queued (export.check_request or
story_export.check_story_export, the server's megapixel budget included), then rendered by
the job's own process (dashboard.jobs) with `run_request`.

Routes (added to the /api blueprint): POST /api/exports queues one; GET /api/exports/ID
answers 202 with progress while it runs, the file when it is done; DELETE cancels it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qsl

from flask import Blueprint, jsonify, request, send_file

from dashboard.config import Config
from dashboard.dataset import Dataset
from dashboard.export import (IMAGE_FORMATS, MIMETYPES, ExportError, check_request,
                              default_filename)
from dashboard.jobs import ACTIVE, JobRefused, Jobs
from dashboard.params import ParamError
from dashboard.records import DataError, parse_date
from dashboard.registry import Registry, UnknownDataset
from dashboard.state import ViewState, dataset_param, parse_state, state_to_search
from dashboard.stories import Stories, StoryError, UnknownStory

FIELDS = ("query", "format", "size", "start", "end", "step", "story")


def submit_export(jobs: Jobs, data: Dataset, state: ViewState, fmt: str, size: str,
                  start: dt.date | None, end: dt.date | None, step: str, client: str) -> str:
    """Check an export (raises ExportError) and queue it (raises JobRefused); its job id.
    Without a start and an end an animation covers the year up to the view's day."""
    if fmt not in IMAGE_FORMATS and start is None and end is None:
        start, end = state.compare_dates()
    check_request(data, fmt, size, start, end, step, budget_mpx=jobs.config.export_megapixels)
    animated = fmt not in IMAGE_FORMATS
    job_request = {"dataset": state.dataset, "query": state_to_search(state, data.record),
                   "format": fmt, "size": size, "step": step,
                   "start": start.isoformat() if animated else None,
                   "end": end.isoformat() if animated else None}
    return jobs.submit(job_request, default_filename(data, state, fmt, *(
        (start, end) if animated else ())), MIMETYPES[fmt], client)


def submit_story_export(jobs: Jobs, registry: Registry, name: str, fmt: str, size: str,
                        lang: str | None, client: str) -> str:
    """Check a story's export (raises ExportError, StoryError, UnknownStory) and queue it
    (raises JobRefused); its job id. The story's first language unless it has `lang`."""
    from dashboard.story_export import check_story_export, story_filename
    story, _ = check_story_export(Stories.of(registry), registry, name, fmt, size,
                                  budget_mpx=jobs.config.export_megapixels)
    lang = lang if lang in story.languages else story.languages[0]
    job_request = {"story": story.name, "dataset": story.dataset, "format": fmt,
                   "size": size, "lang": lang}
    return jobs.submit(job_request, story_filename(story, fmt, lang), MIMETYPES[fmt], client)


def run_request(config: Config, job_request: dict,
                progress: Callable[[int, int], None]) -> bytes:
    """Render a queued request: in the job's process, with an app and a Chromium of its own."""
    from app import create_app
    from dashboard.export import Renderer, render_animation, render_image

    app = create_app(config)
    registry = app.server.config["FRONTLINES_REGISTRY"]
    fmt, size = job_request["format"], job_request["size"]
    renderer = Renderer(app.server)
    try:
        if job_request.get("story"):
            from dashboard.story_export import render_story
            return render_story(renderer, Stories.of(registry), registry, job_request["story"],
                                fmt, size, job_request["lang"], progress)
        data = registry.get(job_request["dataset"] or None)
        state = parse_state(job_request["query"], data.record)
        if fmt in IMAGE_FORMATS:
            progress(0, 1)
            content = render_image(renderer, data, state, fmt, size)
            progress(1, 1)
            return content
        return render_animation(renderer, data, state, fmt, size,
                                dt.date.fromisoformat(job_request["start"]),
                                dt.date.fromisoformat(job_request["end"]),
                                job_request["step"], progress)
    finally:
        renderer.close()


def _text(body: dict, name: str, default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, str):
        raise ParamError(name, f"expected a string, not {type(value).__name__}")
    return value


def _date(body: dict, name: str) -> dt.date | None:
    value = _text(body, name)
    try:
        return parse_date(value[:10], name) if value else None
    except ValueError as exc:
        raise ParamError(name, str(exc)) from None


def add_export_routes(api: Blueprint, registry: Registry, jobs: Jobs) -> None:
    @api.post("/exports")
    def start_export():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ParamError("body", "expected a JSON object such as {\"query\": "
                                     "\"date=2016-04-21\", \"format\": \"png\", \"size\": "
                                     "\"slide\"}")
        unknown = sorted(set(body) - set(FIELDS))
        if unknown:
            raise ParamError(unknown[0], f"unknown field; the fields are {', '.join(FIELDS)}")
        query = "?" + (_text(body, "query", "") or "").lstrip("?")
        if body.get("story") is not None:
            return start_story_export(body, query)
        try:
            data = registry.get(dataset_param(query) or None)
        except (UnknownDataset, DataError) as exc:
            raise ParamError("query", f"parameter 'dataset': {exc}") from None
        state = parse_state(query, data.record)
        if state.problems:
            raise ParamError("query", "; ".join(state.problems)[:500])
        fmt, size = _text(body, "format", ""), _text(body, "size", "slide")
        start, end = _date(body, "start"), _date(body, "end")
        try:
            job_id = submit_export(jobs, data, state, fmt, size, start, end,
                                   _text(body, "step", "week"), request.remote_addr or "")
        except ExportError as exc:
            raise ParamError("request", str(exc)) from None
        except JobRefused as exc:
            raise ParamError("request", str(exc)) from None
        return jsonify({"id": job_id}), 202

    def start_story_export(body: dict, query: str):
        """{"story": NAME, "format": "pdf"|"mp4"|"gif", "size": …, "query": "lang=fr"}: a
        story's video is timed by its steps, so it takes no start, end or step."""
        timed = sorted(set(body) & {"start", "end", "step"})
        if timed:
            raise ParamError(timed[0], "a story's export is timed by its steps: give only "
                                       "story, format, size and query (lang=)")
        lang = dict(parse_qsl(query.lstrip("?"))).get("lang")
        try:
            job_id = submit_story_export(jobs, registry, _text(body, "story"),
                                         _text(body, "format", ""), _text(body, "size", "slide"),
                                         lang, request.remote_addr or "")
        except (StoryError, UnknownStory) as exc:
            raise ParamError("story", str(exc)[:1000]) from None
        except (ExportError, JobRefused) as exc:
            raise ParamError("request", str(exc)) from None
        return jsonify({"id": job_id}), 202

    @api.get("/exports/<job_id>")
    def export_file(job_id: str):
        """202 and the progress while it runs; the file when done; 404 if unknown/expired."""
        job = jobs.get(job_id)
        if job is None:
            return _unknown()
        if job.state in ACTIVE:
            return jsonify(job.as_json()), 202
        if job.state != "done":
            return jsonify(job.as_json()), 409
        try:
            content = jobs.open(job)
        except FileNotFoundError:  # expired since
            return _unknown()
        return send_file(content, mimetype=job.mimetype, as_attachment=True,
                         download_name=job.filename)

    @api.delete("/exports/<job_id>")
    def cancel_export(job_id: str):
        job = jobs.get(job_id) if jobs.cancel(job_id) else None
        return jsonify(job.as_json()) if job else _unknown()

    def _unknown():
        return jsonify({"error": f"no export with this id (a job and its file are kept "
                                 f"{jobs.config.export_keep_minutes} minutes)",
                        "parameter": "job_id"}), 404

