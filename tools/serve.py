"""``meshmush serve``: run a world on a Meshtastic radio (docs/transport.md).

Loads the config (TOML, validated), the world (a directory compiled in memory, or an image)
and the database (migrations, lock), connects to the radio (``--serial PORT`` or
``--tcp HOST[:PORT]``, flags override the config file) — or to the gateways' broker
(``--mqtt URL``, docs/gateways.md) — and runs ``runtime.transport.server`` until SIGTERM/SIGINT.
SIGHUP reloads the world from the same path.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

from runtime.engine.admission import AdmissionConfig
from runtime.engine.engine import Engine, EngineConfig, EngineError
from runtime.image import model
from runtime.image.codec import ImageError, ImageInfo
from runtime.image.model import BuilderLimits
from runtime.play import freeze_startup_objects
from runtime.store.backup import BackupError, BackupStore, default_folder
from runtime.store.db import Database, StoreError
from runtime.store.files import open_private, private_umask
from runtime.transport.config import ConfigError, ServeConfig, load_config, parse_host_port, parse_mqtt_url
from runtime.transport.housekeeping import Housekeeper, Retention, standard_tasks
from runtime.transport.meshtastic_link import LinkSettings, MeshtasticLink, RadioError, RadioTarget, TextIn
from runtime.transport.mqtt_link import MqttError
from runtime.transport.server import Link, Server, TextCommand

from .logroute import real_stderr, route_everything

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("meshmush")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        metrics = getattr(record, "metrics", None)
        if isinstance(metrics, dict):
            entry["metrics"] = metrics
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(cfg: ServeConfig) -> None:
    root = logging.getLogger("meshmush")
    for h in list(root.handlers):
        root.removeHandler(h)
    handler: logging.Handler
    if cfg.log.file:  # private (0600), appended to, never through a symbolic link
        private_umask()
        fd = open_private(Path(cfg.log.file), os.O_WRONLY | os.O_APPEND | os.O_CREAT, "log file")
        handler = logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8"))
    else:
        handler = logging.StreamHandler(real_stderr())
    if cfg.log.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(cfg.log.level.upper())
    root.propagate = False
    route_everything(handler)  # the radio library's records, stray prints, dying threads


def _fail(message: str, code: int, command: str = "serve") -> int:
    """The one line that says why serve (or ``command``) stops: in the log once it is set up (in
    its format, so JSON on stderr stays JSON), and on the terminal unless the log already goes there."""
    routed = real_stderr() is not sys.stderr
    if routed:
        log.critical("%s", message)
    to_stderr = any(getattr(h, "stream", None) is real_stderr() for h in logging.getLogger("meshmush").handlers)
    if not (routed and to_stderr):
        print(f"meshmush {command}: {message}", file=real_stderr())
    return code


def resolve_config(args: argparse.Namespace) -> ServeConfig:
    cfg = load_config(Path(args.config) if args.config else None)
    radio = cfg.radio
    if args.serial:
        radio = replace(radio, serial=args.serial, tcp="")
    if args.tcp:
        parse_host_port(args.tcp, "--tcp")
        radio = replace(radio, tcp=args.tcp, serial="")
    cfg = replace(cfg, radio=radio)
    if getattr(args, "mqtt", None):  # gateways over MQTT instead of a radio
        try:
            parse_mqtt_url(args.mqtt)
        except ConfigError as exc:
            raise ConfigError(f"--mqtt: {exc}") from None
        cfg = replace(cfg, radio=replace(cfg.radio, serial="", tcp=""), mqtt=replace(cfg.mqtt, url=args.mqtt))
    elif args.serial or args.tcp:
        cfg = replace(cfg, mqtt=replace(cfg.mqtt, url=""))
    if args.db:
        cfg = replace(cfg, database=replace(cfg.database, path=args.db))
    return cfg


def radio_target(cfg: ServeConfig) -> RadioTarget:
    if cfg.radio.serial:
        return RadioTarget("serial", cfg.radio.serial)
    host, port = parse_host_port(cfg.radio.tcp, "--tcp")
    return RadioTarget("tcp", host, port)


def link_settings(cfg: ServeConfig) -> LinkSettings:
    r = cfg.radio
    return LinkSettings(
        connect_timeout_s=r.connect_timeout_s,
        confirm_timeout_s=r.confirm_timeout_s,
        confirm_sends=r.confirm_sends,
        want_ack=r.want_ack,
        reconnect_min_s=r.reconnect_min_s,
        reconnect_max_s=r.reconnect_max_s,
    )


def clone_limits(cfg: ServeConfig) -> BuilderLimits | None:
    """The config's ``[builder]`` limits, over the world's (None: the world's own)."""
    b = cfg.builder
    if b.clones_per_player < 0 and b.clones_total < 0:
        return None
    return BuilderLimits(b.clones_per_player, b.clones_total)  # -1: the world's, whichever image runs


def run_serve(args: argparse.Namespace, load: Callable[[str], tuple[model.World, ImageInfo]]) -> int:
    try:
        cfg = resolve_config(args)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    mqtt = bool(cfg.mqtt.url)
    if mqtt and (cfg.radio.serial or cfg.radio.tcp):
        return _fail("the config gives both a radio and [mqtt] url: choose with --serial, --tcp or --mqtt", EXIT_USAGE)
    if not mqtt and not cfg.radio.serial and not cfg.radio.tcp:
        return _fail("give the radio with --serial PORT or --tcp HOST[:PORT], or the gateways' broker with "
                     "--mqtt URL (or [radio] or [mqtt] in --config)", EXIT_USAGE)
    try:
        setup_logging(cfg)
    except OSError as exc:
        return _fail(f"cannot open the log file {cfg.log.file}: {exc.strerror or exc}", EXIT_ERROR)
    for w in cfg.warnings:
        log.warning("config: %s", w)
    try:
        world, info = load(args.world)
    except ImageError as exc:
        return _fail(str(exc), EXIT_ERROR)
    try:
        db = Database.open(Path(cfg.database.path))
    except StoreError as exc:
        return _fail(str(exc), EXIT_ERROR)
    backup_dir = Path(cfg.backup.dir) if cfg.backup.dir else default_folder(Path(cfg.database.path))
    try:
        BackupStore(backup_dir).ensure()
    except BackupError as exc:
        db.close()
        return _fail(str(exc), EXIT_ERROR)
    adm = cfg.admission
    engine_cfg = EngineConfig(
        frame_bytes=cfg.transport.frame_bytes,
        page_frames=cfg.transport.page_frames,
        session_timeout_ms=int(cfg.engine.session_timeout_min * 60_000),
        sysops=cfg.staff.sysop,
        verify_keys=True,  # on air, staff rights need a PKI DM from the node's known key
        backup_dir=backup_dir,
        established_after_ms=int(adm.established_after_min * 60_000),
        admission=AdmissionConfig(adm.new_per_minute, adm.new_burst, adm.max_newcomers),
        stray_after_ms=int(adm.forget_strays_after_days * 86_400_000),
        clone_limits=clone_limits(cfg),
    )
    try:
        engine = Engine(world, db, info.content_hash, config=engine_cfg)
    except (EngineError, StoreError) as exc:
        db.close()
        return _fail(str(exc), EXIT_ERROR)

    settings = link_settings(cfg)
    target = radio_target(cfg) if not mqtt else None

    def make_radio(deliver: Callable[[TextCommand], None]) -> MeshtasticLink:
        def on_text(msg: TextIn) -> None:
            deliver(TextCommand(msg.sender, msg.packet_id, msg.text, msg.direct, msg.name,
                                msg.pki_encrypted, msg.public_key, msg.node_key))

        assert target is not None
        link = MeshtasticLink(target, on_text, settings)
        link.connect()
        return link

    def reload() -> tuple[model.World, str]:
        new_world, new_info = load(args.world)
        return new_world, new_info.content_hash

    def make_gateways(server: Server) -> Link:
        from runtime.transport.mqtt_server import MqttServerLink

        return MqttServerLink(server, cfg, parse_mqtt_url(cfg.mqtt.url), connect_timeout_s=cfg.radio.connect_timeout_s)

    rt = cfg.retention
    tasks = standard_tasks(engine, BackupStore(backup_dir), tick_s=cfg.engine.tick_s,
                           retention=Retention(rt.journal_days, rt.events_days, rt.ledger_days),
                           metrics_s=cfg.metrics.interval_s)
    try:
        if mqtt:
            server = Server(engine, None, cfg, reload=reload, housekeeping=Housekeeper(tasks),
                            link_factory=make_gateways)
        else:
            server = Server(engine, make_radio, cfg, reload=reload, housekeeping=Housekeeper(tasks))
    except (RadioError, MqttError) as exc:
        engine.close()
        return _fail(str(exc), EXIT_ERROR)
    engine.ops.transport = server.transport_figures

    def on_term(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        server.request_stop()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        log.info("SIGHUP: reloading %s", args.world)
        server.request_reload()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, on_hup)
    log.info("serving world '%s' (image %s) on the %s; database %s", world.id, info.content_hash[:16],
             target.describe() if target is not None else f"gateways of {cfg.mqtt.url}", cfg.database.path)
    freeze_startup_objects()
    started = time.monotonic()
    code = server.run()
    log.info("uptime %.0f s", time.monotonic() - started)
    if db.failure is not None and code == EXIT_OK:  # surfaced while closing (the checkpoint)
        log.critical("the database failed: %s", db.failure)
        code = EXIT_ERROR
    return code
