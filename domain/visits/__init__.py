"""Visits to residents planned ahead (走访计划, SOP 13): rules that recur per area, for everyone or for VIPs.
It reads the tickets' visits and the areas, and neither reads it."""
