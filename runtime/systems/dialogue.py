"""NPC dialogue: ``talk NPC``, then a bare number (or ``talk NPC N``) to pick an option.

A node is shown as ``Mayor Alvarez: TEXT`` followed by its options whose ``when`` holds,
numbered ``1) …`` in file order — exactly the text the compiler's frame check (MM4006)
measures.  Showing a node runs its ``do`` block (its messages follow the node's text, and the
options are evaluated after it, so a ``do`` may change what is offered).

Where a player is in a conversation is one row of the ``dialogue`` table
(player, npc, node): it survives restarts.  Rules (see docs/dialogue.md):

- ``talk NPC`` fires the NPC's ``talk`` triggers (``stop`` cancels the conversation) and
  starts at the ``start`` node, ending any other conversation the player had;
- a number answers the conversation with an NPC in the player's room.  Numbers are matched
  against the options whose ``when`` holds *now*; an out-of-range number changes nothing;
- an option with ``goto`` shows that node; one without ends the conversation (``You say: …``);
  so does a node with no option left to show, and a ``do`` that stops (or cannot pay a charge);
- walking away ends the conversation: the next number gets "You left …" and the row is dropped;
- ``talk NPC N`` picks option N of the current node when already talking to that NPC, else of
  the ``start`` node (its ``do`` is not run then: it was not shown).
"""

from __future__ import annotations

from runtime.engine.context import Context, Owner
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Hooks, Verb
from runtime.engine.replies import join_list
from runtime.image.model import DialogueNode, DialogueOption, Npc
from runtime.image.money import parse_count
from runtime.image.render import node_line, options_text

START = "start"


# --------------------------------------------------------------------------- state
def current(ctx: Context, npc: Npc) -> DialogueNode | None:
    """The node the player is at with ``npc`` (None: not talking, or the node is gone)."""
    row = ctx.state.txn.get("dialogue", (ctx.player_key, npc.id))
    return _node(npc, str(row[2])) if row is not None else None


def _node(npc: Npc, node_id: str) -> DialogueNode | None:
    return next((n for n in npc.dialogue if n.id == node_id), None)


def _set(ctx: Context, npc: Npc, node: DialogueNode) -> None:
    ctx.state.txn.put("dialogue", (ctx.player_key, npc.id, node.id))


def _end(ctx: Context, npc: Npc) -> None:
    ctx.state.txn.delete("dialogue", (ctx.player_key, npc.id))


def _end_all(ctx: Context) -> None:
    for npc in ctx.world.world.npcs:
        if npc.dialogue:
            _end(ctx, npc)


def _partner(ctx: Context) -> tuple[Npc, DialogueNode] | None:
    """The conversation with an NPC in the player's room, if any."""
    for npc in ctx.world.npcs_in(ctx.player.room):
        node = current(ctx, npc)
        if node is not None:
            return npc, node
    return None


def _left_behind(ctx: Context) -> Npc | None:
    """An NPC the player was talking to before walking away."""
    for npc in ctx.world.world.npcs:
        if npc.dialogue and ctx.state.txn.get("dialogue", (ctx.player_key, npc.id)) is not None:
            return npc
    return None


# --------------------------------------------------------------------------- showing
def visible(ctx: Context, npc: Npc, node: DialogueNode) -> list[DialogueOption]:
    owner = Owner("npc", npc.id)
    return [o for o in node.options if o.when is None or bool(ctx.evaluate(o.when, owner))]


def show(ctx: Context, npc: Npc, node: DialogueNode) -> None:
    """Show ``node``: text, its ``do``, the options that hold; remember where the player is."""
    ctx.reply(node_line(npc.name, node.text))
    if node.do is not None and ctx.run_block(node.do, Owner("npc", npc.id)):
        _end(ctx, npc)
        return
    options = visible(ctx, npc, node)
    if not options:
        _end(ctx, npc)
        return
    ctx.reply(options_text(o.say for o in options))
    _set(ctx, npc, node)


def choose(ctx: Context, npc: Npc, node: DialogueNode, number: int) -> None:
    options = visible(ctx, npc, node)
    if not options:
        _end(ctx, npc)
        ctx.reply(f"{npc.name} has nothing more to say.")
        return
    if not 1 <= number <= len(options):
        span = "1" if len(options) == 1 else f"1-{len(options)}"
        ctx.fail(f"Choose {span}.")
    option = options[number - 1]
    if option.goto is None:
        _end(ctx, npc)
        ctx.reply(f"You say: {option.say}")
        return
    target = _node(npc, option.goto)
    if target is None:  # the compiler refuses this (MM4007); an old image might still hold it
        _end(ctx, npc)
        ctx.reply(f"{npc.name} has nothing more to say.")
        return
    show(ctx, npc, target)


def begin(ctx: Context, npc: Npc) -> bool:
    """Start talking to ``npc``: end other conversations, fire ``talk`` triggers.  False when
    a trigger stopped it (its messages were the answer)."""
    _end_all(ctx)
    return not ctx.fire("talk", Owner("npc", npc.id), room=ctx.player.room)


# --------------------------------------------------------------------------- verbs and hooks
def do_talk(ctx: Context) -> None:
    here = ctx.world.npcs_in(ctx.player.room)
    words = ctx.command.args.split()
    if len(words) > 1 and words[0].lower() in ("to", "with"):
        words = words[1:]  # TALK TO MAYOR
    number: int | None = None
    if len(words) > 1 and parse_count(words[-1]) is not None:
        number = parse_count(words[-1])
        words = words[:-1]
    if not words:
        who = f" Here: {join_list([n.name for n in here])}." if here else " No one is here to talk to."
        ctx.fail(f"Talk to whom? e.g. talk mayor.{who}")
    query = " ".join(words)
    found = match(query, [Candidate(n, n.name, n.aliases, group=n.id) for n in here])
    npc = found.item
    if npc is None:
        ctx.fail(found.problem or f"You see no '{query}' here to talk to.")
    if number is not None:
        node = current(ctx, npc)
        if node is None:
            if not begin(ctx, npc):
                return
            node = _node(npc, START)
        if node is None:
            ctx.fail(f"{npc.name} has nothing to say.")
        choose(ctx, npc, node, number)
        return
    mark = ctx.out.mark(ctx.player_key)
    if not begin(ctx, npc):
        return
    start = _node(npc, START)
    if start is None:
        if ctx.out.mark(ctx.player_key) == mark:
            ctx.reply(f"{npc.name} has nothing to say.")
        return
    show(ctx, npc, start)


def unmatched(ctx: Context) -> bool:
    """A bare number answers the conversation in progress."""
    word = ctx.command.word
    number = parse_count(word)
    if number is None:
        return False
    talking = _partner(ctx)
    if talking is not None:
        npc, node = talking
        choose(ctx, npc, node, number)
        return True
    gone = _left_behind(ctx)
    if gone is not None:
        _end(ctx, gone)
        ctx.reply(f"You left {gone.name}. TALK {(gone.aliases[0] if gone.aliases else gone.name).upper()}"
                  " there to start again.")
        return True
    ctx.fail("You are not talking to anyone. TALK NAME first, then answer with a number.")


VERBS: tuple[Verb, ...] = (
    Verb("talk", do_talk, usage="talk NPC [N]", summary="talk to someone here; answer with a number",
         example="talk mayor", topic="talk"),
)

HOOKS = Hooks(
    unmatched=unmatched,
    help_topics={
        "dialogue": "TALK NAME to chat with someone here; answer with the option's number (or TALK NAME N).",
    },
)
