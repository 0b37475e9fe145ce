"""``meshmush gateway``: bridge one radio to a world's server through an MQTT broker
(docs/gateways.md).

Loads the config (the same TOML file as ``serve``: ``[radio]``, ``[transport]``, ``[mqtt]``,
``[log]``), connects the radio (``--serial PORT`` or ``--tcp HOST[:PORT]``) and the broker
(``--mqtt URL``), and runs ``runtime.transport.gateway`` until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import FrameType

from runtime.transport.config import (
    ConfigError,
    ServeConfig,
    load_config,
    parse_host_port,
    parse_mqtt_url,
    valid_gateway_id,
)
from runtime.transport.gateway import Gateway
from runtime.transport.gateway_protocol import Heard
from runtime.transport.meshtastic_link import MeshtasticLink, RadioError, TextIn
from runtime.transport.mqtt_link import MqttError

from .serve import _fail as fail
from .serve import link_settings, log, radio_target, setup_logging

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _fail(message: str, code: int) -> int:
    return fail(message, code, "gateway")


def default_id() -> str:
    """This host's name, as a gateway id (letters, digits, ``-``, ``_``), or "" if nothing is left."""
    host = socket.gethostname().split(".")[0]
    return "".join(c for c in host if c.isascii() and (c.isalnum() or c in "-_"))[:32]


def resolve(args: argparse.Namespace) -> tuple[ServeConfig, str]:
    cfg = load_config(Path(args.config) if args.config else None)
    radio = cfg.radio
    if args.serial:
        radio = replace(radio, serial=args.serial, tcp="")
    if args.tcp:
        parse_host_port(args.tcp, "--tcp")
        radio = replace(radio, tcp=args.tcp, serial="")
    mqtt = cfg.mqtt
    if args.mqtt:
        try:
            parse_mqtt_url(args.mqtt)
        except ConfigError as exc:
            raise ConfigError(f"--mqtt: {exc}") from None
        mqtt = replace(mqtt, url=args.mqtt)
    gateway_id = args.id or mqtt.gateway_id or default_id()
    if args.id and not valid_gateway_id(args.id):
        raise ConfigError(f"--id must be 1 to 32 letters, digits, '-' or '_', not {args.id!r}")
    return replace(cfg, radio=radio, mqtt=mqtt), gateway_id


def run_gateway(args: argparse.Namespace) -> int:
    try:
        cfg, gateway_id = resolve(args)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if not cfg.radio.serial and not cfg.radio.tcp:
        return _fail("give the radio with --serial PORT or --tcp HOST[:PORT] (or [radio] in --config)", EXIT_USAGE)
    if not cfg.mqtt.url:
        return _fail("give the broker with --mqtt mqtt://HOST[:PORT] (or [mqtt] url in --config)", EXIT_USAGE)
    if not valid_gateway_id(gateway_id):
        return _fail("this host's name is no gateway id: give one with --id NAME", EXIT_USAGE)
    try:
        setup_logging(cfg)
    except OSError as exc:
        return _fail(f"cannot open the log file {cfg.log.file}: {exc.strerror or exc}", EXIT_ERROR)
    for w in cfg.warnings:
        log.warning("config: %s", w)
    target = radio_target(cfg)
    settings = link_settings(cfg)

    def make_radio(deliver: Callable[[Heard], None]) -> MeshtasticLink:
        def on_text(msg: TextIn) -> None:
            deliver(Heard(gateway_id, msg.sender, msg.packet_id, msg.text, int(time.time() * 1000), msg.direct,
                          msg.channel, msg.name, msg.snr, msg.hops, msg.pki_encrypted, msg.public_key, msg.node_key))

        link = MeshtasticLink(target, on_text, settings)
        link.connect()
        return link

    try:
        gateway = Gateway(cfg, gateway_id, parse_mqtt_url(cfg.mqtt.url), make_radio)
        gateway.start(cfg.radio.connect_timeout_s)
    except (RadioError, MqttError) as exc:
        return _fail(str(exc), EXIT_ERROR)

    def on_term(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signal.Signals(signum).name)
        gateway.request_stop()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    gateway.run()
    return EXIT_OK
