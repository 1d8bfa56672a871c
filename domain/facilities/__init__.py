"""Scheduled checks of the public facilities (1.2.14): the register, checklists, checks due and overdue."""
