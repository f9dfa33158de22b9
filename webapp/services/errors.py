"""Domain errors raised by services; blueprints map them to status codes and messages."""


class ServiceError(Exception):
    """Base class. `message` is written for the person who acted."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    pass


class NotAllowed(ServiceError):
    pass


class Conflict(ServiceError):
    """Someone else changed the thing first; nothing of this request was saved. ``done`` is
    the contribution that completed the task first, when that is what happened (its form
    shows the entry that was not saved with the form's labels); ``successor`` the id of the
    task that took its place (a reminder after a deadline), when there is one."""

    def __init__(self, message: str, done=None, successor: int | None = None):
        super().__init__(message)
        self.done = done
        self.successor = successor


class InvalidInput(ServiceError):
    def __init__(self, message: str, errors: list | None = None):
        super().__init__(message)
        self.errors = errors or []


class StepFailed(ServiceError):
    """The process could not run this step (a script or rule failed); nothing was completed."""

    def __init__(self, message: str, case_id: int, detail: str):
        super().__init__(message)
        self.case_id = case_id
        self.detail = detail
