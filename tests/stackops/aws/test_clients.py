"""stackops.aws.clients: bounded timeouts and adaptive retries."""

from __future__ import annotations

from typing import Any

from stackops.aws.clients import LazyClient, make_clients


def test_clients_retry_adaptively_with_bounded_timeouts() -> None:
    clients = make_clients("eu-west-1", "http://127.0.0.1:1")
    config = clients.cfn.meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout <= 5 and config.read_timeout <= 5
    assert clients.cfn.meta.endpoint_url == "http://127.0.0.1:1"
    assert clients.region == "eu-west-1"


def test_the_rds_client_is_made_on_first_use_with_the_same_settings() -> None:
    made: list[str] = []
    clients = make_clients("eu-west-1", "http://127.0.0.1:1")
    assert isinstance(clients.rds, LazyClient)

    def make() -> Any:
        made.append("rds")
        return clients.cfn

    lazy = LazyClient(make)
    assert made == []  # nothing is made until an attribute is read
    assert lazy.meta is clients.cfn.meta and lazy.meta is clients.cfn.meta
    assert made == ["rds"]  # and only once
    rds = clients.rds
    assert rds.meta.endpoint_url == "http://127.0.0.1:1"
    assert rds.meta.region_name == "eu-west-1"
    assert rds.meta.config.retries["mode"] == "adaptive"
    assert rds.meta.service_model.service_name == "rds"
