"""A bad config stops start-up with the field's path and what is wrong; secrets may come from the environment."""
import subprocess
import sys

import pytest

from core.config import ConfigError, load_config
from tests.harness import GOOD_CONFIG as GOOD
from tests.harness import REPO
from tests.harness import config_file as write


def test_good_config_and_who_may_refer(tmp_path):
    config = load_config(write(tmp_path))
    assert config.may_refer("@anyone:localhost") and config.may_refer("@x:politie.example")
    assert config.may_refer("@agent:politie.example") and not config.may_refer("@x:elsewhere.example")
    assert config.bot.database.is_absolute()


@pytest.mark.parametrize("extra, where", [
    ('timezone = "Mars/Olympus"', "bot.timezone"),
    ('language = "fr"', "bot.language"),
    ('referral_prefix = "hgl-1"', "bot.referral_prefix"),
    ('colour = "blue"', "bot.colour"),
])
def test_bad_field_is_named(tmp_path, extra, where):
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, extra=extra))
    assert where in str(exc.value)


def test_secret_from_environment(tmp_path, monkeypatch):
    path = write(tmp_path, secret="")
    with pytest.raises(ConfigError, match="access_token or password"):
        load_config(path)
    monkeypatch.setenv("ZVH_ACCESS_TOKEN", "syt_secret")
    assert load_config(path).matrix.access_token == "syt_secret"


def test_cli_refuses_bad_config_with_the_field_and_warns_on_readable_file(tmp_path):
    path = write(tmp_path, extra='max_command_age_minutes = -1')
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check-config", str(path)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "bot.max_command_age_minutes" in result.stderr
    path = write(tmp_path)
    path.chmod(0o644)
    result = subprocess.run([sys.executable, "-m", "bot.cli", "check-config", str(path)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "can be read by other users" in result.stderr


def test_the_example_config_is_valid(monkeypatch):
    monkeypatch.setenv("ZVH_PASSWORD", "from-the-environment")
    monkeypatch.setenv("ZVH_PICKLE_KEY", "a-deployment-secret-0123456789")
    config = load_config(REPO / "config.example.toml")
    assert config.partner("politie").tier.value == "kern" and config.matrix.password == "from-the-environment"


def test_the_crypto_store_needs_a_pickle_key_of_the_deployment(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(GOOD.replace('pickle_key = "a-deployment-secret-0123456789"', "").format(
        secret='password = "x"', extra=""))
    with pytest.raises(ConfigError, match="pickle_key"):
        load_config(path)
    monkeypatch.setenv("ZVH_PICKLE_KEY", "from-the-environment-0123456789")
    assert load_config(path).matrix.pickle_key == "from-the-environment-0123456789"


def test_device_trust_verified_is_renamed_with_a_clear_word(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(GOOD.replace("[bot]", 'device_trust = "verified"\n\n[bot]').format(secret='password = "x"',
                                                                                       extra=""))
    with pytest.raises(ConfigError, match="cross_signed"):
        load_config(path)
