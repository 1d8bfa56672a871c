"""Command-line tools: `flask demo load`, `flask create-staff`, `flask billing run | late-fees | remind`,
`flask counter notify | remind`, `flask backup create | list | restore`, `flask worker` (the task queue's
consumer, which runs the same work on schedule)."""

import os

import click
from flask import current_app
from flask.cli import AppGroup

from domain.accounts.models import Actor
from domain.accounts.roles import CompanyRole, Role
from domain.accounts.services import add_staff_account
from domain.demo import (
    BOTH_PROPERTIES_RESIDENT,
    COMPANY_STAFF,
    DEMO_RESIDENTS,
    DEMO_STAFF,
    GARDEN_NAME,
    GARDEN_STAFF,
    PROPERTY_NAME,
    load_demo,
)
from domain.errors import DomainError
from domain.movein.demo import DEMO_INVITATION_CODE, DEMO_INVITATION_UNIT
from extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the app.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has a property.")
def demo_load(if_empty):
    """Load the demo company (亿丰时代广场 and 亿丰花园) and its accounts (idempotent)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("Demo data is refused in production mode.")
    from sqlalchemy import select

    from domain.property.models import Property

    if if_empty and db.session.scalar(select(Property.id).limit(1)) is not None:
        click.echo("The database already has a property; demo data not loaded.")
    else:
        report = load_demo(current_app.config["DEMO_PASSWORD"], Actor.system("cli"), after_batch=db.session.commit)
        db.session.commit()
        loaded = [name for name, new in ((PROPERTY_NAME, report["property"]), (GARDEN_NAME, report["garden"])) if new]
        click.echo(f"Demo loaded: {', '.join(loaded)}." if loaded else "Demo properties already present.")
    print_logins()


def print_logins():
    """Print the demo accounts and where to sign in."""
    password = current_app.config["DEMO_PASSWORD"]
    click.echo("")
    click.echo(f"Demo logins (password: {password}, set DEMO_PASSWORD to change it)")
    click.echo(f"  Staff console  /staff/login : {PROPERTY_NAME}: " + ", ".join(u for u, _, _ in DEMO_STAFF))
    click.echo(f"                                {GARDEN_NAME}: " + ", ".join(u for u, _, _ in GARDEN_STAFF))
    both = [f"{u} ({plaza.value})" for u, _, plaza, garden, _c in COMPANY_STAFF if plaza and garden]
    click.echo("                                both: " + ", ".join(both))
    company = [f"{u} ({c.value})" for u, _, _p, _g, c in COMPANY_STAFF if c]
    click.echo("  Company pages  /company/     : " + ", ".join(company))
    username, _name, phone, *_units = BOTH_PROPERTIES_RESIDENT
    residents = [f"{u} (or phone {p})" for u, _, p, _ in DEMO_RESIDENTS]
    click.echo("  Resident portal /portal/login: " + ", ".join(residents))
    click.echo(f"                                {username} (or phone {phone}): a unit in each property")
    click.echo("  Lobby kiosk    /kiosk/ (shows a pairing code: enter it as manager under Kiosks)")
    click.echo(
        f"  Move-in invitation /portal/move-in/invitation: code {DEMO_INVITATION_CODE} "
        f"(the owner of {DEMO_INVITATION_UNIT} signs up with it)"
    )


@click.command("create-staff")
@click.argument("username")
@click.option("--name", required=True, help="The person's name as shown in the console.")
@click.option("--role", type=click.Choice([r.value for r in Role]), help="Their role in the property.")
@click.option("--property", "property_id", type=int, help="The property's id (default: the only one).")
@click.option(
    "--company-role",
    type=click.Choice([r.value for r in CompanyRole]),
    help="A role at the company: a new installation's administrator sets up the properties at /company/.",
)
@click.password_option()
def create_staff_command(username, name, role, property_id, company_role, password):
    """Create a staff account: a property's first manager, or the company's administrator of a new installation."""
    from sqlalchemy import select

    from domain.property.models import Property

    if role is not None and property_id is None:
        ids = db.session.scalars(select(Property.id).order_by(Property.id).limit(2)).all()
        if len(ids) != 1:
            raise click.ClickException(
                "Name the property with --property (its id)."
                if ids
                else "No property yet: create the company's administrator (--company-role admin), who sets one up."
            )
        property_id = ids[0]
    if property_id is not None and db.session.get(Property, property_id) is None:
        raise click.ClickException(f"No property has the id {property_id}.")
    try:
        add_staff_account(
            Actor.system("cli"),
            username=username,
            display_name=name,
            role=role,
            password=password,
            property_id=property_id,
            company_role=company_role,
        )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {username} ({', '.join(r for r in (role, company_role) if r)}).")


billing_cli = AppGroup("billing", help="Monthly billing, late fees and payment reminders (the worker runs them too).")


def _properties(property_id):
    """The properties a cron command works through, each with its name: the one named by --property, else every
    property of the installation (a company's portfolio is billed, charged and reminded property by property)."""
    from sqlalchemy import select

    from domain.property.models import Property

    statement = select(Property).order_by(Property.id)
    if property_id is not None:
        statement = statement.where(Property.id == property_id)
    found = db.session.scalars(statement).all()
    if property_id is not None and not found:
        raise click.ClickException(f"No property has the id {property_id}.")
    return found


def _each_property(property_id):
    """Run the body once per property, working for it (its time zone, its rows), naming it when there are several."""
    from domain.current_property import working_for

    properties = _properties(property_id)
    for prop in properties:
        with working_for(prop.id):
            yield prop, (f"{prop.name}: " if len(properties) > 1 else "")


#: The billing and counter commands' option: one property, or (without it) each in turn.
property_option = click.option("--property", "property_id", type=int, help="One property's id (default: each).")


def _period(value):
    """Parse --period (YYYY-MM) or stop with a message."""
    from domain.billing.schedule import parse_period

    try:
        return parse_period(value)
    except DomainError as error:
        raise click.BadParameter(str(error.message)) from None


@billing_cli.command("run")
@click.option("--period", required=True, help="The month to bill, YYYY-MM.")
@click.option(
    "--due", type=click.DateTime(formats=["%Y-%m-%d"]), help="Due date (default: BILL_DUE_DAYS after the 1st)."
)
@click.option("--preview", is_flag=True, help="Only show what would be billed.")
@property_option
def billing_run(period, due, preview, property_id):
    """Bill every unit for a month (idempotent: a rerun only bills units without a bill; each batch is committed)."""
    from datetime import timedelta

    from domain.billing import runs
    from domain.clock import today
    from domain.money import fen_to_decimal

    month = _period(period)
    due_date = due.date() if due else month + timedelta(days=current_app.config["BILL_DUE_DAYS"])
    for prop, name in _each_property(property_id):
        if preview:
            result = runs.preview_run(prop.id, month)
            click.echo(
                f"{name}{month:%Y-%m}: {result.bills} bills, ¥{fen_to_decimal(result.total_fen)}; "
                f"{result.already_billed} units already billed; "
                f"{result.missing_readings} units without a meter reading."
            )
            continue
        try:
            run = runs.run_billing(
                Actor.system("cli"),
                property_id=prop.id,
                period=month,
                due_date=due_date,
                today=today(),
                after_batch=db.session.commit,
            )
        except DomainError as error:
            raise click.ClickException(f"{name}{error.message}") from None
        db.session.commit()
        total = fen_to_decimal(run.total_fen)
        click.echo(f"{name}{month:%Y-%m}: {run.bill_count} bills, ¥{total}, due {run.due_date}.")


@billing_cli.command("late-fees")
@click.option("--post", is_flag=True, help="Post the fees (without it, only list them).")
@property_option
def billing_late_fees(post, property_id):
    """List, or post, today's late fees under the policy (bills with a payment under way are skipped)."""
    from domain.clock import today
    from domain.money import fen_to_decimal
    from domain.payments import collection

    for prop, name in _each_property(property_id):
        if not post:
            fees = collection.late_fees_due(prop.id, today())
            to_add = fen_to_decimal(sum(f.fee_fen - f.posted_fen for f in fees))
            click.echo(f"{name}{len(fees)} bills, ¥{to_add} to add.")
            continue
        count, added = collection.post_late_fees(Actor.system("cli"), property_id=prop.id, today=today())
        db.session.commit()
        click.echo(f"{name}Late fees posted on {count} bills, ¥{fen_to_decimal(added)} added.")


@billing_cli.command("remind")
@click.option("--due-soon", is_flag=True, help="Remind of bills falling due in the next 3 days instead of arrears.")
@property_option
def billing_remind(due_soon, property_id):
    """Remind the payers of every unit in arrears, or with --due-soon of bills due within 3 days (daily cron).

    Units reminded in the last 24 hours are skipped.
    """
    from domain.clock import today
    from domain.payments import collection

    for prop, name in _each_property(property_id):
        count = collection.send_reminders(
            Actor.system("cli"),
            property_id=prop.id,
            today=today(),
            property_name=prop.name,
            due_within_days=3 if due_soon else None,
        )
        db.session.commit()
        click.echo(f"{name}{count} reminders sent.")


counter_cli = AppGroup(
    "counter", help="The front-desk counter: parcel notices and reminders (the worker runs them too)."
)


@counter_cli.command("notify")
@property_option
def counter_notify(property_id):
    """Tell residents about parcels whose notice has not gone out yet (normally nothing to do)."""
    from domain.parcels import arrivals

    for _prop, name in _each_property(property_id):
        count = arrivals.notify_unsent()
        db.session.commit()
        click.echo(f"{name}{count} parcels notified.")


@counter_cli.command("remind")
@property_option
def counter_remind(property_id):
    """Remind residents of parcels waiting PARCEL_REMIND_DAYS or more and of overdue loans."""
    from domain.parcels import arrivals, lending

    for _prop, name in _each_property(property_id):
        waiting = arrivals.remind_waiting()
        loans = lending.remind_overdue()
        db.session.commit()
        click.echo(f"{name}Reminded of {waiting} waiting parcels and {loans} overdue loans.")


@click.command("worker")
@click.option("--workers", type=int, help="Worker threads (default: TASKS_WORKERS, 4).")
@click.option("--no-periodic", is_flag=True, help="Run queued tasks only, not the schedule (another worker runs it).")
def worker_command(workers, no_periodic):
    """Run the task queue's consumer: queued tasks (notices, e-mail, retries) and the schedule (billing on the 1st,
    late fees and reminders daily, each property at its local hour) until stopped (Ctrl+C or SIGTERM)."""
    import logging

    from domain.tasks import huey

    if huey.immediate:
        raise click.ClickException("TASKS_IMMEDIATE is set: tasks run where they are enqueued, no worker is needed.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    count = workers or current_app.config["TASKS_WORKERS"]
    backend = "Redis" if current_app.config.get("REDIS_URL") else "SQLite"
    click.echo(f"Task worker: {count} threads, {backend} queue{'' if no_periodic else ', schedule on'}.")
    consumer = huey.create_consumer(workers=count, periodic=not no_periodic, worker_type="thread")
    consumer.run()


backup_cli = AppGroup("backup", help="Backups of the database and the uploaded files (for cron), and restoring one.")


def _megabytes(size):
    """A size in MB for the operator."""
    return f"{size / 1_000_000:.1f} MB"


@backup_cli.command("create")
def backup_create():
    """Write a backup (database and uploaded files, one archive) into BACKUP_DIR; keep the newest BACKUP_KEEP.

    Safe while the app runs; schedule it (cron or a systemd timer) and copy BACKUP_DIR off the server.
    """
    from domain.backup import BackupError
    from domain.backup.services import create_backup

    try:
        written = create_backup()
    except BackupError as error:
        raise click.ClickException(str(error.message)) from None
    database = written.manifest["database"]
    click.echo(
        f"Backup written: {written.path} ({database['kind']} at {database['alembic_revision']}, "
        f"{written.manifest['file_count']} files, {_megabytes(os.path.getsize(written.path))}) "
        f"in {written.seconds:.1f} s."
    )
    if written.removed:
        click.echo(f"Removed {len(written.removed)} older backups (BACKUP_KEEP={current_app.config['BACKUP_KEEP']}).")


@backup_cli.command("list")
def backup_list():
    """List the backups kept in BACKUP_DIR, newest first."""
    from domain.backup.services import backup_dir, list_backups

    kept = list_backups()
    click.echo(f"{len(kept)} backups in {backup_dir()}" + (":" if kept else "."))
    for backup in kept:
        manifest = backup.manifest
        if manifest is None:
            click.echo(f"  {os.path.basename(backup.path)}  {_megabytes(backup.size)}  (unreadable manifest)")
            continue
        click.echo(
            f"  {os.path.basename(backup.path)}  {_megabytes(backup.size)}  {manifest['database']['kind']} at "
            f"{manifest['database'].get('alembic_revision')}, {manifest.get('file_count', 0)} files"
        )


@backup_cli.command("restore")
@click.argument("archive")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(archive, yes):
    """Replace the database and the uploaded files with a backup (a path, or a name in BACKUP_DIR).

    The archive is checked whole first (every checksum, the database kind); the database is left at the backup's
    migration: run `flask db upgrade` afterwards when the code is newer. Stop the web servers and workers first.
    """
    from domain.backup import BackupError
    from domain.backup.databases import target_description
    from domain.backup.services import find_backup, needs_upgrade, restore_staged, staged_backup
    from domain.files.store import upload_folder

    try:
        path = find_backup(archive)
        with staged_backup(path) as staged:
            manifest = staged.manifest
            click.echo(
                f"{os.path.basename(path)}: made {manifest['created_at']}, {staged.kind} at {staged.revision}, "
                f"{manifest.get('file_count', 0)} files; checksums match."
            )
            question = f"Replace the database ({target_description()})"
            if manifest.get("file_store", "directory") == "directory":
                question += f" and the files in {upload_folder()}"
            if not yes:
                click.confirm(question + " with this backup?", abort=True)
            restore_staged(staged)
    except BackupError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Restored {os.path.basename(path)}; the database stands at migration {staged.revision}.")
    if needs_upgrade(staged):
        click.echo("This code has newer migrations: run `flask db upgrade` to bring the database up to date.")


def register(app):
    """Add the commands to `app`'s CLI."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(billing_cli)
    app.cli.add_command(counter_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(worker_command)
