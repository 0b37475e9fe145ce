from __future__ import annotations

import types

import pytest

from runtime.engine.context import Context
from runtime.engine.registry import Hooks, Registry, RegistryError, Verb
from runtime.engine.verbs import CORE_MODULES


def _noop(ctx: Context) -> None:
    ctx.reply("ok")


def _module(name: str, **attrs: object) -> types.ModuleType:
    mod = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(mod, k, v)
    return mod


def test_core_verbs_collect_without_conflicts() -> None:
    reg = Registry.collect(CORE_MODULES)
    names = {v.name for v in reg.verbs}
    for verb in ("look", "examine", "go", "north", "in", "out", "inventory", "take", "drop", "use",
                 "say", "whisper", "emote", "who", "help", "quit", "more"):
        assert verb in names


def test_a_word_claimed_twice_is_refused() -> None:
    a = _module("sys_a", VERBS=(Verb("list", _noop),))
    b = _module("sys_b", VERBS=(Verb("catalogue", _noop, aliases=("list",)),))
    with pytest.raises(RegistryError, match="'list' is claimed by both 'list' and 'catalogue'"):
        Registry.collect([a, b])


def test_a_system_cannot_shadow_a_core_verb() -> None:
    bad = _module("sys_bad", VERBS=(Verb("l", _noop),))
    with pytest.raises(RegistryError):
        Registry.collect([*CORE_MODULES, bad])


def test_modules_must_export_verbs_or_hooks() -> None:
    with pytest.raises(RegistryError, match="neither VERBS nor HOOKS"):
        Registry.collect([_module("empty")])
    with pytest.raises(RegistryError, match="not a Verb"):
        Registry.collect([_module("odd", VERBS=("look",))])
    with pytest.raises(RegistryError, match="not a Hooks"):
        Registry.collect([_module("odd", HOOKS={})])


def test_verb_words_are_lowercase_single_words() -> None:
    with pytest.raises(RegistryError):
        Registry([Verb("Look", _noop)], [])
    with pytest.raises(RegistryError):
        Registry([Verb("house buy", _noop)], [])


def test_lookup_exact_alias_prefix_and_suggestion() -> None:
    reg = Registry.collect(CORE_MODULES)
    assert reg.lookup("l").verb is not None and reg.lookup("l").verb.name == "look"  # type: ignore[union-attr]
    found = reg.lookup("inve").verb
    assert found is not None and found.name == "inventory"
    assert reg.lookup("wh").verb is None  # too short to abbreviate
    missing = reg.lookup("lok")
    assert missing.verb is None and missing.suggestion == "look"
    assert reg.lookup("hi").suggestion is None


def test_ambiguous_prefix_is_not_guessed() -> None:
    reg = Registry([Verb("house", _noop), Verb("home", _noop)], [])
    assert reg.lookup("ho").verb is None
    assert reg.lookup("hom").verb is not None


def test_staff_verbs_are_hidden_below_their_level() -> None:
    reg = Registry([Verb("/goto", _noop, min_level=1), Verb("look", _noop)], [])
    assert reg.lookup("/goto", 0).verb is None
    assert reg.lookup("/goto", 0).suggestion is None
    assert reg.lookup("/goto", 1).verb is not None
    assert [v.name for v in reg.visible(0)] == ["look"]


def test_help_topics_collect_and_conflict() -> None:
    a = _module("a", HOOKS=Hooks(help_topics={"money": "Money is…"}))
    assert Registry.collect([a]).help_topics == {"money": "Money is…"}
    with pytest.raises(RegistryError, match="topic 'money'"):
        Registry.collect([a, _module("b", HOOKS=Hooks(help_topics={"money": "x"}))])
