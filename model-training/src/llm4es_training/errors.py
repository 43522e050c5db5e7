class UserError(Exception):
    """A command failed for a reason the user can fix (bad path, bad option, bad input)."""


class ExportError(UserError):
    """A bundle export failed for a reason the user can fix."""


class TrainingError(UserError):
    """A training run cannot start or continue for a reason the user can fix."""
