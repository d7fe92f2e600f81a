"""Metrics and health, scraped from a running bot; structured logs without personal data."""
import json
import re
import urllib.request

import pytest

from devserver.local_synapse import free_port
from tests.harness import file_referral

PORT = free_port()


def get(path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    match = re.search(rf"^{name}{{{wanted}}} ([-0-9.e+]+)$" if labels else rf"^{name} ([-0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else None


@pytest.mark.parametrize("world", [{"metrics_port": PORT}], indirect=True)
async def test_metrics_and_health_are_scraped(world):
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    await file_referral(melder, dm)
    assert (await melder.command(dm, "!help")).ok
    assert (await melder.command(dm, "!toon HGL-1999-0001")).reaction == "❌"

    status, health = get("/health")
    assert status == 200 and json.loads(health)["healthy"] is True
    assert get("/ready")[0] == 200
    status, text = get("/metrics")
    assert status == 200
    assert sample(text, "zvh_commands_total", command="help", outcome="ok") == 1.0
    assert sample(text, "zvh_commands_total", command="toon", outcome="refused") == 1.0
    assert sample(text, "zvh_commands_total", command="melding", outcome="ok") == 1.0
    assert sample(text, "zvh_command_seconds_count", command="help") == 1.0
    assert sample(text, "zvh_outbox_depth") is not None
    assert sample(text, "zvh_scheduled_pending") >= 2  # digest, retention
    assert sample(text, "zvh_sync_lag_seconds") < 60
    assert "melder" not in text and "J.D." not in text  # labels hold command names, never people


@pytest.mark.parametrize("world", [{}], indirect=True)
async def test_json_logs_have_no_personal_data(world):
    world.bot.stop()
    world.config_path.write_text('log_format = "json"\n' + world.config_path.read_text())  # top level
    world.bot.log_path.write_text("")
    world.bot.start()
    melder = await world.user("melder")
    dm = await melder.dm(world.bot_id)
    await file_referral(melder, dm)
    lines = [line for line in world.bot.log().splitlines() if line.startswith("{")]
    assert lines and all({"ts", "level", "logger", "message"} <= json.loads(line).keys() for line in lines)
    assert "J.D." not in world.bot.log() and "geen regie" not in world.bot.log()
