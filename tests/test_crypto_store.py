"""The crypto store is sealed with the deployment's pickle key; one made with the library's public default key
is re-sealed with the configured one, keeping the bot's keys."""
import pytest
import vodozemac
from nio.crypto.sessions import OlmAccount
from nio.store import DefaultStore

from bot import crypto_store

USER, DEVICE = "@bot:zvh.example", "ZVHBOT"


def test_a_store_sealed_with_the_default_key_is_resealed_with_the_configured_one(tmp_path):
    old = DefaultStore(USER, DEVICE, str(tmp_path), crypto_store.LIBRARY_DEFAULT_KEY)
    account = OlmAccount()
    old.save_account(account)
    assert crypto_store.rekey(tmp_path, USER, DEVICE, "a-deployment-secret-0123456789")
    reopened = DefaultStore(USER, DEVICE, str(tmp_path), "a-deployment-secret-0123456789").load_account()
    assert reopened.identity_keys == account.identity_keys
    with pytest.raises((vodozemac.PickleException, vodozemac.LibolmPickleException)):  # the default key: no more
        DefaultStore(USER, DEVICE, str(tmp_path), crypto_store.LIBRARY_DEFAULT_KEY).load_account()
    assert not crypto_store.rekey(tmp_path, USER, DEVICE, "a-deployment-secret-0123456789")  # once is enough
