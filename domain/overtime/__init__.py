"""Overtime (加班申请表) and the public-holiday calendar that rates it."""
