"""Tests of the local Stripe sandbox, driven through the real Stripe SDK."""
