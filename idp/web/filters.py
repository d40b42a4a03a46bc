"""Template filters: ``localized`` for service messages, the value words of labels.py and the
audit sentences of audit_text.py."""

from typing import Any

from flask import Flask

from . import audit_text, labels


def localized(value: Any) -> Any:
    """``value.localized()`` for a message that can be translated (a ``Message`` or a
    ``ServiceError``), else ``value`` itself."""
    method = getattr(value, "localized", None)
    return method() if callable(method) else value


def register(app: Flask) -> None:
    app.add_template_filter(localized, "localized")
    labels.register(app)
    audit_text.register(app)
