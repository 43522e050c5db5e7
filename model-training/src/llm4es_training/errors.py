class ExportError(Exception):
    """A bundle export failed for a reason the user can fix (bad path, bad option, bad input)."""
