"""Renovation management (业主装修, SOP 12)."""
