"""Fees and bills: the fee schedule, billing runs, collection and arrears (SOP 4)."""
