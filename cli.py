"""Command-line tools: `flask demo load`, `flask create-staff`."""

import click
from flask import current_app
from flask.cli import AppGroup

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.accounts.services import create_staff
from domain.demo import DEMO_RESIDENTS, DEMO_STAFF, load_demo
from domain.errors import DomainError
from extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the app.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has a property.")
def demo_load(if_empty):
    """Load the demo property 亿丰时代广场 and one account per role (idempotent)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("Demo data is refused in production mode.")
    from sqlalchemy import select

    from domain.property.models import Property

    if if_empty and db.session.scalar(select(Property.id).limit(1)) is not None:
        click.echo("The database already has a property; demo data not loaded.")
    else:
        report = load_demo(current_app.config["DEMO_PASSWORD"], Actor.system("cli"), after_batch=db.session.commit)
        db.session.commit()
        click.echo("Demo property loaded." if report["property"] else "Demo property already present.")
    print_logins()


def print_logins():
    """Print the demo accounts and where to sign in."""
    password = current_app.config["DEMO_PASSWORD"]
    click.echo("")
    click.echo("Demo logins (password: %s, set DEMO_PASSWORD to change it)" % password)
    click.echo("  Staff console  /staff/login : " + ", ".join(u for u, _, _ in DEMO_STAFF))
    click.echo("  Resident portal /portal/login: " + ", ".join(f"{u} (or phone {p})" for u, _, p, _ in DEMO_RESIDENTS))
    click.echo("  Lobby kiosk    /kiosk/")


@click.command("create-staff")
@click.argument("username")
@click.option("--name", required=True, help="The person's name as shown in the console.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option()
def create_staff_command(username, name, role, password):
    """Create a staff account (the first manager of a new installation)."""
    try:
        create_staff(Actor.system("cli"), username=username, display_name=name, role=role, password=password)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {username} ({role}).")


def register(app):
    """Add the commands to `app`'s CLI."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(create_staff_command)
