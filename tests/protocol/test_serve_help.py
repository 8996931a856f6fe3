"""`eider serve --help`: every config key is a flag with a typed value.

The keys come from the code's one table (kKeys in src/core/config.cc), not
from a list here, so a key added later without its flag, placeholder, help
text or documentation fails this test."""

import re

from eider_harness import REPO_ROOT

CONFIG_SOURCE = REPO_ROOT / "src" / "core" / "config.cc"


def config_keys():
    """The key names of the kKeys table, in order."""
    source = CONFIG_SOURCE.read_text()
    table = source[source.index("const Key kKeys[] = {"):]
    table = table[:table.index("\n};")]
    keys = re.findall(r'^\s*\{"([a-z0-9-]+)",', table, re.M)
    assert len(keys) > 30, "kKeys table not found where expected"
    return keys


def help_flags(cli):
    """{flag name: (placeholder, help text)} from `serve --help`."""
    result = cli.run("serve", "--help", data=False)
    assert result.returncode == 0, result.stderr
    flags = {}
    last = None
    for line in result.stdout.decode().splitlines():
        m = re.match(r"^\s+--([a-z0-9-]+)(?: (\S+))?\s*(.*)$", line)
        if m:
            last = m.group(1)
            flags[last] = (m.group(2) or "", m.group(3).strip())
        elif last and not flags[last][1] and line.startswith("    "):
            # A long flag pushes its help text to the next line.
            flags[last] = (flags[last][0], line.strip())
    return flags


def test_every_config_key_is_a_serve_flag(cli):
    flags = help_flags(cli)
    missing = [key for key in config_keys() if key not in flags]
    assert not missing, f"config keys without a serve flag: {missing}"


def test_every_serve_flag_shows_a_typed_placeholder_and_help(cli):
    flags = help_flags(cli)
    for key in config_keys():
        placeholder, help_text = flags[key]
        # A kind of value (BYTES, SECONDS, ADDR, FILE...) or the choices
        # (yes|no), never CLI11's generic TEXT.
        assert re.fullmatch(r"[A-Z]+|[a-z]+(\|[a-z]+)+", placeholder), (key, placeholder)
        assert placeholder != "TEXT", key
        assert help_text, f"--{key} has no help text"


def test_numeric_keys_have_numeric_placeholders(cli):
    flags = help_flags(cli)
    for key in ("max-message-size", "idle-timeout", "io-threads", "journal-days",
                "auth-failure-delay", "max-connections"):
        assert flags[key][0] in ("UINT", "BYTES", "SECONDS", "MILLISECONDS", "DAYS"), (
            key, flags[key])


def test_every_config_key_is_documented_as_key_and_flag():
    config_doc = (REPO_ROOT / "docs" / "config.md").read_text()
    cli_doc = (REPO_ROOT / "docs" / "cli.md").read_text()
    for key in config_keys():
        assert f"`{key}`" in config_doc, f"{key} missing from docs/config.md"
        assert f"`--{key}`" in cli_doc, f"--{key} missing from docs/cli.md"


def test_a_flag_new_to_serve_sets_its_key(cli):
    """--log-level had a key but no flag: now its value is checked as the
    key's is (exit 1 naming the key), not refused as an unknown flag (2)."""
    result = cli.run("serve", "--log-level", "bogus")
    assert result.returncode == 1, result.stderr
    assert b"log-level: unknown level: bogus" in result.stderr
