"""The README's first command: `zvh-bot dev` starts a local Synapse, demo accounts and the bot, ready to use."""
import asyncio
import re
import signal
import subprocess
import sys
import time

import nio

from devserver.dev import DEMO_PASSWORD
from devserver.local_synapse import free_port
from tests.harness import REPO, User, keys_of, plain


async def test_dev_mode_is_usable_with_any_client(tmp_path):
    port = free_port()
    log = open(tmp_path / "dev.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "devserver", "--dir", str(tmp_path / "dev"),
                             "--port", str(port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    user = None
    try:
        deadline = time.monotonic() + 90
        while "Ctrl-C" not in (tmp_path / "dev.log").read_text():
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "dev.log").read_text()
            await asyncio.sleep(0.2)
        banner = (tmp_path / "dev.log").read_text()
        assert f"http://127.0.0.1:{port}" in banner and DEMO_PASSWORD in banner and "@melder:localhost" in banner

        client = nio.AsyncClient(f"http://127.0.0.1:{port}", "@melder:localhost")
        login = await client.login(DEMO_PASSWORD)
        assert isinstance(login, nio.LoginResponse)
        await client.close()

        class Syn:  # what User needs of the homeserver
            base_url = f"http://127.0.0.1:{port}"

        user = User(Syn, "@melder:localhost", login.access_token)
        await user.start()
        dm = await user.dm("@zvh-bot:localhost")
        asked = await user.send(dm, "!melding")
        assert (await user.answer_to(dm, asked)).ok
        # This test client does not encrypt (Element does): the bot warns first, then asks the first question.
        replies = await user.wait_for(lambda: len(user.replies_to(dm, asked)) >= 2 and user.replies_to(dm, asked),
                                      what="the warning and the first question")
        assert [keys_of(r) for r in replies] == [["intake.not_encrypted"], ["intake.ask"]]
        assert re.search(r"\b1\D+9\b", plain(replies[1]["content"]["body"]))  # question 1 of 9
    finally:
        if user:
            await user.close()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, (tmp_path / "dev.log").read_text()
