"""The ``[mqtt]`` section and broker URLs: accepted forms, and mistakes explained."""

from __future__ import annotations

import pytest

from runtime.transport.config import ConfigError, MqttUrl, parse_config, parse_mqtt_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker.lan", MqttUrl("broker.lan", 1883, False)),
        ("mqtt://127.0.0.1:1884", MqttUrl("127.0.0.1", 1884, False)),
        ("mqtts://broker.lan", MqttUrl("broker.lan", 8883, True)),
        ("MQTTS://broker.lan:9999/", MqttUrl("broker.lan", 9999, True)),
        ("mqtt://[::1]:1883", MqttUrl("::1", 1883, False)),
    ],
)
def test_broker_urls(url: str, expected: MqttUrl) -> None:
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("broker.lan:1883", "expected mqtt://HOST[:PORT]"),
        ("http://broker.lan", "expected mqtt://HOST[:PORT]"),
        ("mqtt://", "expected mqtt://HOST[:PORT]"),
        ("mqtt://user:secret@broker.lan", "put the username and password in [mqtt] of the config file"),
        ("mqtt://broker.lan:port", "the port must be a number"),
        ("mqtt://broker.lan:0", "the port must be between 1 and 65535"),
        ("mqtt://broker.lan/topic", "no path"),
    ],
)
def test_bad_broker_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_mqtt_url(url)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"url": "tcp://x"}, "[mqtt] url: expected mqtt://"),
        ({"gateway_id": "hill a"}, "gateway_id must be 1 to 32 letters"),
        ({"topic_prefix": "mesh/+/x"}, "topic_prefix must be topic levels"),
        ({"topic_prefix": "mesh//x"}, "topic_prefix must be topic levels"),
        ({"protocol": "4"}, 'protocol must be "5" or "3.1.1"'),
        ({"password": "secret"}, "password needs a username"),
        ({"cert_file": "c.pem"}, "cert_file and key_file go together"),
        ({"keepalive_s": 1}, "keepalive_s must be between 5 and 65535"),
        ({"keepalive_s": 2.5}, "keepalive_s must be a whole number"),
        ({"reconnect_min_s": 10, "reconnect_max_s": 5}, "reconnect_min_s <= reconnect_max_s"),
        ({"route_window_s": -1}, "route_window_s cannot be negative"),
        ({"clinet_id": "x"}, "unknown key 'clinet_id' (did you mean 'client_id'?)"),
    ],
)
def test_mqtt_mistakes_are_explained(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"mqtt": values}, "gw.toml")
    assert message in str(err.value) and "gw.toml" in str(err.value)


def test_a_full_mqtt_section() -> None:
    cfg = parse_config({"mqtt": {"url": "mqtts://broker:8883", "username": "gw", "password": "pw", "ca_file": "ca.pem",
                                 "gateway_id": "hill-a_2", "protocol": "3.1.1", "topic_prefix": "town/mush"}})
    assert cfg.mqtt.gateway_id == "hill-a_2" and cfg.mqtt.protocol == "3.1.1"
