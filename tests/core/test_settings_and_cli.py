"""Production mode refuses unsafe settings; the command line documents every subcommand."""

import os
import subprocess
import sys

import pytest

from commissioning.cli import build_parser


def _settings_in(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import commissioning.config.settings as s; print(s.DEBUG, s.PRODUCTION)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_in({"COMMISSIONING_ENV": "production", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _settings_in(
        {"COMMISSIONING_ENV": "production", "SECRET_KEY": "x" * 50, "DEBUG": "true", "ALLOWED_HOSTS": "a"}
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_starts_with_safe_settings():
    result = _settings_in(
        {"COMMISSIONING_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


def test_unreadable_debug_value_is_an_error():
    result = _settings_in({"DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.parametrize("command", ["demo", "serve", "loaddemo", "createadmin"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: commissioning " + command in capsys.readouterr().out


def test_serve_takes_host_and_port():
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


@pytest.mark.django_db
def test_demo_users_are_refused_in_production(settings):
    from django.core.exceptions import ImproperlyConfigured

    from commissioning.demo import load_demo

    settings.DEMO_ALLOWED = False
    with pytest.raises(ImproperlyConfigured, match="production"):
        load_demo(say=lambda m: None)


@pytest.mark.django_db
def test_createadmin_makes_a_superuser_and_refuses_weak_passwords(capsys):
    from commissioning.cli import main
    from commissioning.core.models import User

    assert main(["createadmin", "platform-admin", "--password", "password", "--no-migrate"]) == 2
    assert "Password refused" in capsys.readouterr().err
    assert (
        main(["createadmin", "platform-admin", "--password", "Correct-Horse-Battery-9", "--no-migrate"]) == 0
    )
    assert User.objects.get(username="platform-admin").is_superuser
