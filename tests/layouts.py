"""The page's layout as the server sends it to a page at an address (its Referer)."""
from __future__ import annotations

import json


def laid_out(client, search: str | None, wanted) -> dict:
    """The props of the components with the `wanted` ids in the layout of a page opened at
    `search` (None: no Referer), by id."""
    headers = {"Referer": "http://localhost/" + search} if search is not None else {}
    response = client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    props = {}

    def walk(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") in wanted:
                props[node["props"]["id"]] = node["props"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(json.loads(response.data))
    return props
