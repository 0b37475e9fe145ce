"""``meshmush serve`` configuration: a TOML file, validated with clear messages.

Every key is optional; command-line flags (``--serial``, ``--tcp``, ``--db``) override the
file.  The full list, with defaults and meaning, is in docs/transport.md; ``SAMPLE`` below is
the documented example and is checked by a test.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from runtime.frames import MIN_FRAME_BYTES


class ConfigError(Exception):
    """The configuration file is missing, unreadable or wrong; the message says where."""


@dataclass(frozen=True)
class RadioConfig:
    serial: str = ""  # device path, e.g. /dev/ttyUSB0
    tcp: str = ""  # HOST or HOST:PORT of a networked node
    connect_timeout_s: float = 20.0
    confirm_sends: bool = True
    confirm_timeout_s: float = 5.0
    want_ack: bool = True
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0


@dataclass(frozen=True)
class TransportConfig:
    frame_bytes: int = 200
    pacing_s: float = 2.5
    queue_frames: int = 64
    queue_notes: int = 256
    notice_max_age_s: float = 60.0
    page_frames: int = 3
    public_prefix: str = ""  # "" ignores channel messages; e.g. "mush" takes "mush look" from the channel
    drain_timeout_s: float = 30.0


@dataclass(frozen=True)
class RateLimitConfig:
    burst: int = 4
    per_minute: float = 12.0
    cooldown_s: float = 60.0
    max_inbound_bytes: int = 200


@dataclass(frozen=True)
class EngineSection:
    tick_s: float = 1.0
    batch: int = 64
    session_timeout_min: float = 30.0


@dataclass(frozen=True)
class AdmissionSection:
    new_per_minute: float = 10.0
    new_burst: int = 8
    max_newcomers: int = 24
    established_after_min: float = 10.0
    forget_strays_after_days: float = 7.0


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = "meshmush.duckdb"


@dataclass(frozen=True)
class LogConfig:
    level: str = "info"
    format: str = "text"  # text | json
    file: str = ""  # "" logs to stderr


@dataclass(frozen=True)
class StaffConfig:
    sysop: tuple[str, ...] = ()  # node ids ("!a1b2c3d4") that are sysops (they still need PKI DMs)


@dataclass(frozen=True)
class BackupConfig:
    dir: str = ""  # "" keeps backups in NAME.backups beside the database


@dataclass(frozen=True)
class RetentionConfig:
    journal_days: float = 30.0  # 0 keeps rows forever
    events_days: float = 90.0
    ledger_days: float = 365.0


@dataclass(frozen=True)
class MetricsConfig:
    interval_s: float = 60.0  # the metrics log line (and analytics event)


@dataclass(frozen=True)
class MqttConfig:
    """Gateways over MQTT (``meshmush gateway`` and ``meshmush serve --mqtt``; docs/gateways.md)."""

    url: str = ""  # mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (TLS); --mqtt overrides
    client_id: str = ""  # "" → meshmush-serve, or meshmush-gw-ID for a gateway
    gateway_id: str = ""  # this gateway's name ("" → the host name); --id overrides
    topic_prefix: str = "meshmush"
    protocol: str = "5"  # "5" | "3.1.1"
    username: str = ""
    password: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    keepalive_s: int = 30
    session_expiry_s: int = 604800
    reconnect_min_s: int = 1
    reconnect_max_s: int = 30
    max_queued: int = 10000
    route_window_s: float = 120.0
    gather_s: float = 0.3
    stats_interval_s: float = 60.0


@dataclass(frozen=True)
class BuilderConfig:
    clones_per_player: int = -1  # copies (/create, /clone) one builder may own; -1: the world's builder: limit
    clones_total: int = -1  # copies in the whole world; -1: the world's


@dataclass(frozen=True)
class ServeConfig:
    radio: RadioConfig = field(default_factory=RadioConfig)
    transport: TransportConfig = field(default_factory=TransportConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    engine: EngineSection = field(default_factory=EngineSection)
    admission: AdmissionSection = field(default_factory=AdmissionSection)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    log: LogConfig = field(default_factory=LogConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    builder: BuilderConfig = field(default_factory=BuilderConfig)
    warnings: tuple[str, ...] = ()


SECTIONS: dict[str, type[Any]] = {
    "radio": RadioConfig,
    "transport": TransportConfig,
    "rate_limit": RateLimitConfig,
    "engine": EngineSection,
    "admission": AdmissionSection,
    "database": DatabaseConfig,
    "log": LogConfig,
    "staff": StaffConfig,
    "backup": BackupConfig,
    "retention": RetentionConfig,
    "metrics": MetricsConfig,
    "mqtt": MqttConfig,
    "builder": BuilderConfig,
}

LEVELS = ("debug", "info", "warning", "error")

SAMPLE = """\
# meshmush serve configuration (TOML).  Every key is optional; defaults shown.
[radio]
# serial = "/dev/ttyUSB0"        # a radio on USB serial, or:
# tcp = "192.168.1.50:4403"      # a networked node (port 4403 by default)
connect_timeout_s = 20.0         # give up on a radio that does not answer the handshake
confirm_sends = true             # a frame counts as sent when the radio reports it queued
confirm_timeout_s = 5.0
want_ack = true                  # ask the mesh to acknowledge (and retry) direct messages
reconnect_min_s = 1.0            # backoff between reconnection attempts …
reconnect_max_s = 60.0           # … doubling up to this

[transport]
frame_bytes = 200                # UTF-8 bytes per radio text
pacing_s = 2.5                   # seconds between transmissions (firmware >= 2.7 drops < 2 s)
queue_frames = 64                # reply frames waiting, at most (a full queue keeps the oldest for MORE)
queue_notes = 256                # notice lines waiting (what others did), at most; the oldest go first
notice_max_age_s = 60.0          # notices older than this are dropped (summarised "…and 3 more."); 0: never
page_frames = 3                  # a longer reply keeps the rest for MORE
public_prefix = ""               # "" ignores channel messages; "mush" accepts "mush look"
drain_timeout_s = 30.0           # on SIGTERM, how long to keep sending what is queued

[rate_limit]
burst = 4                        # commands a node may send back to back
per_minute = 12.0                # then this many a minute
cooldown_s = 60.0                # a flooding node is told once, then ignored this long
max_inbound_bytes = 200

[engine]
tick_s = 1.0                     # clock for tick triggers, restocks, session expiry
batch = 64                       # at most this many commands committed together (whatever waits, up to this)
session_timeout_min = 30.0

[admission]
# Node numbers cost nothing to invent: unknown nodes and newcomers are admitted at a bounded rate.
new_per_minute = 10.0            # nodes the world has never seen, admitted a minute …
new_burst = 8                    # … and at once; the rest get no reply (no airtime spent)
max_newcomers = 24               # not-yet-established players online at once
established_after_min = 10.0     # a player this old is established: never held back, served first
forget_strays_after_days = 7.0   # never-established players unseen this long, holding nothing, are forgotten; 0: never

[database]
path = "meshmush.duckdb"

[log]
level = "info"                   # debug | info | warning | error
format = "text"                  # text | json (one JSON object per line)
file = ""                        # "" logs to stderr

[staff]
sysop = []                       # node ids of the first sysops, e.g. ["!a1b2c3d4"]; staff commands
                                 # count only in PKI-encrypted DMs from the node's known key

[backup]
dir = ""                         # "" keeps them in NAME.backups beside the database NAME.duckdb

[retention]                      # rows older than this go (hourly); 0 keeps them forever
journal_days = 30.0
events_days = 90.0
ledger_days = 365.0

[metrics]
interval_s = 60.0                # one metrics log line (and analytics event) this often

[mqtt]
# Several radios, one world (docs/gateways.md): each radio host runs `meshmush gateway`, the world
# runs `meshmush serve --mqtt`; both read this section.
# url = "mqtts://broker.lan:8883"  # mqtt://HOST[:PORT] (1883) or mqtts:// (TLS, 8883); --mqtt overrides
client_id = ""                   # "" → meshmush-serve, or meshmush-gw-ID for a gateway
gateway_id = ""                  # a gateway's name, letters, digits, - and _ ("" → the host name); --id overrides
topic_prefix = "meshmush"        # topics are PREFIX/v1/gw/ID/...; one prefix per world on a shared broker
protocol = "5"                   # MQTT "5" or "3.1.1"
username = ""
password = ""                    # keep this file readable by the service user only
ca_file = ""                     # TLS: the broker's CA ("" → the system's CAs)
cert_file = ""                   # TLS client certificate and key, if the broker wants one
key_file = ""
keepalive_s = 30                 # a gateway that vanishes is declared offline (its will) within 1.5 × this
session_expiry_s = 604800        # MQTT 5: the broker keeps an absent client's session and messages this long
reconnect_min_s = 1              # backoff between reconnections to the broker …
reconnect_max_s = 30             # … doubling up to this
max_queued = 10000               # messages kept while the broker is unreachable, at most
route_window_s = 120.0           # serve: hearings this close to a node's latest compete on SNR
gather_s = 0.3                   # serve: a new text waits this long for other radios' copies (routing sees them all)
stats_interval_s = 60.0          # gateways report traffic, airtime and queue depth; both log them

[builder]                        # live building (docs/building.md); -1 keeps the world's builder: limits
clones_per_player = -1           # copies made with /create and /clone one builder may own
clones_total = -1                # such copies in the whole world
"""


def load_config(path: Path | None) -> ServeConfig:
    if path is None:
        return ServeConfig()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))


def parse_config(data: Mapping[str, Any], where: str = "config") -> ServeConfig:
    cfg = ServeConfig()
    for name, value in data.items():
        cls = SECTIONS.get(name)
        if cls is None:
            raise ConfigError(f"{where}: unknown section [{name}]{_did_you_mean(name, SECTIONS)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{name}] must be a table of keys")
        cfg = replace(cfg, **{name: _section(cls, name, value, where)})
    return _validate(cfg, where)


def _section(cls: type[Any], name: str, values: Mapping[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: [{name}] unknown key '{key}'{_did_you_mean(key, known)}")
        expected = type(getattr(defaults, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if expected is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: [{name}] {key} must be a list of strings, not {value!r}")
            value = tuple(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where}: [{name}] {key} must be {_kind(expected)}, not {_kind(type(value))} ({value!r})"
            )
        out[key] = value
    return replace(defaults, **out)


def _validate(cfg: ServeConfig, where: str) -> ServeConfig:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ConfigError(f"{where}: {what}")

    r, t, rl, e, lg = cfg.radio, cfg.transport, cfg.rate_limit, cfg.engine, cfg.log
    need(not (r.serial and r.tcp), "[radio] give serial or tcp, not both")
    if r.tcp:
        parse_host_port(r.tcp, f"{where}: [radio] tcp")
    need(r.connect_timeout_s > 0, "[radio] connect_timeout_s must be more than 0")
    need(r.confirm_timeout_s > 0, "[radio] confirm_timeout_s must be more than 0")
    need(0 < r.reconnect_min_s <= r.reconnect_max_s, "[radio] need 0 < reconnect_min_s <= reconnect_max_s")
    need(MIN_FRAME_BYTES * 2 <= t.frame_bytes <= 228,
         f"[transport] frame_bytes must be between {MIN_FRAME_BYTES * 2} and 228 (a radio text holds ~228 bytes)")
    need(t.pacing_s >= 0, "[transport] pacing_s cannot be negative")
    need(t.queue_frames >= 8, "[transport] queue_frames must be at least 8")
    need(t.queue_notes >= 1, "[transport] queue_notes must be at least 1")
    need(t.notice_max_age_s >= 0, "[transport] notice_max_age_s cannot be negative (0 keeps notices until sent)")
    need(1 <= t.page_frames < t.queue_frames // 2, "[transport] page_frames must be at least 1 and under half of queue_frames")
    need(t.drain_timeout_s >= 0, "[transport] drain_timeout_s cannot be negative")
    need(" " not in t.public_prefix.strip(), "[transport] public_prefix must be one word")
    need(rl.burst >= 1, "[rate_limit] burst must be at least 1")
    need(rl.per_minute > 0, "[rate_limit] per_minute must be more than 0")
    need(rl.cooldown_s >= 0, "[rate_limit] cooldown_s cannot be negative")
    need(rl.max_inbound_bytes >= 16, "[rate_limit] max_inbound_bytes must be at least 16")
    need(e.tick_s > 0, "[engine] tick_s must be more than 0")
    need(1 <= e.batch <= 256, "[engine] batch must be between 1 and 256")
    need(e.session_timeout_min > 0, "[engine] session_timeout_min must be more than 0")
    a = cfg.admission
    need(a.new_per_minute > 0, "[admission] new_per_minute must be more than 0")
    need(a.new_burst >= 1, "[admission] new_burst must be at least 1")
    need(a.max_newcomers >= 1, "[admission] max_newcomers must be at least 1")
    need(a.established_after_min >= 0, "[admission] established_after_min cannot be negative")
    need(a.forget_strays_after_days >= 0, "[admission] forget_strays_after_days cannot be negative")
    need(lg.level.lower() in LEVELS, f"[log] level must be one of {', '.join(LEVELS)}, not '{lg.level}'")
    need(lg.format in ("text", "json"), f"[log] format must be text or json, not '{lg.format}'")
    need(bool(cfg.database.path.strip()), "[database] path cannot be empty")
    cfg = replace(cfg, staff=replace(cfg.staff, sysop=tuple(n.strip().lower() for n in cfg.staff.sysop)))
    for node in cfg.staff.sysop:
        need(bool(_NODE_ID.match(node)), f"[staff] sysop: '{node}' is not a node id like !a1b2c3d4")
    ret = cfg.retention
    for key, days in (("journal_days", ret.journal_days), ("events_days", ret.events_days),
                      ("ledger_days", ret.ledger_days)):
        need(days >= 0, f"[retention] {key} cannot be negative (0 keeps rows forever)")
    need(cfg.metrics.interval_s >= 1, "[metrics] interval_s must be at least 1")
    _validate_mqtt(cfg.mqtt, where)
    for key, n in (("clones_per_player", cfg.builder.clones_per_player), ("clones_total", cfg.builder.clones_total)):
        need(n >= -1, f"[builder] {key} must be -1 (the world's limit) or a whole number of copies, at least 0")
    warnings: list[str] = []
    if t.pacing_s < 2.0:
        warnings.append(f"[transport] pacing_s = {t.pacing_s}: firmware 2.7 and later drops texts sent less than 2 s apart")
    return replace(cfg, warnings=tuple(warnings))


_NODE_ID = re.compile(r"\A![0-9a-f]{8}\Z")
def _validate_mqtt(m: MqttConfig, where: str) -> None:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ConfigError(f"{where}: [mqtt] {what}")

    if m.url:
        try:
            parse_mqtt_url(m.url)
        except ConfigError as exc:
            raise ConfigError(f"{where}: [mqtt] url: {exc}") from None
    need(not m.gateway_id or valid_gateway_id(m.gateway_id),
         f"gateway_id must be 1 to {GATEWAY_ID_MAX} letters, digits, '-' or '_', not {m.gateway_id!r}")
    need(valid_topic_prefix(m.topic_prefix),
         f"topic_prefix must be topic levels without '+', '#' or empty levels, not {m.topic_prefix!r}")
    need(m.protocol in MQTT_PROTOCOLS, f"protocol must be \"5\" or \"3.1.1\", not {m.protocol!r}")
    need(len(m.client_id) <= 64 and all(c.isprintable() and not c.isspace() for c in m.client_id),
         "client_id must be up to 64 printable characters without spaces")
    need(not m.password or bool(m.username), "password needs a username")
    need(not (m.cert_file or m.key_file) or bool(m.cert_file and m.key_file),
         "cert_file and key_file go together")
    need(5 <= m.keepalive_s <= 65535, "keepalive_s must be between 5 and 65535")
    need(m.session_expiry_s >= 60, "session_expiry_s must be at least 60")
    need(1 <= m.reconnect_min_s <= m.reconnect_max_s, "need 1 <= reconnect_min_s <= reconnect_max_s")
    need(m.max_queued >= 100, "max_queued must be at least 100")
    need(m.route_window_s >= 0, "route_window_s cannot be negative")
    need(0 <= m.gather_s <= 5, "gather_s must be between 0 and 5")
    need(m.stats_interval_s >= 1, "stats_interval_s must be at least 1")


MQTT_PROTOCOLS = ("5", "3.1.1")
GATEWAY_ID_MAX = 32


@dataclass(frozen=True)
class MqttUrl:
    host: str
    port: int
    tls: bool


def parse_mqtt_url(text: str) -> MqttUrl:
    """``mqtt://HOST[:PORT]`` (1883) or ``mqtts://HOST[:PORT]`` (TLS, 8883); ConfigError otherwise.
    Credentials do not belong in a URL (a command line is visible to every user of the host)."""
    scheme, sep, rest = text.strip().partition("://")
    if not sep or scheme.lower() not in ("mqtt", "mqtts"):
        raise ConfigError(f"expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT], not {text!r}")
    tls = scheme.lower() == "mqtts"
    rest = rest.rstrip("/")
    if "@" in rest:
        raise ConfigError("put the username and password in [mqtt] of the config file, not in the URL")
    if "/" in rest or "?" in rest or "#" in rest:
        raise ConfigError(f"expected mqtt://HOST[:PORT] with no path, not {text!r}")
    if rest.startswith("["):  # [::1]:1883
        host, _, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ""
        if tail and not tail.startswith(":"):
            raise ConfigError(f"expected mqtt://HOST[:PORT], not {text!r}")
    else:
        host, _, port_text = rest.partition(":")
    if not host or any(c.isspace() for c in host):
        raise ConfigError(f"expected mqtt://HOST[:PORT], not {text!r}")
    port = 8883 if tls else 1883
    if port_text:
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"the port must be a number, not {port_text!r}") from None
        if not 1 <= port <= 65535:
            raise ConfigError(f"the port must be between 1 and 65535, not {port}")
    return MqttUrl(host, port, tls)


def valid_gateway_id(name: str) -> bool:
    return 1 <= len(name) <= GATEWAY_ID_MAX and all(c.isascii() and (c.isalnum() or c in "-_") for c in name)


def valid_topic_prefix(prefix: str) -> bool:
    levels = prefix.split("/")
    return bool(prefix) and len(prefix) <= 100 and all(
        level and "+" not in level and "#" not in level and level.isprintable()
        for level in levels
    )


def parse_host_port(text: str, what: str) -> tuple[str, int]:
    host, sep, port_text = text.strip().rpartition(":")
    if not sep:
        host, port_text = text.strip(), "4403"
    if not host or any(c.isspace() for c in host):
        raise ConfigError(f"{what}: expected HOST or HOST:PORT, not {text!r}")
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"{what}: port must be a number, not {port_text!r}") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"{what}: port must be between 1 and 65535, not {port}")
    return host, port


def _did_you_mean(word: str, choices: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _kind(t: type[Any]) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string",
            tuple: "a list", list: "a list"}.get(t, t.__name__)
