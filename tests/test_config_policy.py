"""Configuration loading (errors name the key; safe defaults stay) and policy decisions."""

from __future__ import annotations

from shellguard.config import append_always, load_config
from shellguard.guard import Guard
from shellguard.verdict import Crud


def test_missing_file_gives_safe_defaults(tmp_path) -> None:
    config = load_config(tmp_path / "none.toml")
    assert config.actions == {Crud.READ: "allow", Crud.CREATE: "confirm", Crud.UPDATE: "confirm",
                              Crud.DELETE: "confirm"}
    assert config.problems == []


def test_invalid_values_name_the_key_and_keep_defaults(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[policy]\nDELETE = "sometimes"\nCREATE = "allow"\nallow = "x"\n'
                    'bogus = 1\n[rules]\ndirs = 5\n[weird]\n')
    config = load_config(path)
    assert config.actions[Crud.DELETE] == "confirm"
    assert config.actions[Crud.CREATE] == "allow"
    joined = "\n".join(config.problems)
    for key in ("policy.DELETE", "policy.allow", "policy.bogus", "rules.dirs", "'weird'"):
        assert key in joined


def test_broken_toml_is_one_line_and_defaults(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[policy\nREAD = ")
    config = load_config(path)
    assert len(config.problems) == 1 and "line 1" in config.problems[0]
    assert config.actions[Crud.DELETE] == "confirm"


def test_policy_orders_deny_always_allow_and_class(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[policy]\nCREATE = "allow"\nallow = ["rm -f cache.tmp", "coreutils.rm"]\n'
                    'deny = ["rm -rf /*"]\n')
    guard = Guard(config=load_config(path), use_llm=False)
    assert guard.check("rm -rf /etc", "/").action == "deny"
    assert guard.check("rm -f cache.tmp", "/").action == "allow"
    assert guard.check("rm x", "/").action == "allow"  # allowed by rule id
    assert guard.check("rm x && mkfs.ext4 /dev/sdb", "/").action == "confirm"
    # CREATE allowed by class, but unknown code still asks
    assert guard.check("frobnicate --new", "/").action == "confirm"


def test_always_entries_are_per_directory(tmp_path) -> None:
    path = tmp_path / "c.toml"
    append_always("make deploy", "/srv/app", path)
    append_always('echo "quoted \\ stuff" > x', "/srv/app", path)
    config = load_config(path)
    assert config.problems == []
    guard = Guard(config=config, use_llm=False)
    assert guard.check("make deploy", "/srv/app").action == "allow"
    assert guard.check("make deploy", "/elsewhere").action == "confirm"
    assert guard.check('echo "quoted \\ stuff" > x', "/srv/app").action == "allow"


def test_guard_reloads_a_changed_config(tmp_path, monkeypatch) -> None:
    path = tmp_path / "c.toml"
    monkeypatch.setenv("SHELLGUARD_CONFIG", str(path))
    guard = Guard(use_llm=False)
    assert guard.check("touch x", "/w").action == "confirm"
    append_always("touch x", "/w", path)
    assert guard.reload_if_changed()
    assert guard.check("touch x", "/w").action == "allow"
