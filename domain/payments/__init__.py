"""Payments: Stripe Checkout and desk payments, receipts, refunds, webhook fulfilment."""
