"""stackops.aws.clients: bounded timeouts and adaptive retries."""

from __future__ import annotations

from stackops.aws.clients import make_clients


def test_clients_retry_adaptively_with_bounded_timeouts() -> None:
    clients = make_clients("eu-west-1", "http://127.0.0.1:1")
    config = clients.cfn.meta.config
    assert config.retries["mode"] == "adaptive"
    assert config.connect_timeout <= 5 and config.read_timeout <= 5
    assert clients.cfn.meta.endpoint_url == "http://127.0.0.1:1"
    assert clients.region == "eu-west-1"
