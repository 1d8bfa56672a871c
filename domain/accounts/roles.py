"""Staff roles from the source's job descriptions, and what each may do.

The permission table is data: routes ask `can(role, permission)`, and the tests read the same table.
"""

import enum

from flask_babel import lazy_gettext as _l

from domain.errors import NotAllowed


class Role(str, enum.Enum):
    """A staff member's role (岗位)."""

    MANAGER = "manager"  # 客服部经理
    ASSISTANT = "assistant"  # 物业助理
    FRONTDESK = "frontdesk"  # 前台接待
    ENGINEERING = "engineering"  # 工程部
    SECURITY = "security"  # 安管部
    FINANCE = "finance"  # 财务部
    CLEANING = "cleaning"  # 保洁

    @property
    def label(self):
        """The role's name in the user's language."""
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.MANAGER: _l("Customer-service manager"),
    Role.ASSISTANT: _l("Property assistant"),
    Role.FRONTDESK: _l("Front desk"),
    Role.ENGINEERING: _l("Engineering"),
    Role.SECURITY: _l("Security"),
    Role.FINANCE: _l("Finance"),
    Role.CLEANING: _l("Cleaning"),
}


class CompanyRole(str, enum.Enum):
    """A role at the company, above its properties: it reads the company's figures, never a property's pages
    unless the person also holds a role (Role) in that property."""

    ADMIN = "admin"  # 公司管理员: sets up properties and their first manager
    GENERAL_MANAGER = "general_manager"  # 总经理: every property of the company
    AREA_MANAGER = "area_manager"  # 区域经理: the properties where they hold a role

    @property
    def label(self):
        """The role's name in the user's language."""
        return COMPANY_ROLE_LABELS[self]


COMPANY_ROLE_LABELS = {
    CompanyRole.ADMIN: _l("Company administrator"),
    CompanyRole.GENERAL_MANAGER: _l("General manager"),
    CompanyRole.AREA_MANAGER: _l("Area manager"),
}


class Permission(str, enum.Enum):
    """Something a staff member may do in the console."""

    MANAGE_STAFF = "manage_staff"
    VIEW_UNITS = "view_units"
    EDIT_REGISTER = "edit_register"
    VIEW_RESIDENTS = "view_residents"
    IMPORT_REGISTER = "import_register"
    PUBLISH_ANNOUNCEMENTS = "publish_announcements"
    VIEW_AUDIT = "view_audit"
    VIEW_BILLING = "view_billing"
    MANAGE_FEES = "manage_fees"
    RUN_BILLING = "run_billing"
    ENTER_READINGS = "enter_readings"
    RECORD_PAYMENTS = "record_payments"
    REFUND_PAYMENTS = "refund_payments"
    VIEW_COLLECTION = "view_collection"
    SEND_REMINDERS = "send_reminders"
    VIEW_TICKETS = "view_tickets"
    RECORD_TICKETS = "record_tickets"
    CALL_BACK = "call_back"
    HAND_OVER = "hand_over"
    VIEW_BOARD = "view_board"
    MANAGE_SERVICE = "manage_service"
    HANDLE_COUNTER = "handle_counter"
    MANAGE_LENDABLES = "manage_lendables"
    VIEW_RENOVATIONS = "view_renovations"
    CHECK_PERMITS = "check_permits"
    MANAGE_KIOSKS = "manage_kiosks"
    HANDLE_MOVE_IN = "handle_move_in"
    INSPECT_UNITS = "inspect_units"
    SUPERVISE_MOVE_IN = "supervise_move_in"
    VIEW_ARCHIVES = "view_archives"
    FILE_DOCUMENTS = "file_documents"
    LEND_FILES = "lend_files"
    MANAGE_ARCHIVES = "manage_archives"
    VIEW_AREAS = "view_areas"
    OWN_AREA = "own_area"
    MANAGE_AREAS = "manage_areas"
    WALK_PATROLS = "walk_patrols"
    VIEW_PATROLS = "view_patrols"
    MANAGE_PATROLS = "manage_patrols"
    VIEW_FACILITIES = "view_facilities"
    CHECK_FACILITIES = "check_facilities"
    MANAGE_FACILITIES = "manage_facilities"
    REPORT_INCIDENTS = "report_incidents"
    CLOSE_INCIDENTS = "close_incidents"
    RUN_INCIDENT_MODE = "run_incident_mode"
    ATTACH_INCIDENT_TICKETS = "attach_incident_tickets"
    VIEW_VACANT_UNITS = "view_vacant_units"
    REGISTER_VACANT_UNITS = "register_vacant_units"
    KEEP_VACANT_KEYS = "keep_vacant_keys"
    LEND_VACANT_KEYS = "lend_vacant_keys"
    CHECK_VACANT_UNITS = "check_vacant_units"
    MANAGE_VACANT_CHECKLIST = "manage_vacant_checklist"
    RECORD_VIOLATIONS = "record_violations"
    MANAGE_VIOLATIONS = "manage_violations"
    APPLY_OVERTIME = "apply_overtime"
    MANAGE_OVERTIME = "manage_overtime"
    VIEW_SURVEYS = "view_surveys"
    MANAGE_SURVEYS = "manage_surveys"
    CLOCK_IN = "clock_in"
    PLAN_ROTA = "plan_rota"
    VIEW_ATTENDANCE = "view_attendance"
    DECIDE_LEAVE = "decide_leave"
    VIEW_CALLBACK_RATES = "view_callback_rates"
    MANAGE_CALLBACKS = "manage_callbacks"
    MARK_VIP = "mark_vip"
    MANAGE_STANDARDS = "manage_standards"
    SEE_OWN_SPOT_CHECKS = "see_own_spot_checks"
    EVALUATE_STAFF = "evaluate_staff"
    SEE_OWN_EVALUATION = "see_own_evaluation"
    VIEW_MONTHLY_REPORT = "view_monthly_report"
    WRITE_MONTHLY_SUMMARY = "write_monthly_summary"
    MANAGE_PROPERTY = "manage_property"
    MANAGE_TASKS = "manage_tasks"


_ALL = frozenset(Role)
_REGISTER_KEEPERS = frozenset({Role.MANAGER, Role.ASSISTANT, Role.FRONTDESK})

#: Who may do what. Residents' personal data is confidential (SOP 3): only the desk, the
#: assistants, the manager and finance see residents; the departments see units only.
PERMISSIONS = {
    Permission.MANAGE_STAFF: frozenset({Role.MANAGER}),
    Permission.VIEW_UNITS: _ALL - {Role.CLEANING},
    Permission.EDIT_REGISTER: _REGISTER_KEEPERS,
    Permission.VIEW_RESIDENTS: _REGISTER_KEEPERS | {Role.FINANCE},
    Permission.IMPORT_REGISTER: _REGISTER_KEEPERS,
    Permission.PUBLISH_ANNOUNCEMENTS: _REGISTER_KEEPERS,
    Permission.VIEW_AUDIT: frozenset({Role.MANAGER}),
    # SOP 4: finance keeps the schedule and the books; the desk takes money; the assistant owns the
    # 90 % collection rate (1.2.12) and chases arrears with the manager (1.1.12).
    Permission.VIEW_BILLING: _REGISTER_KEEPERS | {Role.FINANCE},
    Permission.MANAGE_FEES: frozenset({Role.MANAGER, Role.FINANCE}),
    Permission.RUN_BILLING: frozenset({Role.MANAGER, Role.FINANCE}),
    Permission.ENTER_READINGS: frozenset({Role.MANAGER, Role.FINANCE, Role.ENGINEERING}),
    Permission.RECORD_PAYMENTS: frozenset({Role.FRONTDESK, Role.FINANCE}),
    Permission.REFUND_PAYMENTS: frozenset({Role.MANAGER, Role.FINANCE}),
    Permission.VIEW_COLLECTION: frozenset({Role.MANAGER, Role.ASSISTANT, Role.FINANCE}),
    Permission.SEND_REMINDERS: frozenset({Role.MANAGER, Role.ASSISTANT, Role.FINANCE}),
    # SOPs 5-7, 9, 10, 13: every department works its own queue; the desk records, forwards, calls
    # back and hands over; the manager watches the board and sets the service levels and catalogue.
    Permission.VIEW_TICKETS: _ALL,
    Permission.RECORD_TICKETS: _REGISTER_KEEPERS | {Role.SECURITY, Role.ENGINEERING, Role.CLEANING},
    Permission.CALL_BACK: _REGISTER_KEEPERS,
    Permission.HAND_OVER: _REGISTER_KEEPERS,
    Permission.VIEW_BOARD: frozenset({Role.MANAGER, Role.ASSISTANT}),
    Permission.MANAGE_SERVICE: frozenset({Role.MANAGER}),
    # SOPs 18 and 19: the counter is the front desk's, with the assistants and the manager standing in and
    # security covering the lobby at night; the desk and the manager keep the list of lendable items.
    Permission.HANDLE_COUNTER: _REGISTER_KEEPERS | {Role.SECURITY},
    Permission.MANAGE_LENDABLES: frozenset({Role.MANAGER, Role.FRONTDESK}),
    # SOP 12: the desk checks renovation applications, engineering reviews them, the manager decides, security
    # patrols the works and checks permits at the gate, finance returns the deposit; each step's own roles are in
    # domain/renovation/workflow.py.
    Permission.VIEW_RENOVATIONS: _REGISTER_KEEPERS | {Role.ENGINEERING, Role.SECURITY, Role.FINANCE},
    Permission.CHECK_PERMITS: frozenset({Role.SECURITY, Role.MANAGER}),
    # The lobby kiosks are enrolled and revoked by the manager.
    Permission.MANAGE_KIOSKS: frozenset({Role.MANAGER}),
    # SOP 2: the desk does every move-in paper (2.3.3), engineering and the assistant inspect the unit (2.4.3), the
    # manager oversees, spot-checks and keeps the templates (2.3.2); each step's own roles are in
    # domain/movein/workflow.py.
    Permission.HANDLE_MOVE_IN: _REGISTER_KEEPERS,
    Permission.INSPECT_UNITS: frozenset({Role.ENGINEERING, Role.ASSISTANT, Role.MANAGER}),
    Permission.SUPERVISE_MOVE_IN: frozenset({Role.MANAGER}),
    # SOP 3: the owner's file is confidential. The desk, the assistants and the manager keep it; engineering sees
    # only inspection records and finance only what concerns fees (each document type says which department may);
    # the manager approves loans of the paper file, edits the document types and reads who looked at what.
    Permission.VIEW_ARCHIVES: _REGISTER_KEEPERS | {Role.ENGINEERING, Role.FINANCE},
    Permission.FILE_DOCUMENTS: _REGISTER_KEEPERS,
    Permission.LEND_FILES: frozenset({Role.MANAGER}),
    Permission.MANAGE_ARCHIVES: frozenset({Role.MANAGER}),
    # 1.2.1-1.2.14: the manager gives each assistant an area and a deputy; the desk and the assistants read who looks
    # after which unit.
    Permission.VIEW_AREAS: _REGISTER_KEEPERS,
    Permission.OWN_AREA: frozenset({Role.ASSISTANT}),
    Permission.MANAGE_AREAS: frozenset({Role.MANAGER}),
    # SOP 15: the assistants patrol their areas daily and security patrols per shift; the manager keeps the routes
    # and labels; the desk reads the 巡视记录表 too. Which round is whose is checked in domain/patrols/workflow.py.
    Permission.WALK_PATROLS: frozenset({Role.ASSISTANT, Role.SECURITY, Role.MANAGER}),
    Permission.VIEW_PATROLS: _REGISTER_KEEPERS | {Role.SECURITY},
    Permission.MANAGE_PATROLS: frozenset({Role.MANAGER}),
    # 1.2.14: the facilities are checked by the role each one names (engineering, security, the assistants); the
    # manager and engineering keep the register (engineering holds the lift contract).
    Permission.VIEW_FACILITIES: _ALL - {Role.CLEANING, Role.FINANCE},
    Permission.CHECK_FACILITIES: frozenset({Role.ASSISTANT, Role.ENGINEERING, Role.SECURITY, Role.MANAGER}),
    Permission.MANAGE_FACILITIES: frozenset({Role.MANAGER, Role.ENGINEERING}),
    # SOP 14 (1.1.14, 1.3.6): anyone on staff reports an incident and adds what they did; the manager closes it with
    # cause and measures and runs the residents' notice; the desk attaches residents' tickets about it.
    Permission.REPORT_INCIDENTS: _ALL,
    Permission.CLOSE_INCIDENTS: frozenset({Role.MANAGER}),
    Permission.RUN_INCIDENT_MODE: frozenset({Role.MANAGER}),
    Permission.ATTACH_INCIDENT_TICKETS: _REGISTER_KEEPERS,
    # SOP 17: the desk keeps the vacant units' keys (registers them, hands them out and takes them back); an assistant
    # takes a key out for a check and records it; the assistants check their areas' vacant units (whose area is
    # checked in domain/vacant/workflow.py) and the manager edits the checklist.
    Permission.VIEW_VACANT_UNITS: _REGISTER_KEEPERS,
    Permission.REGISTER_VACANT_UNITS: _REGISTER_KEEPERS,
    Permission.KEEP_VACANT_KEYS: frozenset({Role.FRONTDESK, Role.MANAGER}),
    Permission.LEND_VACANT_KEYS: _REGISTER_KEEPERS,
    Permission.CHECK_VACANT_UNITS: frozenset({Role.ASSISTANT, Role.MANAGER}),
    Permission.MANAGE_VACANT_CHECKLIST: frozenset({Role.MANAGER}),
    # SOP 11: security, the assistants and the desk record violations and read them; the manager keeps the kinds, their
    # deadlines and notice templates, allows fines and reads the month's counts. Each step's own roles are in
    # domain/violations/workflow.py.
    Permission.RECORD_VIOLATIONS: _REGISTER_KEEPERS | {Role.SECURITY},
    Permission.MANAGE_VIOLATIONS: frozenset({Role.MANAGER}),
    # 工作时间管理制度 五: anyone on staff applies for overtime on the 加班申请表 before the work and sees their own;
    # the department's manager approves it, confirms the hours worked, keeps the holiday calendar and reads everyone's
    # monthly totals. Whose application is whose is checked in domain/overtime/workflow.py.
    Permission.APPLY_OVERTIME: _ALL,
    Permission.MANAGE_OVERTIME: frozenset({Role.MANAGER}),
    # 1.1.19: the manager plans and runs the opinion surveys (对客意见征询); 1.2.7: the assistants help run them and
    # read the results.
    Permission.VIEW_SURVEYS: frozenset({Role.MANAGER, Role.ASSISTANT}),
    Permission.MANAGE_SURVEYS: frozenset({Role.MANAGER}),
    # 工作时间管理制度: everyone on staff clocks in and out, reads their own record and asks for leave (the day before
    # the shift); the manager plans the rota, reads everyone's attendance and decides leave.
    Permission.CLOCK_IN: _ALL,
    Permission.PLAN_ROTA: frozenset({Role.MANAGER}),
    Permission.VIEW_ATTENDANCE: frozenset({Role.MANAGER}),
    Permission.DECIDE_LEAVE: frozenset({Role.MANAGER}),
    # SOP 13: the manager chooses which finished kinds get a callback, sets the target rate and the visit plans, and
    # sends what residents were unhappy about to the departments; the assistants read the rates of the work they call
    # back on; the manager and the assistants mark VIP residents (1.1.11).
    Permission.VIEW_CALLBACK_RATES: frozenset({Role.MANAGER, Role.ASSISTANT}),
    Permission.MANAGE_CALLBACKS: frozenset({Role.MANAGER}),
    Permission.MARK_VIP: frozenset({Role.MANAGER, Role.ASSISTANT}),
    # SOP 8: the manager keeps the service-standards checklist and spot-checks staff against it; everyone else reads
    # only their own spot-checks (checked again per person in domain/standards/services.py).
    Permission.MANAGE_STANDARDS: frozenset({Role.MANAGER}),
    Permission.SEE_OWN_SPOT_CHECKS: _ALL - {Role.MANAGER},
    # SOP 16, 1.1.5: the manager evaluates the staff, sets the weights and signs each month's scorecards; everyone else
    # reads only their own card (checked again per person in domain/evaluation/services.py).
    Permission.EVALUATE_STAFF: frozenset({Role.MANAGER}),
    Permission.SEE_OWN_EVALUATION: _ALL - {Role.MANAGER},
    # 规章 第七、八条: the manager reports to leadership every month and alone writes the month's summary; finance reads
    # the report (its collection and arrears figures are finance's own, and finance answers for them to leadership)
    # but does not write the manager's words. The report names major complaints and staff areas, so the desk, the
    # assistants and the departments keep to their own lists.
    Permission.VIEW_MONTHLY_REPORT: frozenset({Role.MANAGER, Role.FINANCE}),
    Permission.WRITE_MONTHLY_SUMMARY: frozenset({Role.MANAGER}),
    # The property's own settings (its name and desk, time zone, receipt prefix, Stripe account) are the manager's.
    Permission.MANAGE_PROPERTY: frozenset({Role.MANAGER}),
    # The property's background tasks that failed on every try (a notice, a mail, the billing run): the manager
    # reads them and retries one.
    Permission.MANAGE_TASKS: frozenset({Role.MANAGER}),
}


def can(role, permission):
    """Whether a staff member with `role` has `permission`."""
    if role is None:
        return False
    return Role(role) in PERMISSIONS[permission]


def require(actor, permission):
    """Raise NotAllowed unless `actor` has `permission`; the system actor (CLI) always has."""
    if actor.is_system:
        return
    if not can(actor.role, permission):
        raise NotAllowed()
