"""Read a form out of a page's HTML as a browser would submit it, so that tests post back what
the page really shows (a hidden field the template forgot is missing here too)."""

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """Collect the successful controls of the form whose id or action is ``form`` (or of the
    first form)."""

    def __init__(self, form=None):
        super().__init__(convert_charrefs=True)
        self.form = form
        self.in_form = False
        self.done = False
        self.data = []
        self.select = None  # (name, multiple, options seen, options selected)
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and not self.in_form:
            self.in_form = self.form is None or self.form in (attrs.get("id"), attrs.get("action"))
            return
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select = (name, "multiple" in attrs, [], [])
        elif tag == "option" and self.select is not None:
            self.option = [attrs.get("value"), "selected" in attrs, ""]
        elif tag == "textarea" and name and "disabled" not in attrs:
            self.textarea = [name, ""]

    def handle_data(self, text):
        if self.option is not None:
            self.option[2] += text
        if self.textarea is not None:
            self.textarea[1] += text

    def handle_endtag(self, tag):
        if not self.in_form:
            return
        if tag == "option" and self.option is not None:
            value, selected, text = self.option
            value = text.strip() if value is None else value
            self.select[2].append(value)
            if selected:
                self.select[3].append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            name, multiple, seen, selected = self.select
            if not selected and not multiple and seen:
                selected = seen[:1]  # a browser sends a single select's first option
            self.data += [(name, value) for value in selected]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.data.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "form":
            self.in_form, self.done = False, True


def form_data(html, form=None, **changes):
    """Return what a browser would submit from the form whose id or action is ``form`` (the
    first form if None) on the page ``html``, as a dict of lists for the test client, with
    ``changes`` (a value or a list of values, or None to leave the field out) applied."""
    reader = FormReader(form)
    reader.feed(html)
    data = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def admin_form_data(response, **changes):
    """Return what a browser would submit from the admin form on ``response``."""
    opts = response.context["opts"]
    return form_data(response.content.decode(), f"{opts.model_name}_form", **changes)
