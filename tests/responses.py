"""Reading responses the way a client does, streamed or not."""

import json


def body(response):
    """Return the whole body of ``response`` (a streamed export is read to its end)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def json_of(response):
    """Return the body of ``response`` parsed as JSON."""
    return json.loads(body(response))
