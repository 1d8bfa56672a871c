"""What the console calls a ticket's kind, channel, department, priority, severity and category, in the user's
language: one home for the ticket pages, the board, patrols, incidents and surveys."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "repair": _l("Repair"),
    "complaint": _l("Complaint"),
    "help": _l("Help request"),
    "inquiry": _l("Inquiry"),
    "service": _l("Service request"),
    "suggestion": _l("Suggestion"),
    "praise": _l("Praise"),
}
CHANNEL_LABELS = {
    "portal": _l("Portal"),
    "kiosk": _l("Kiosk"),
    "phone": _l("Phone"),
    "visit": _l("Visit"),
    "patrol": _l("Patrol"),
}
DEPARTMENT_LABELS = {
    "customer_service": _l("Customer service"),
    "engineering": _l("Engineering"),
    "security": _l("Security"),
    "cleaning": _l("Cleaning"),
    "finance": _l("Finance"),
}
PRIORITY_LABELS = {"normal": _l("Normal"), "urgent": _l("Urgent")}
SEVERITY_LABELS = {"minor": _l("Minor"), "serious": _l("Serious"), "major": _l("Major")}
CATEGORY_LABELS = {
    "water": _l("Water"),
    "electricity": _l("Electricity"),
    "doors_locks": _l("Doors and locks"),
    "elevator": _l("Elevator"),
    "public_area": _l("Public area"),
    "gas_heating": _l("Gas and heating"),
    "service": _l("Service"),
    "noise": _l("Noise"),
    "environment": _l("Environment"),
    "security": _l("Security"),
    "charges": _l("Charges"),
    "neighbour": _l("Neighbours"),
    "other": _l("Other"),
}
