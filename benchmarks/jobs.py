"""Trivial jobs for measuring the queue itself."""


def noop() -> None:
    return None
