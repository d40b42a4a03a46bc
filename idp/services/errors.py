"""Typed errors raised by services, each with a message fit to show a person."""


class ServiceError(Exception):
    """A rule refused the request. ``str(error)`` is the user-facing message."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class InvalidInput(ServiceError):
    """``field`` names the input at fault, when there is one (a form ties the message to it)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LoginFailed(ServiceError):
    """Deliberately vague: never says whether the username, password or code was wrong."""

    def __init__(self) -> None:
        super().__init__("The username, password or code is not right. Try again.")


class AccountLocked(ServiceError):
    pass
