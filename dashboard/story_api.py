"""The stories' routes under /api: list, read one (with each step's page URL), upload.

Added to the API blueprint by `add_story_routes`, so they share its JSON errors."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from dashboard.params import ParamError, only_known
from dashboard.stories import (MAX_BYTES, Stories, StoryError, UnknownStory, step_search,
                               step_sources)


def story_json(stories: Stories, registry, name: str, lang: str | None = None) -> dict:
    """A story as the page and the API give it: each step with its URL and its sources."""
    story, data = stories.get(name, registry)
    body = story.as_json()
    body["bundled"] = story.bundled
    body["lang"] = lang if lang in story.languages else story.languages[0]
    for index, step in enumerate(body["steps"]):
        step["url"] = "/" + step_search(story, index, data, lang)
        step["sources"] = [s.as_json() for s in step_sources(story, index, data)]
    return body


def add_story_routes(api: Blueprint, registry) -> None:
    stories = Stories.of(registry)

    @api.get("/stories")
    def list_stories():
        only_known(request.args, ("dataset",))
        return jsonify({"stories": stories.describe(registry, request.args.get("dataset"))})

    @api.get("/stories/<name>")
    def read_story(name: str):
        only_known(request.args, ("lang",))
        lang = request.args.get("lang")
        if lang not in (None, "en", "fr"):
            raise ParamError("lang", f"{lang[:20]!r} is not one of en, fr")
        try:
            return jsonify(story_json(stories, registry, name, lang))
        except UnknownStory as exc:
            return jsonify({"error": str(exc), "parameter": "name"}), 404
        except StoryError as exc:
            return jsonify({"error": str(exc)[:2000], "problems": exc.problems[:50],
                            "missing": exc.missing}), 409

    @api.post("/stories")
    def upload_story():
        """A story file as the request body (JSON); 201 when imported, 400 with every
        problem (and the missing ids) when refused."""
        only_known(request.args, ())
        content = request.get_data(cache=False)[:MAX_BYTES + 1]
        try:
            story = stories.import_story(content, "uploaded story", registry)
        except StoryError as exc:
            return jsonify({"error": str(exc)[:2000], "problems": exc.problems[:50],
                            "missing": exc.missing}), 400
        return jsonify({"name": story.name, "dataset": story.dataset,
                        "steps": len(story.steps)}), 201
