"""The suite's network tripwire (tests/conftest.py): no test reaches Stripe's real API or any other host."""

import socket

import pytest

from domain.payments.providers import StripeProvider, get_provider
from tests.conftest import RealNetworkRefused


@pytest.fixture
def real_stripe(app, monkeypatch):
    """The suite's own config with live-looking Stripe keys: get_provider() builds the SDK client for api.stripe.com."""
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_tripwire")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_tripwire")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", None)
    monkeypatch.delitem(app.extensions, "payment_provider", raising=False)
    yield get_provider()
    app.extensions.pop("payment_provider", None)


def test_a_call_to_stripes_real_api_fails_the_test(real_stripe, network_tripwire):
    assert isinstance(real_stripe, StripeProvider) and real_stripe.name == "stripe"
    with pytest.raises(RealNetworkRefused, match="api.stripe.com"):
        real_stripe.retrieve_checkout("cs_test_tripwire")
    assert [url.split("/")[2] for url in network_tripwire.attempts] == ["api.stripe.com"]  # refused once, no retry
    network_tripwire.attempts.clear()  # expected here; left in place it fails the test at teardown


def test_a_socket_to_another_host_fails_the_test_and_one_to_this_machine_does_not(network_tripwire):
    with pytest.raises(RealNetworkRefused, match="192.0.2.1:443"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never routed
    assert network_tripwire.attempts == ["192.0.2.1:443"]
    network_tripwire.attempts.clear()

    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
    assert network_tripwire.attempts == []
