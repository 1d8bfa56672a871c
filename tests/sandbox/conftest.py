"""Fixtures for the Stripe sandbox tests: a sandbox on a random port, an SDK client, webhook receivers."""

import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.stripe_app import sandbox_client, start_sandbox


@pytest.fixture
def sandbox():
    """A sandbox that queues its webhooks (manual delivery), served on 127.0.0.1."""
    with start_sandbox(delivery="manual") as server:
        yield server


@pytest.fixture
def client(sandbox):
    """The real Stripe SDK pointed at the sandbox."""
    return sandbox_client(sandbox.url)


@pytest.fixture
def serve():
    """Serve any WSGI app on 127.0.0.1 at a random port; returns its base URL. Stopped after the test."""
    servers = []

    def start(wsgi_app):
        """Start serving wsgi_app in a daemon thread."""
        server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Receiver:
    """A webhook endpoint that records what it receives and answers with a chosen status."""

    def __init__(self):
        """Nothing received yet; answer 200."""
        self.received = []
        self.status = 200
        self.url = None

    def __call__(self, environ, start_response):
        """Record the raw body and headers of one POST."""
        incoming = Request(environ)
        self.received.append({"body": incoming.get_data(), "headers": dict(incoming.headers)})
        return Response("ok", status=self.status)(environ, start_response)


@pytest.fixture
def receiver(serve):
    """A recording webhook endpoint; its URL is receiver.url."""
    endpoint = Receiver()
    endpoint.url = serve(endpoint) + "/webhooks/stripe"
    return endpoint
