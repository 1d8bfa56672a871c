"""Staff evaluation (客服部员工考评, SOP 16): monthly scorecards from measured figures, the manager's weights per role,
the manager's own items and comments, and sign-off that freezes a card."""
