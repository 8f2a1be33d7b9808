"""Strict configuration from TOML, name resolution, and bad input that leaves no trace."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import func, select

from fmos_core import (
    FMOS,
    BadRequest,
    Config,
    ConfigError,
    Privilege,
    UnknownTenant,
    UnknownVFM,
    UserError,
)
from fmos_core.store import schema
from fmos_core.testing import ScriptedBackend

VALID = """
[state]
url = "sqlite:///{db}"

[pfms.small]
driver = "scripted"
options = {{ replies = ["hello from small"] }}
profile = {{ context_window = 512, input_price_per_mtok = 1.0 }}

[pfms.big]
driver = "scripted"

[pfms.big.options]
replies = ["hello from big"]
output_tokens = 3

[vfms.default]
pfms = ["small", "big"]
system_prompt = "Be brief."
allow_downgrade = true

[vfms.other]
pfms = ["big"]

[tenants.acme]
clearance = "write"

[tenants.guest]
"""


def write(tmp_path, body: str, **fmt: object):
    path = tmp_path / "fmos.toml"
    path.write_text(textwrap.dedent(body).format(db=tmp_path / "s.db", **fmt), encoding="utf-8")
    return path


def valid_toml_with(tmp_path, *, after: str, insert: str):
    """The valid file with ``insert`` added as a line right after the line ``after``."""
    lines = VALID.splitlines()
    lines.insert(lines.index(after) + 1, insert)
    return write(tmp_path, "\n".join(lines))


def test_valid_file_loads(tmp_path):
    cfg = Config.load(write(tmp_path, VALID))
    assert cfg.state.resolved_url() == f"sqlite:///{tmp_path / 's.db'}"
    assert set(cfg.pfms) == {"small", "big"}
    assert cfg.pfms["small"].options == {"replies": ["hello from small"]}
    assert cfg.pfms["small"].profile == {"context_window": 512, "input_price_per_mtok": 1.0}
    assert cfg.pfms["big"].options == {"replies": ["hello from big"], "output_tokens": 3}
    assert cfg.vfms["default"].pfms == ["small", "big"]
    assert cfg.vfms["default"].system_prompt == "Be brief."
    assert cfg.vfms["default"].allow_downgrade is True
    assert cfg.vfms["other"].allow_downgrade is False
    assert cfg.tenants["acme"].clearance is Privilege.WRITE
    assert cfg.tenants["guest"].clearance is Privilege.READ  # the default


def test_a_loaded_file_serves_calls_through_the_configured_driver(tmp_path):
    with FMOS.from_config(write(tmp_path, VALID)) as fmos:
        assert fmos.pfms["small"].profile.context_window == 512
        assert fmos.pfms["small"].profile.input_price_per_mtok == 1.0
        response = fmos.vfm("default").invoke("hi", tenant="acme")
        assert response.text == "hello from small"
        assert response.pfm == "small"
        other = fmos.vfm("other").invoke("hi", tenant="guest")
        assert (other.text, other.usage.output_tokens) == ("hello from big", 3)


@pytest.mark.parametrize(
    ("after", "insert", "key"),
    [
        ("[state]", "colour = 1", "colour"),
        ("[pfms.big]", "colour = 1", "pfms.big.colour"),
        ("[vfms.other]", "colour = 1", "vfms.other.colour"),
        ("[tenants.guest]", "colour = 1", "tenants.guest.colour"),
        ('url = "sqlite:///{db}"', "colour = 1", "state.colour"),
    ],
    ids=["top-level", "pfm", "vfm", "tenant", "state"],
)
def test_unknown_key_is_a_config_error_naming_it(tmp_path, after, insert, key):
    if after == "[state]":  # a key before the first table is a top-level key
        path = write(tmp_path, "colour = 1\n" + VALID)
    else:
        path = valid_toml_with(tmp_path, after=after, insert=insert)
    with pytest.raises(ConfigError) as info:
        Config.load(path)
    assert f"unknown key {key!r}" in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_profile_key_is_a_config_error(tmp_path):
    path = valid_toml_with(tmp_path, after="[pfms.big]", insert="profile = {{ colour = 1 }}")
    cfg = Config.load(path)  # the profile is checked against the driver's profile
    with pytest.raises(ConfigError, match=r"\[pfms\.big\.profile\]: unknown key 'colour'"):
        FMOS(cfg)


def test_unknown_driver_option_is_a_config_error(tmp_path):
    path = valid_toml_with(tmp_path, after="output_tokens = 3", insert="colour = 1")
    cfg = Config.load(path)  # options belong to the driver, which validates them strictly
    with pytest.raises(ConfigError, match=r"\[pfms\.big\.options\]: unknown key 'colour'"):
        FMOS(cfg)
    assert not (tmp_path / "s.db").exists()  # nothing opened for a kernel that failed


def test_vfm_naming_an_undeclared_pfm(tmp_path):
    path = write(
        tmp_path,
        """
        [pfms.a]
        driver = "scripted"

        [vfms.default]
        pfms = ["a", "ghost"]
        """,
    )
    with pytest.raises(ConfigError, match=r"vfms\.default names 'ghost'.*declared: a"):
        Config.load(path)


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "[pfms.a\ndriver = 'scripted'\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.load(path)


def test_missing_file(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError, match="does not exist") as info:
        Config.load(path)
    assert str(path) in str(info.value)
    with pytest.raises(ConfigError, match="does not exist"):
        FMOS.from_config(path)


def test_unknown_driver_lists_the_installed_ones(tmp_path):
    path = write(
        tmp_path,
        """
        [pfms.a]
        driver = "warp-drive"

        [vfms.default]
        pfms = ["a"]

        [state]
        enabled = false
        """,
    )
    cfg = Config.load(path)
    with pytest.raises(ConfigError, match=r"unknown pFM driver 'warp-drive'.*scripted"):
        FMOS(cfg)


def test_bad_clearance_name(tmp_path):
    path = valid_toml_with(tmp_path, after="[tenants.guest]", insert='clearance = "god"')
    with pytest.raises(ConfigError) as info:
        Config.load(path)
    assert "tenants.guest.clearance" in str(info.value)
    assert "unknown privilege 'god'" in str(info.value)
    assert "safe, read, write, admin" in str(info.value)


def test_wrong_types_name_the_key(tmp_path):
    path = write(
        tmp_path,
        """
        [pfms.a]
        driver = "scripted"

        [vfms.default]
        pfms = "a"
        """,
    )
    with pytest.raises(ConfigError, match=r"vfms\.default\.pfms"):
        Config.load(path)


def test_at_least_one_vfm(tmp_path):
    with pytest.raises(ConfigError, match="at least one"):
        Config.parse({"vfms": {}})


def test_config_errors_are_user_errors():
    assert issubclass(ConfigError, UserError)


# --- names resolved at run time ---------------------------------------------------------


@pytest.fixture
def fmos(tmp_path):
    backend = ScriptedBackend(["ok"], repeat=True)
    cfg = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}, "writer": {"pfms": ["s"]}},
            "tenants": {"acme": {}, "default": {}},
        }
    )
    with FMOS(cfg, backends={"s": backend}) as kernel:
        kernel.test_backend = backend
        yield kernel


def test_unknown_vfm_lists_the_configured_ones(fmos):
    with pytest.raises(UnknownVFM) as info:
        fmos.vfm("nope")
    assert "'nope'" in str(info.value)
    assert "configured: default, writer" in str(info.value)


def test_unknown_tenant_at_invoke(fmos):
    with pytest.raises(UnknownTenant) as info:
        fmos.vfm().invoke("hi", tenant="mallory")
    assert "'mallory'" in str(info.value)
    assert "[tenants.mallory]" in str(info.value)
    assert "configured: acme, default" in str(info.value)
    assert fmos.test_backend.requests == []


def test_with_no_tenants_every_tenant_is_unknown(tmp_path):
    cfg = Config.parse(
        {
            "state": {"enabled": False},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
            "tenants": {},
        }
    )
    expected = r"'default' is not configured.*configured: none"
    with (
        FMOS(cfg, backends={"s": ScriptedBackend([])}) as fmos,
        pytest.raises(UnknownTenant, match=expected),
    ):
        fmos.vfm().invoke("hi")


def _rows(fmos, table) -> int:
    fmos.flush()
    with fmos.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(
    ("messages", "options", "error"),
    [
        ("hi", {"tenant": "mallory"}, UnknownTenant),
        ([{"role": "tool", "content": "x"}], {"tenant": "acme"}, BadRequest),
        ("hi", {"tenant": "acme", "response_schema": {"type": "nope"}}, BadRequest),
        ("hi", {"tenant": "acme", "max_tokens": -1}, BadRequest),
    ],
    ids=["unknown-tenant", "bad-message", "bad-schema", "bad-max-tokens"],
)
def test_rejected_bad_input_writes_nothing(fmos, messages, options, error):
    fmos.budgets.set("acme", tokens=10_000, cost=1.0, requests=10)
    fmos.budgets.set("mallory", tokens=10_000)  # a budget row must not make a tenant real
    before = {b.tenant: b for b in fmos.budgets.all()}
    with pytest.raises(error):
        fmos.vfm().invoke(messages, **options)
    assert _rows(fmos, schema.traces) == 0
    assert _rows(fmos, schema.spans) == 0
    assert _rows(fmos, schema.reservations) == 0
    assert {b.tenant: b for b in fmos.budgets.all()} == before
    assert fmos.test_backend.requests == []
    # ... while a valid call from the same kernel does write its trace
    fmos.vfm().invoke("hi", tenant="acme")
    assert _rows(fmos, schema.traces) == 1
