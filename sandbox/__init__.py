"""A local stand-in for Stripe, used by the tests and the demo."""
