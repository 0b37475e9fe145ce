"""Every diagnostic code, defined once.  Codes are stable: never renumber or reuse one.

Ranges: MM1xxx files and YAML (loader), MM2xxx schema, MM3xxx trigger language,
MM4xxx references and world checks, MM5xxx money/economy, MM6xxx image and build.

``docs/diagnostics.md`` is generated from this table (``python -m meshmush.gen_docs``);
a test fails when the page is stale, when a code has no page entry, or when a code
has no failing fixture under ``tests/diagnostics/``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: str  # the usual severity
    title: str
    explanation: str
    example: str  # YAML (or trigger) text that triggers it
    fix: str


def _table(*infos: CodeInfo) -> dict[str, CodeInfo]:
    table: dict[str, CodeInfo] = {}
    for info in infos:
        if info.code in table:
            raise ValueError(f"duplicate diagnostic code {info.code}")
        table[info.code] = info
    return table


CODES: dict[str, CodeInfo] = _table(
    # ---- MM1xxx: files and YAML (compiler/loader.py)
    CodeInfo(
        "MM1001",
        "error",
        "YAML syntax error",
        "The file is not valid YAML; the position is where the parser gave up.",
        "exits: {north: town.square",
        "Check indentation, colons, brackets and quotes on that line and the one before.",
    ),
    CodeInfo(
        "MM1002",
        "error",
        "File is not UTF-8",
        "World files must be UTF-8; the message gives the offset of the first bad byte.",
        "name: Caf\\xe9   # saved as Latin-1",
        "Save the file as UTF-8.",
    ),
    CodeInfo(
        "MM1003",
        "error",
        "Empty file",
        "A .yaml file in the world directory has no document (only blanks or comments).",
        "# nothing here",
        "Add a document with a kind:, or delete the file.",
    ),
    CodeInfo(
        "MM1004",
        "error",
        "Tab used for indentation",
        "YAML forbids tabs in indentation; editors sometimes insert them.",
        "exits:\n\tnorth: town.square",
        "Indent with spaces.",
    ),
    CodeInfo(
        "MM1005",
        "error",
        "Duplicate key",
        "A mapping has the same key twice; YAML would silently keep only one of them.",
        "name: Gazebo\nname: Pavilion",
        "Remove or rename one of them.",
    ),
    CodeInfo(
        "MM1006",
        "error",
        "Anchors, aliases and merge keys are not supported",
        "`&anchor`, `*alias` and `<<:` make files hard to read and can blow up in size; meshmush refuses them.",
        "base: &b {takeable: true}\nother: *b",
        "Write the repeated part out in full.",
    ),
    CodeInfo(
        "MM1007",
        "error",
        "Complex mapping key",
        "Keys must be plain names, not lists or mappings.",
        "? [a, b]\n: value",
        "Use a plain word as the key.",
    ),
    CodeInfo(
        "MM1008",
        "error",
        "File too large",
        "A single world file is limited to 8 MiB so a hostile or accidental giant file cannot exhaust memory.",
        "(a 9 MB YAML file)",
        "Split the world into several files.",
    ),
    CodeInfo(
        "MM1009",
        "error",
        "File cannot be read",
        "The operating system refused to read the file (permissions, a broken or looping link).",
        "world.yaml -> world.yaml   # a symlink to itself",
        "Fix the file's permissions or the link.",
    ),
    CodeInfo(
        "MM1010",
        "error",
        "Document is not a mapping",
        "Every document is a mapping of keys starting with kind:.",
        "- just\n- a list",
        "Start the document with `kind: room` (or another kind) and its keys.",
    ),
    CodeInfo(
        "MM1011",
        "error",
        "Document without kind",
        "Every document says what it is with `kind:`.",
        "id: town.gazebo\nname: Gazebo",
        "Add `kind: room` (or world, object, npc, shop, housing, game, board).",
    ),
    CodeInfo(
        "MM1012",
        "error",
        "Unknown kind",
        "`kind:` must be one of world, room, object, npc, shop, housing, game, board.",
        "kind: rom",
        "Fix the spelling; the hint proposes the closest kind.",
    ),
    CodeInfo(
        "MM1013",
        "error",
        "No world files",
        "The world directory has no .yaml files.",
        "(an empty directory)",
        "Point the command at the directory holding the world's .yaml files.",
    ),
    CodeInfo(
        "MM1014",
        "error",
        "No world document",
        "Exactly one document must be `kind: world` (id, title, format, start, currency).",
        "(only rooms and objects)",
        "Add a world document.",
    ),
    CodeInfo(
        "MM1015",
        "error",
        "More than one world document",
        "A world has exactly one `kind: world` document; both places are reported.",
        "kind: world   # in two files",
        "Merge them into one.",
    ),
    CodeInfo(
        "MM1016",
        "error",
        "Too many files",
        "A world directory may hold at most 20,000 .yaml files; a directory with more (a wrong"
        " path, a generated folder left behind) is refused as a whole rather than read in part.",
        "(20,001 .yaml files under the world directory)",
        "Point meshmush at the world's own directory, or merge small files (a file may hold many"
        " documents separated by ---).",
    ),
    # ---- MM2xxx: schema (compiler/schema.py)
    CodeInfo(
        "MM2001",
        "error",
        "Unknown key",
        "The key is not part of this kind's schema; often a typo.",
        "kind: room\ndescripton: A hall.",
        "Fix the spelling; the hint proposes the closest allowed key.",
    ),
    CodeInfo(
        "MM2002",
        "error",
        "Missing required key",
        "A key this kind needs is missing (a room needs id, name and description, for example).",
        "kind: room\nid: town.hall\nname: Hall",
        "Add the key named in the message.",
    ),
    CodeInfo(
        "MM2003",
        "error",
        "Value of the wrong type",
        "The value is not of the type the key takes (text, a number, true/false, a list, a mapping).",
        "takeable: maybe",
        "Write a value of the type named in the message.",
    ),
    CodeInfo(
        "MM2004",
        "error",
        "Value not allowed",
        "The key takes one of a fixed set of values (a game type, a trigger event, a state type).",
        "type: pinball",
        "Use one of the values listed in the hint.",
    ),
    CodeInfo(
        "MM2005",
        "error",
        "Badly formed id or duration",
        "Ids are lowercase dotted names with a namespace (town.gazebo); durations are like 30s, 10m, 1h, 1d.",
        "id: Gazebo",
        "Write it in the form the hint shows.",
    ),
    CodeInfo(
        "MM2006",
        "error",
        "Unknown exit direction",
        "Exits use north south east west up down northeast northwest southeast southwest in out, or n s e w u d ne nw se sw.",
        "exits:\n  nroth: town.square",
        "Fix the direction; the hint proposes the closest.",
    ),
    CodeInfo(
        "MM2007",
        "error",
        "Value out of range",
        "A number or list is below its minimum or above its maximum (e.g. a negative quantity).",
        "quantity: -1",
        "Use a value in the range the message gives.",
    ),
    # ---- MM3xxx: trigger language (compiler/triggers/)
    CodeInfo(
        "MM3001",
        "error",
        "Trigger syntax error",
        "The trigger code does not parse. The position points inside the YAML file; the hint says what could come next.",
        'do: |\n  if player.score > 3 {\n    say "hi"',
        "Fix the code at the caret (often a missing '}', quote or operator).",
    ),
    CodeInfo(
        "MM3002",
        "error",
        "Unknown variable",
        "Every variable a trigger reads or writes is declared under the world's `state:`; read-only ones are player.name, player.balance, room.name and self.name.",
        "set player.scroe = 1",
        "Fix the spelling (the hint proposes the closest) or declare the variable.",
    ),
    CodeInfo(
        "MM3003",
        "error",
        "Assignment to a read-only variable",
        "player.name, player.balance, room.name and self.name can be read but not set (money moves with pay and charge).",
        "set player.balance = 0",
        "Use pay/charge for money, or declare your own variable.",
    ),
    CodeInfo(
        "MM3004",
        "error",
        "Type mismatch",
        "Values have types (bool, int, money, text): `if` and `and`/`or`/`not` need bool, `set` needs the declared type, pay and charge need money, money is not an int.",
        "set player.score = true   # score is int",
        "Use a value of the right type; the message names both types.",
    ),
    CodeInfo(
        "MM3005",
        "error",
        "Unknown id in a trigger",
        "give, take, has(), here() name objects and teleport names a room; the id must exist.",
        "give town.mapp",
        "Fix the id (the hint proposes the closest).",
    ),
    CodeInfo(
        "MM3006",
        "error",
        "Id of the wrong kind in a trigger",
        "give/take/has/here need an object id, teleport a room id.",
        "teleport town.lantern",
        "Name an id of the right kind.",
    ),
    CodeInfo(
        "MM3007",
        "error",
        "stop outside a cancellable event",
        "`stop` cancels the action that fired the trigger; enter, login and tick triggers have nothing to cancel.",
        "- on: tick\n  every: 1m\n  do: stop",
        "Remove stop, or move the code to an exit/take/drop/use/say/look/talk trigger.",
    ),
    CodeInfo(
        "MM3008",
        "error",
        "Variable or statement not available in this trigger",
        "self.x exists only in object and NPC triggers; a world tick has no room; tick triggers have no acting player, so player.x, give, take, pay, charge and teleport are not available there.",
        "kind: room\ntriggers:\n  - on: enter\n    do: set self.count = 1",
        "Use a variable of a scope this trigger has.",
    ),
    CodeInfo(
        "MM3009",
        "error",
        "Trigger over the step bound",
        "A trigger may execute at most 1000 instructions on its longest path (the language has no loops, so the bound is exact).",
        "(a trigger with hundreds of nested ifs)",
        "Split it into several triggers.",
    ),
    CodeInfo(
        "MM3010",
        "error",
        "Trigger sends too many messages",
        "A trigger may send at most 8 messages (say/announce) on any path: each costs airtime.",
        'say "1"; say "2"; say "3"; say "4"; say "5"; say "6"; say "7"; say "8"; say "9"',
        "Join messages into one say.",
    ),
    CodeInfo(
        "MM3011",
        "error",
        "Bad interpolation in text",
        "`{expr}` inside text interpolates an expression; braces must pair up (write {{ and }} for literal braces) and not be empty.",
        'say "Hello {player.name"',
        "Close the brace, or double it for a literal brace.",
    ),
    CodeInfo(
        "MM3012",
        "error",
        "Wrong function call",
        "The functions are has(OBJECT), here(OBJECT), random(LOW, HIGH) and chance(PERCENT).",
        "if random(6) > 3 { … }",
        "Call it with the arguments the hint shows.",
    ),
    CodeInfo(
        "MM3014",
        "error",
        "random() with the low end above the high end",
        "random(LOW, HIGH) picks a whole number from LOW to HIGH inclusive.",
        "random(6, 1)",
        "Swap the arguments.",
    ),
    CodeInfo(
        "MM3015",
        "error",
        "Text that can grow too long",
        "A text value (a `text` variable or a message) holds at most 1,000 characters. The compiler"
        " works out the longest text every `set` and `say` can make, over all triggers of the world;"
        " a variable set from itself (`set player.log = player.log + \"x\"`) grows with every run and"
        " has no bound at all. At run time a command that would build a longer text fails and"
        " changes nothing.",
        "set player.s = player.s + player.s",
        "Build texts from fixed parts (literals, names, numbers) instead of from their own value.",
    ),
    # ---- MM4xxx: references and world checks (compiler/resolve.py, compiler/checks/)
    CodeInfo(
        "MM4001",
        "error",
        "Duplicate id",
        "Two documents define the same id. Ids are unique across the whole world, whatever their kind.",
        "kind: room\nid: town.square\n---\nkind: object\nid: town.square",
        "Rename one of the two; the message names the first definition.",
    ),
    CodeInfo(
        "MM4002",
        "error",
        "Reference to an id that does not exist",
        "An exit, placement, shop item, start room or other reference names an id no document defines.",
        "exits:\n  north: town.sqaure",
        "Fix the spelling (the hint proposes the closest id) or add the missing document.",
    ),
    CodeInfo(
        "MM4003",
        "error",
        "Reference to an id of the wrong kind",
        "The id exists but is the wrong kind of thing: an exit must lead to a room, a shop sells objects,"
        " an NPC stands in a room.",
        "exits:\n  north: town.lantern   # an object",
        "Name an id of the kind the key expects.",
    ),
    CodeInfo(
        "MM4004",
        "warning",
        "Room unreachable from the start room",
        "No chain of exits (nor housing exits) leads from the world's start room to this room, so no player"
        " can ever get there on foot. Triggers with `teleport` count as a way in.",
        "kind: room\nid: town.attic   # no exit leads here",
        "Add an exit leading to the room, a `teleport` to it, or delete it.",
    ),
    CodeInfo(
        "MM4005",
        "info",
        "One-way exit",
        "An exit leads from A to B but B has no exit back to A. Often intended (a slide, a trapdoor);"
        " sometimes a forgotten return exit.",
        "exits:\n  down: town.cellar   # and the cellar has no exit back",
        "Add the return exit in the other room if the way should be two-way.",
    ),
    CodeInfo(
        "MM4006",
        "warning",
        "Text can never fit in one radio frame",
        "A room's name, description and exit list together, or an object description, or a dialogue node"
        " with its numbered options, exceed one frame (200 UTF-8 bytes by default). The runtime will split"
        " it over several frames, each costing about two seconds of airtime.",
        "description: A very long description ... (300 bytes)",
        "Shorten the text; the message gives the byte count.",
    ),
    CodeInfo(
        "MM4007",
        "error",
        "Dialogue option goes to a missing node",
        "An option's `goto` names a node that is not in the NPC's dialogue.",
        "options:\n  - say: Hi\n    goto: gfit",
        "Fix the node name (the hint proposes the closest) or add the node.",
    ),
    CodeInfo(
        "MM4008",
        "warning",
        "Dialogue node no option leads to",
        "A dialogue node other than `start` is never the target of any option's `goto`, or only of options"
        " in nodes that no chain of options from `start` reaches, so no player can see it.",
        "dialogue:\n  start: ...\n  secret: ...   # no goto: secret",
        "Add an option that goes to it, or delete it.",
    ),
    CodeInfo(
        "MM4009",
        "error",
        "Dialogue without a start node",
        "`talk` begins at the node named `start`; this NPC's dialogue has none.",
        "dialogue:\n  hello:\n    text: Hi",
        "Rename the first node to `start`.",
    ),
    CodeInfo(
        "MM4010",
        "error",
        "Exit direction given twice",
        "A room lists the same direction twice, once in long and once in short form (`north` and `n`).",
        "exits:\n  north: town.a\n  n: town.b",
        "Keep one of them.",
    ),
    CodeInfo(
        "MM4011",
        "error",
        "Bad state declaration",
        "A `state:` variable must be named `SCOPE.name` with scope world, player, room or self, and its"
        " default must match its type (bool: true/false, int: a whole number, money: an amount in the"
        " world's notation, text: a string).",
        "state:\n  town.count: {type: int, default: 0}",
        "Use one of the four scopes and a default of the declared type.",
    ),
    CodeInfo(
        "MM4012",
        "error",
        "Id in a reserved namespace",
        "The namespaces world, player, room and self name state variables and cannot be used for ids.",
        "kind: room\nid: room.hall",
        "Choose another namespace, e.g. `town.hall`.",
    ),
    CodeInfo(
        "MM4013",
        "error",
        "Bad housing template",
        "A housing template's rooms must have unique ids, and an exit inside a template must lead to a room"
        " of the same template (a name without a dot) or to a world room (a dotted id).",
        "rooms:\n  - {id: main, exits: {up: lofft}}",
        "Fix the room key or add the template room.",
    ),
    CodeInfo(
        "MM4014",
        "error",
        "Trigger event not available here",
        "Each kind has its own events: rooms enter exit look say tick; objects use take drop look tick;"
        " npcs talk; the world login tick.",
        "kind: room\ntriggers:\n  - on: use",
        "Use an event of this kind (the hint proposes the closest).",
    ),
    CodeInfo(
        "MM4015",
        "error",
        "Trigger options that do not fit the event",
        "A `tick` trigger needs `every:` (a positive duration such as 10m); `match:` only goes with `say`"
        " and `every:` only with `tick`.",
        'triggers:\n  - on: tick\n    do: say "x"',
        "Add `every: 10m` to tick triggers; remove `match`/`every` elsewhere.",
    ),
    CodeInfo(
        "MM4016",
        "error",
        "Bad game configuration",
        "A game's `config` has a key this game type does not know, a value of the wrong type,"
        " a minimum bet above the maximum, an 8-ball answer or fortune too long for a frame,"
        " or a slot machine's payout table that names unknown symbols or mixes line lengths.",
        "config: {min_bet: 10.00, max_bet: 1.00}",
        "Use the keys listed in docs/games.md for this game type.",
    ),
    CodeInfo(
        "MM4019",
        "error",
        "Two boards in one place",
        "READ and POST use the board of the player's room, or the board without a room elsewhere;"
        " two boards in one room (or two without a room) would be ambiguous.",
        "kind: board\nid: town.notices\nroom: town.square\n---\nkind: board\nid: town.ads\nroom: town.square",
        "Give each board its own room, or merge them into one.",
    ),
    CodeInfo(
        "MM4020",
        "error",
        "Teleport loop",
        "Rooms whose `enter` (or `exit`) triggers teleport the player round in a circle. At run time"
        " the cascade stops after 4 nested events and the player stays in the room it reached; the"
        " rest of the triggers are skipped. An error when the loop happens every time, a warning when"
        " a condition may break it. A teleport in a room's own `exit` trigger fires that trigger"
        " again (the player is still in the room).",
        "# room a: on enter: teleport b    room b: on enter: teleport a",
        "Guard a teleport with a condition the loop changes (e.g. a `player.` variable), or remove"
        " one of the teleports.",
    ),
    CodeInfo(
        "MM4017",
        "warning",
        "take trigger on an object that can never be taken",
        "Objects are takeable unless they say `takeable: false`; such an object is never taken, so"
        " its `take` triggers never run. (To refuse a take with a message, keep the object takeable"
        " and `stop` in its take trigger.)",
        "takeable: false\ntriggers:\n  - on: take\n    do: say \"Too heavy.\"",
        "Remove `takeable: false` and `stop` in the trigger, or remove the trigger.",
    ),
    CodeInfo(
        "MM4018",
        "warning",
        "Flag the runtime does not implement",
        "A room's or object's `flags:` lists a word the runtime does nothing with, so it changes"
        " nothing for players (the message names it). The list of flags the runtime honours is"
        " `runtime/image/flags.py`; today it is empty.",
        "flags: [safe]",
        "Remove the flag, or implement it in the runtime first.",
    ),
    CodeInfo(
        "MM4021",
        "error",
        "renamed_from names an id that is still in use",
        "A room or object says it was `renamed_from` an id that this world still defines, that is its"
        " own id, or that another room or object already claims. Live state (players standing in a"
        " room, objects held, variables) follows an old id to exactly one new place when a server"
        " moves to the new image (`meshmush migrate`), so the old id must be gone and claimed once.",
        "kind: room\nid: town.plaza\nrenamed_from: town.square   # but town.square is still defined",
        "Remove or rename the other definition first, or drop the id from renamed_from.",
    ),
    CodeInfo(
        "MM4022",
        "error",
        "Guard that can never be true",
        "The compiler works out every value a `bool` variable can take, every room players can reach"
        " and every object they can get, by running every trigger players can set off (all their"
        " paths) until nothing more changes. An exit whose `when` cannot yield true under any of"
        " that never opens: nothing a player can do sets the variable it waits for, or the object it"
        " asks for can never be had (for instance a key locked in the room it opens).",
        "state:\n  world.door_open: {type: bool, default: false}   # nothing ever sets it\n"
        "exits:\n  east: {to: town.vault, when: world.door_open}",
        "Add a trigger or dialogue that sets the variable (on an object players can use, in a room"
        " they can reach), put the object it needs where players can get it, or remove the guard.",
    ),
    CodeInfo(
        "MM4023",
        "warning",
        "Room that no sequence of actions can reach",
        "The room is connected to the start room by exits, but every way in is behind a guard that"
        " never opens (MM4022 says which), so no player will ever stand in it: a softlock. The"
        " message gives the shortest path from the start to the reachable room closest to it, and"
        " the exit there that stays shut. (A room not connected at all is MM4004.)",
        "exits:\n  east: {to: town.vault, when: has(town.key)}   # the key lies in the vault",
        "Make the guard on the way in able to become true, or add another way in.",
    ),
    CodeInfo(
        "MM4024",
        "warning",
        "Object that no player can ever get",
        "No player can ever carry or see the object: it lies only in rooms players can never reach"
        " (behind guards that never open), or whatever would give it or sell it can never run, or"
        " nothing places, gives or sells it at all. The message gives the closest a player gets.",
        "kind: room\nid: town.vault\nobjects: [town.key]   # and town.vault is behind has(town.key)",
        "Place the object where players can go, or make the way to it open.",
    ),
    CodeInfo(
        "MM4025",
        "error",
        "Patch that does not fit its room",
        "A `kind: patch` document removes an exit the room does not have, or both adds and removes"
        " the same direction. (`meshmush admin export-edits` writes patches for rooms that builders"
        " changed live; the room's own document may have changed since.)",
        "kind: patch\nroom: town.gazebo\nremove_exits: [up]   # the gazebo has no exit up",
        "Drop the direction from remove_exits (or from exits).",
    ),
    CodeInfo(
        "MM4026",
        "error",
        "Room patched twice",
        "Two `kind: patch` documents change the same room; the order of their changes would depend on"
        " file names.",
        "kind: patch\nroom: town.gazebo\n...\n---\nkind: patch\nroom: town.gazebo",
        "Merge the two patches into one document.",
    ),
    # ---- MM5xxx: money and economy
    CodeInfo(
        "MM5001",
        "error",
        "Money in the wrong notation",
        "Amounts are written in the world's currency notation: `decimal` amounts with exactly `decimals`"
        " digits after the point (10.00), `multitier` amounts as tier counts with short names, largest"
        " first (1g5s).",
        "currency: {mode: decimal, decimals: 2, ...}\nvalue: 2.5",
        "Write the amount like the hint's example.",
    ),
    CodeInfo(
        "MM5002",
        "warning",
        "Arbitrage loop",
        "A shop sells an item for less than some shop buys it back, so players can make money forever by"
        " buying and selling.",
        "stock: [{item: town.lantern, price: 1.00}]\nbuys: [{item: town.lantern, price: 2.00}]",
        "Make every buy-back price at most the lowest selling price.",
    ),
    CodeInfo(
        "MM5003",
        "error",
        "Bad currency definition",
        "Multitier tiers need unique names and short names, values strictly decreasing, and a smallest"
        " tier worth 1; decimal currencies take 0 to 6 decimals.",
        "tiers: [{name: gold, short: g, value: 100}, {name: silver, short: s, value: 10}]",
        "Add a tier of value 1 (e.g. copper) and order tiers from largest to smallest.",
    ),
    CodeInfo(
        "MM5004",
        "error",
        "Shop entry for the same item twice",
        "A shop's `stock` or `buys` lists the same item twice; prices would be ambiguous.",
        "stock:\n  - {item: town.lantern, price: 3.00}\n  - {item: town.lantern, price: 2.00}",
        "Keep one entry per item.",
    ),
    CodeInfo(
        "MM5005",
        "warning",
        "Slot machine pays back more than it takes",
        "The compiler weighs every combination of a slot machine's symbols against its payout table"
        " (the first matching line pays). An expected return above 100 % means players win money from"
        " the world in the long run. The message gives the exact figure.",
        "config:\n  symbols: {seven: 1, bell: 1}\n  payouts: [{line: [seven, any, any], pays: 3}]",
        "Lower a payout, or make the symbols of the best lines rarer (a smaller weight).",
    ),
    # ---- MM6xxx: image and build
)
