"""The API game systems build on: verbs and hooks from a module, state through the
transaction, refusals and crashes rolled back, dynamic rooms, gates, ticks."""

from __future__ import annotations

import types
from pathlib import Path

from runtime.engine.context import Context, WorldContext
from runtime.engine.engine import INTERNAL_ERROR, NOTHING
from runtime.engine.registry import Hooks, Verb
from runtime.engine.state import HOLDER_PLAYER, Instance, State
from runtime.engine.verbs import CORE_MODULES
from runtime.image.model import Exit, Object, Room
from tests.runtime.engine.helpers import Driver, engine


def _module(name: str, **attrs: object) -> types.ModuleType:
    mod = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(mod, k, v)
    return mod


def do_tip(ctx: Context) -> None:
    amount = ctx.parse_money(ctx.command.args or "x")
    ctx.state.adjust_balance(ctx.player_key, amount)
    ctx.state.ledger("system:tips", ctx.player_key, amount, "tip", ctx.now_ms)
    ctx.reply(f"Tipped {ctx.money(amount)}; you have {ctx.money(ctx.player.balance)}.")
    if amount > 100:
        ctx.fail("Too generous: nothing happened.")


def do_crash(ctx: Context) -> None:
    ctx.state.new_instance("lab.lamp", HOLDER_PLAYER, ctx.player_key)
    raise RuntimeError("a bug in a system")


def do_nothing(ctx: Context) -> None:
    return None


def do_find(ctx: Context) -> None:
    inst = ctx.here(ctx.command.args)
    ctx.reply(f"Found #{inst.iid} {ctx.world.object_name(inst.object_id)}.")


def do_enter_house(ctx: Context) -> None:
    ctx.move_to("house.1.main", None)


def resolve(state: State, room_id: str) -> Room | None:
    if room_id == "house.1.main":
        return Room("house.1.main", "Ana's cottage", "Small and warm.", (Exit("out", "lab.hub"),), (), (), ())
    return None


def may_enter(ctx: Context, room: Room) -> str | None:
    return "The door is locked." if room.id == "house.1.main" and ctx.player.name != "Ana" else None


def notes(ctx: Context, room: Room) -> list[str]:
    return ["A tip jar: TIP AMOUNT."] if room.id == "lab.hub" else []


def on_login(ctx: Context) -> None:
    if ctx.player.name == "Banned":
        ctx.fail("You are banned.")
    ctx.reply("You have no mail.")


def gate(ctx: Context, verb: Verb) -> str | None:
    return "You are muted." if verb.name == "say" and ctx.player.name == "Mute" else None


def unmatched(ctx: Context) -> bool:
    if ctx.command.word.isdigit():
        ctx.reply(f"You chose option {ctx.command.word}.")
        return True
    return False


def use_object(ctx: Context, inst: Instance, obj: Object) -> bool:
    if obj.id == "lab.glue":
        ctx.reply("The glue machine hums.")
        return True
    return False


TICKS: list[int] = []


def on_tick(ctx: WorldContext) -> None:
    TICKS.append(ctx.now_ms)
    ctx.to_everyone("The tip jar rattles.")


SYSTEM = _module(
    "runtime.systems.test_tips",
    VERBS=(
        Verb("tip", do_tip, usage="tip AMOUNT", summary="tip the jar", example="tip 1.00"),
        Verb("crash", do_crash),
        Verb("find", do_find),
        Verb("cottage", do_enter_house, shows_room=True),
        Verb("noop", do_nothing),
    ),
    HOOKS=Hooks(resolve_room=resolve, may_enter=may_enter, room_notes=notes, on_login=on_login, gate=gate,
                unmatched=unmatched, use_object=use_object, on_tick=on_tick, help_topics={"tips": "Tip well."}),
)


def _driver(tmp_path: Path) -> Driver:
    return Driver(engine(tmp_path / "s.duckdb", modules=(*CORE_MODULES, SYSTEM)))


def test_a_system_verb_reads_and_writes_state(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    assert d.text("Ana", "tip 1.00") == "Tipped $1.00; you have $6.00."
    assert d.engine.db.query("SELECT payer, amount FROM ledger") == [("system:tips", 100)]


def test_a_refusal_rolls_back_everything_the_command_wrote(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    assert d.text("Ana", "tip 2.00") == "Too generous: nothing happened."
    assert "Money: $5.00" in d.text("Ana", "i")
    assert d.text("Ana", "tip lots") == "'lots' is not an amount; write it like 10.00."


def test_an_exception_rolls_back_and_gets_a_short_reply(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    assert d.text("Ana", "crash") == INTERNAL_ERROR
    assert "You carry nothing." in d.text("Ana", "i")
    assert d.engine.db.query("SELECT ok FROM journal WHERE command = 'crash'") == [(False,)]


def test_matching_helpers_fail_with_clear_lines(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    assert d.text("Ana", "find lamp").startswith("Found #")
    assert d.text("Ana", "find unicorn") == "You see no 'unicorn' here."


def test_dynamic_rooms_locks_notes_and_login_hooks(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    first = d.text("Ana", "look")
    assert "You have no mail." in first and "A tip jar: TIP AMOUNT." in first
    assert d.text("Bob", "cottage").endswith("The door is locked.")
    entered = d.text("Ana", "cottage")
    assert entered.startswith("Ana's cottage\nSmall and warm.\nExits: out")
    assert d.text("Ana", "out").startswith("Hub")


def test_gate_unmatched_use_and_help_topics(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Mute", "look")
    assert d.text("Mute", "say hi") == "You are muted."
    assert d.text("Mute", "2") == "You chose option 2."
    assert d.text("Mute", "help tips") == "Tip well."
    assert d.text("Mute", "help tip").startswith("tip AMOUNT: tip the jar.")
    d.send("Mute", "se")
    assert d.text("Mute", "use glue") == "The glue machine hums."


def test_tick_hooks_run_with_a_world_context(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    del TICKS[:]
    out = d.engine.tick(d.now + 5)
    assert [d.now + 5] == TICKS
    assert [(o.to, o.text) for o in out] == [("Ana", "The tip jar rattles.")]
    # it changed nothing: no journal row for it (ticks run every second on a server)
    assert d.engine.db.query("SELECT count(*) FROM journal WHERE command = '@tick'") == [(0,)]


def test_every_command_gets_a_reply(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    assert d.text("Ana", "noop") == NOTHING
    assert d.text("Ana", "") == "Type a command, e.g. LOOK or HELP."


def test_a_login_hook_can_refuse_the_session(tmp_path: Path) -> None:
    d = _driver(tmp_path)
    d.send("Ana", "look")
    assert d.text("Banned", "look") == "You are banned."
    assert d.text("Banned", "say hi") == "You are banned."
    assert "Banned" not in d.text("Ana", "who")
    assert d.engine.db.query("SELECT count(*) FROM players WHERE key = 'Banned'") == [(0,)]


def test_the_engine_is_a_command_handler(tmp_path: Path) -> None:
    from runtime.engine.io import CommandHandler

    handler: CommandHandler = _driver(tmp_path).engine
    out = handler.welcome("Ana", 1000)
    assert [o.to for o in out] == ["Ana"] and "Welcome to Test Lab!" in out[0].text
    assert handler.welcome("Ana", 2000) == []  # already in a session: nothing to say
    handler.close()
