"""The owner's side of move-in: the invitation code, the registration form, the copies and the appointment."""
