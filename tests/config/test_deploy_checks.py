"""Production settings pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def run_check(extra_env):
    env = {**os.environ, **extra_env}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_check(
        {"DJANGO_SECURE": "true", "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(60)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_embedded_defaults():
    # Proves the check above can fail: plain-HTTP settings are not production settings.
    result = run_check({"DJANGO_SECURE": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(60)})
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stdout + result.stderr
