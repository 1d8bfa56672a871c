"""Patrol rounds (巡视, SOP 15): routes of checkpoints with printed QR labels, rounds walked on a phone, findings
that become tickets, and the 巡视记录表."""
