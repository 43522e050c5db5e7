"""The command-line parser every llm4es-train command builds on."""

import argparse


class ArgumentParser(argparse.ArgumentParser):
    """Flags spelled in full only: an abbreviation accepted today would silently change meaning, or break,
    once a longer flag sharing its prefix is added, and a README command using one would pass its tests."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
