"""Python API over ansible-runner for the lacrei.rollback runbooks."""

__version__ = "0.1.0"
