"""Secrets: which names are secret, how secret arguments travel, and the launcher's handshake."""
from __future__ import annotations

import io
import os
import pty

import pytest

from lacrei_rollback import _launch, secrets


def test_secret_names():
    for name in ("PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SLACK_WEBHOOK_URL", "DATABASE_URL",
                 "LACREI_SECRET_X", "AWS_ACCESS_KEY_ID"):
        assert secrets.is_secret_name(name), name
    for name in ("PATH", "AWS_REGION", "SANDBOX_DIR", "ANSIBLE_CONFIG", "HOME"):
        assert not secrets.is_secret_name(name), name


def test_split_environment_moves_secrets_out():
    env = {"PATH": "/bin", "PGPASSWORD": "pw", "GITHUB_TOKEN": "t"}
    assert secrets.split_environment(env) == {"PGPASSWORD": "pw", "GITHUB_TOKEN": "t"}
    assert env == {"PATH": "/bin"}


def test_secret_arguments_become_env_lookups():
    extravars, env = secrets.secret_arguments({"webhook_url": "https://hook/s3cr3t", "db-password": None})
    assert extravars == {"webhook_url": "{{ lookup('ansible.builtin.env', 'LACREI_SECRET_WEBHOOK_URL') }}"}
    assert env == {"LACREI_SECRET_WEBHOOK_URL": "https://hook/s3cr3t"}
    assert "s3cr3t" not in str(extravars)


def test_encode_decode_round_trip_and_validation():
    payload = {"A": "x" * 10000, "B": "ünïcode\nnewline"}
    assert _launch.decode(_launch.encode(payload) + "\n") == payload
    assert _launch.decode("") == {}
    with pytest.raises(ValueError):
        _launch.decode(_launch.encode({"A": 1}))  # type: ignore[dict-item]


def test_read_secrets_from_a_pipe():
    read_end, write_end = os.pipe()
    os.write(write_end, (_launch.encode({"K": "v"}) + "\nrest").encode())
    os.close(write_end)
    out = io.StringIO()
    assert _launch.read_secrets(read_end, out) == {"K": "v"}
    assert out.getvalue() == _launch.PROMPT + "\n"
    os.close(read_end)


def test_read_secrets_from_a_tty_turns_echo_off_and_restores_it():
    import termios

    primary, secondary = pty.openpty()
    before = termios.tcgetattr(secondary)
    secret = "s" * 3000  # close to a canonical tty line's limit
    out = _PromptThenAnswer(primary, _launch.encode({"K": secret}) + "\n")
    assert _launch.read_secrets(secondary, out) == {"K": secret}
    assert termios.tcgetattr(secondary) == before
    assert out.echoed_during_read is False
    os.close(primary)
    os.close(secondary)


class _PromptThenAnswer(io.StringIO):
    """Plays runner's part: answers when the prompt is flushed, and checks echo is off then."""

    def __init__(self, primary: int, answer: str):
        super().__init__()
        self.primary, self.answer, self.echoed_during_read = primary, answer, None

    def flush(self):
        import termios

        if self.getvalue() == _launch.PROMPT and self.echoed_during_read is None:
            secondary_attrs = termios.tcgetattr(self.primary)
            self.echoed_during_read = bool(secondary_attrs[3] & termios.ECHO)
            os.write(self.primary, self.answer.encode())
