"""Shared fixtures: one real Synapse for the session; each test gets its own bot, accounts and rooms."""
from __future__ import annotations

from datetime import datetime

import pytest

from devserver.local_synapse import LocalSynapse
from tests.harness import AMSTERDAM, Federated, World, make_world, start_federation


def pytest_configure(config):
    config.addinivalue_line("markers", "clock(local_iso): start the bot's clock at this Europe/Amsterdam time")
    config.addinivalue_line("markers", "bot_admin: the bot's account is a homeserver admin")
    config.addinivalue_line("markers", "e2e: encrypted case rooms and end-to-end encrypting test clients")


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    syn = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    syn.start()
    yield syn
    syn.stop()


@pytest.fixture(scope="session")
def federation(tmp_path_factory):
    """Three homeservers that federate over TLS on loopback: the ZVH's and two partners' (politie, ggz). Started
    once, when the first test asks for them; a test may stop and start a partner's server (and the next test finds
    it running again)."""
    servers = start_federation(tmp_path_factory.mktemp("federation"))
    yield servers
    for server in servers.all:
        server.stop()


@pytest.fixture
async def world(synapse, tmp_path, request) -> World:
    async for w in _world(synapse, tmp_path, request):
        yield w


@pytest.fixture
async def federated_world(federation: Federated, tmp_path, request) -> World:
    """The bot, the coordinators, the privacy officer and the admin on the ZVH's server; the referrer and the police
    contact on the police's, the mental-health contact on their own. Referrers are allowed by homeserver domain."""
    for server in federation.all:  # a test that stopped one and failed has not started it again
        if not server.is_running():
            server.start()
    async for w in _world(federation.zvh, tmp_path, request, referrers=[federation.politie.server_name],
                          elsewhere={"melder": federation.politie, "politie": federation.politie,
                                     "ggz": federation.ggz}):
        yield w


async def _world(syn: LocalSynapse, tmp_path, request, **extra):
    # [bot] settings; [matrix] ones under "matrix"; other tables ([meetings], [reminders]) under their names
    overrides = {**extra, **dict(getattr(request, "param", {}) or {})}
    sections = {name: overrides.pop(name) for name in ("meetings", "reminders", "arrangements", "kaart", "desk",
                                                       "reports") if name in overrides}
    w = make_world(syn, tmp_path, bot_admin=request.node.get_closest_marker("bot_admin") is not None,
                   encrypted=request.node.get_closest_marker("e2e") is not None,
                   matrix_overrides=overrides.pop("matrix", None),
                   screening_encrypted=overrides.pop("screening_encrypted", None), sections=sections, **overrides)
    clock = request.node.get_closest_marker("clock")
    if clock:  # the bot's clock starts at this local time (Europe/Amsterdam), whatever the date CI runs on
        w.travel(datetime.fromisoformat(clock.args[0]).replace(tzinfo=AMSTERDAM))
    w.bot.start()
    yield w
    await w.close()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(w.bot.log()[-5000:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
