"""Lobby kiosks: enrolment by pairing code, the device credential, and its check on every kiosk request."""
