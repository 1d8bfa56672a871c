"""Messages to people: e-mail queued during a request and sent only after its commit."""
