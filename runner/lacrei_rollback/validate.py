"""Argument checks, run before any playbook starts. Each returns the normalised value."""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from lacrei_rollback.errors import InvalidArgument

_HEX = re.compile(r"[0-9a-f]{7,40}")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MIGRATION = re.compile(r"zero|[0-9]{4}(_[A-Za-z0-9_]*)?")
MAX_TEXT = 1000  # characters of any one-line argument
_SAFE_TEXT = re.compile(r"[^\x00-\x1f\x7f]{1,%d}" % MAX_TEXT)
_ALARM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_REF = re.compile(r"(?!.*\.\.)(?!.*@\{)[A-Za-z0-9][A-Za-z0-9._/@^~-]{0,199}")


def matching(name: str, value: object, pattern: re.Pattern, must_be: str, lower: bool = False) -> str:
    """``value`` as single-line text (lower-cased with ``lower``) that ``pattern`` matches whole."""
    text = text_value(name, value)
    text = text.lower() if lower else text
    if not pattern.fullmatch(text):
        raise InvalidArgument(f"{name} must be {must_be}, got {shown(value)}")
    return text


def git_sha(name: str, value: object) -> str:
    """A commit SHA (7-40 hex digits), lower-cased."""
    return matching(name, value, _HEX, "a git SHA of 7 to 40 hex digits", lower=True)


def shown(value: object) -> str:
    """A refused value as it can be shown: repr, cut to 60 characters with its length."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:60]}... ({len(str(value))} characters)"


def text_value(name: str, value: object) -> str:
    """A non-empty single-line string of at most MAX_TEXT characters."""
    if not isinstance(value, str) or not _SAFE_TEXT.fullmatch(value):
        raise InvalidArgument(f"{name} must be a non-empty single-line string of at most {MAX_TEXT} characters, "
                              f"got {shown(value)}")
    return value


_SERVICE_NAMES = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{3,39}( *, *[A-Za-z0-9][A-Za-z0-9_-]{3,39})*")


def confirmation(name: str, value: object) -> str:
    """A production confirmation: service names (App Runner's 4-40 letters, digits, - and _), comma separated."""
    return matching(name, value, _SERVICE_NAMES, "the service name(s) to confirm, separated by commas")


_RELATIVE_PATH = re.compile(r"(?!/)(?!-)(?!.*(^|/)\.\.(/|$)).+")


def relative_path(name: str, value: object) -> str:
    """A path inside a repository: relative, no '..' component, not starting with '-'."""
    return matching(name, value, _RELATIVE_PATH, "a path relative to the repository, without '..'")


_REMOTE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def git_remote(name: str, value: object) -> str:
    """A git remote's name (origin), never something git could take for an option or a URL."""
    return matching(name, value, _REMOTE, "a git remote name such as origin")


_HOST_PATTERN = re.compile(r"[A-Za-z0-9_*!&~\[\]][A-Za-z0-9_.*:,!&~\[\]-]*")


def host_pattern(name: str, value: object) -> str:
    """An Ansible host pattern for --limit (names, groups, globs, ',', '!', '&'); never an option."""
    return matching(name, value, _HOST_PATTERN, "an Ansible host pattern such as lacrei-saude-backend")


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def variable_name(name: str, value: object) -> str:
    """An environment variable's name."""
    return matching(name, value, _VARIABLE, "an environment variable name such as AWS_PROFILE")


def identifier(name: str, value: object) -> str:
    """A Django app label (a Python identifier)."""
    return matching(name, value, _IDENTIFIER, "an app label such as 'consultas'")


def migration_name(name: str, value: object) -> str:
    """A Django migration name ('0003_add_field', '0003') or 'zero'."""
    return matching(name, value, _MIGRATION, "a migration name such as '0003_add_field' or 'zero'")


def alarm_name(name: str, value: object) -> str:
    """A CloudWatch alarm's name as this project names them (letters, digits, '.', '_', '-'; at most 255)."""
    return matching(name, value, _ALARM_NAME, "an alarm name such as lacrei-rollback-<service>-error-rate")


def run_id(name: str, value: object) -> str:
    """A runbook run's id, as a lease records it (1-64 letters, digits, - or _, not starting with -)."""
    return matching(name, value, _RUN_ID, "a run id such as 0c6f0e4b8a7d4b53a1f6d1e9c2b3a4f5 (the lease refusal names it)")


def git_ref(name: str, value: object) -> str:
    """A git ref or SHA (branch, tag, SHA, HEAD~1); never a range (..)."""
    return matching(name, value, _REF, "a git ref or SHA")


_COMMIT = re.compile(r"HEAD|[0-9a-fA-F]{7,40}")


def commit(name: str, value: object) -> str:
    """``HEAD`` or a commit SHA (7-40 hex digits, lower-cased)."""
    text = matching(name, value, _COMMIT, "HEAD or a git SHA of 7 to 40 hex digits")
    return text if text == "HEAD" else text.lower()


_CONFIG_VERSION = re.compile(r"previous|latest|[1-9][0-9]*")


def config_version(name: str, value: object) -> str:
    """A configuration snapshot: ``previous``, ``latest`` or a snapshot number (a positive int)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(positive_int(name, value))
    return matching(name, value, _CONFIG_VERSION, "'previous', 'latest' or a snapshot number (1, 2...)")


def choice(name: str, value: object, choices: Iterable[str]) -> str:
    allowed = tuple(choices)
    if value not in allowed:
        raise InvalidArgument(f"{name} must be one of {', '.join(allowed)}, got {shown(value)}")
    return str(value)


def positive_int(name: str, value: object, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{name} must be a positive integer, got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{name} must be at most {maximum}, got {value!r}")
    return value


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True or False, got {value!r}")
    return value


def path_value(name: str, value: object) -> str:
    """A file path (str or os.PathLike), returned as an absolute string."""
    if isinstance(value, Path):
        value = str(value)
    return str(Path(text_value(name, value)).expanduser().absolute())


def existing_path(name: str, value: object) -> str:
    """A path that exists on this machine (file or directory archive), absolute."""
    path = path_value(name, value)
    if not Path(path).exists():
        raise InvalidArgument(f"{name} must be an existing path, {path} does not exist")
    return path


def existing_directory(name: str, value: object) -> str:
    """A directory that exists on this machine, absolute."""
    path = path_value(name, value)
    if not Path(path).is_dir():
        raise InvalidArgument(f"{name} must be an existing directory, got {path}")
    return path


_URL = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]{0,%d}" % MAX_TEXT)


def secret_url(name: str, value: object) -> str:
    """An http(s) URL that is a secret (a webhook): a refusal never shows the value."""
    if not isinstance(value, str) or not _URL.fullmatch(value):
        raise InvalidArgument(f"{name} must be an http(s) URL (the value is a secret and is not shown)")
    return value


def secret_value(name: str, value: object) -> str:
    """A secret: a string without NUL characters (an environment variable cannot hold one); never shown."""
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidArgument(f"{name} must be a string without NUL characters (the value is a secret and is not shown)")
    return value


def exactly_one(**named: object) -> str:
    """The name of the one argument that is set; refuses none or several."""
    given = [name for name, value in named.items() if value is not None]
    if len(given) != 1:
        names = " or ".join(named)
        raise InvalidArgument(f"give exactly one of {names} (got {', '.join(given) or 'none'})")
    return given[0]


def optional(check, name: str, value: object, *args):
    """Apply ``check`` unless value is None."""
    return None if value is None else check(name, value, *args)


_RELEASE = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]{7,40}")


def release(name: str, value: object) -> str:
    """A release: a version tag (v1.2.0) or a git SHA (7-40 hex)."""
    return matching(name, value, _RELEASE, "a version tag such as v1.2.0 or a git SHA")


_DURATION = re.compile(r"[1-9][0-9]*[smh]")


def duration(name: str, value: object) -> str:
    """A duration such as 30s, 10m or 1h."""
    return matching(name, value, _DURATION, "a duration such as 30s, 10m or 1h")


def timestamp(name: str, value: object) -> str:
    """A point in time: an aware datetime, an ISO 8601 string or epoch seconds; returned as ISO 8601."""
    from datetime import datetime

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgument(f"{name} must be ISO 8601 (2024-05-02T13:30:00Z) or epoch seconds, got {shown(value)}") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidArgument(f"{name} must carry a time zone (ISO 8601 with Z or an offset), got {shown(value)}")
    return value.isoformat()
