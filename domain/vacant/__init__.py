"""Vacant units (空置房, SOP 17): the register of vacant units, the keys the office keeps, and scheduled checks."""
