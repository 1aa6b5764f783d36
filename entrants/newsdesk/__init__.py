"""The news desk: from an article's text to the draft facts an editor ticks and accepts."""
