"""The server ACL of a case room (bot/rooms.py server_acl): exactly the ZVH's server and the servers of the people
in the case, matched without ports, never without the bot's own server."""
from bot.rooms import host_of, server_acl


def test_the_zvh_and_the_partners_servers_and_no_others():
    acl = server_acl("zvh.example", ["@coord:zvh.example", "@agent:politie.example", "@b:ggz.example",
                                     "@c:politie.example"])
    assert acl == {"allow": ["ggz.example", "politie.example", "zvh.example"], "deny": [],
                   "allow_ip_literals": False}


def test_the_bots_server_is_always_allowed_even_with_no_one_else():
    assert server_acl("zvh.example", [])["allow"] == ["zvh.example"]
    assert server_acl("zvh.example", ["@agent:politie.example"])["allow"] == ["politie.example", "zvh.example"]


def test_ports_are_left_out_but_the_bots_own_name_is_kept_as_synapse_checks_it():
    acl = server_acl("zvh.example:8448", ["@agent:politie.example:8448", "@x:zvh.example:8448"])
    # Other servers match the host; Synapse refuses an ACL that does not match its own name, port included.
    assert acl["allow"] == ["politie.example", "zvh.example", "zvh.example:8448"]


def test_ip_literal_servers_only_when_one_is_in_the_case():
    assert server_acl("localhost:8008", ["@a:127.0.0.2:8448"]) == {
        "allow": ["127.0.0.2", "localhost", "localhost:8008"], "deny": [], "allow_ip_literals": True}
    assert server_acl("localhost:8008", ["@a:politie.example"])["allow_ip_literals"] is False


def test_a_removed_partners_server_drops_out_unless_someone_else_is_there():
    before = server_acl("zvh.example", ["@a:politie.example", "@b:politie.example", "@c:ggz.example"])
    after_one = server_acl("zvh.example", ["@b:politie.example", "@c:ggz.example"])
    after_all = server_acl("zvh.example", ["@c:ggz.example"])
    assert before["allow"] == after_one["allow"] == ["ggz.example", "politie.example", "zvh.example"]
    assert after_all["allow"] == ["ggz.example", "zvh.example"]


def test_hosts():
    assert host_of("politie.example") == "politie.example"
    assert host_of("politie.example:8448") == "politie.example"
    assert host_of("127.0.0.2:8448") == "127.0.0.2"
    assert host_of("[::1]:8448") == "[::1]"
    assert host_of("[::1]") == "[::1]"
