"""The load drill's users (locust): residents browsing and paying through the Stripe sandbox, the desk logging parcels
and tickets, staff working their queues, open consoles polling their badges, and a load balancer's /healthz probe.

bench/load_drill.py builds the database, starts gunicorn and the sandbox, writes the accounts to the JSON file named
by LOAD_DRILL_CONFIG and runs this file headless; every request's exact time (locust's own statistics round them)
goes to the JSON file named by LOAD_DRILL_OUT when the run stops. Requests are named by route, ids left out.
"""

import itertools
import json
import os
import random
import re
from collections import defaultdict

from locust import HttpUser, between, constant, events, task

CONFIG = json.loads(open(os.environ["LOAD_DRILL_CONFIG"], encoding="utf-8").read())
_residents = itertools.cycle(CONFIG["residents"])
_numbers = itertools.count(1)
HTMX = {"HX-Request": "true"}

#: name -> [milliseconds], and name -> {error: count}, filled by the request hook.
_times = defaultdict(list)
_errors = defaultdict(lambda: defaultdict(int))
#: The routes are timed once every user has started: while they arrive, the server is busy checking 50 passwords.
_steady = {"on": False}


@events.spawning_complete.add_listener
def _all_started(**_kwargs):
    """Every user has signed in or is signing in: from now on the mix is steady."""
    _steady["on"] = True


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kwargs):
    """Keep every request's exact time (the sign-ins always, the rest once steady) and every failure."""
    if _steady["on"] or "login" in name:
        _times[name].append(response_time)
    if exception is not None:
        _errors[name][str(exception)[:160]] += 1


@events.test_stop.add_listener
def _dump(**_kwargs):
    """Write the times and failures for the drill to read."""
    with open(os.environ["LOAD_DRILL_OUT"], "w", encoding="utf-8") as out:
        json.dump({"times": _times, "errors": _errors}, out)


def token_of(html):
    """The CSRF token of a page's form."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return match.group(1) if match else ""


class Signed(HttpUser):
    """A person who signs in through the real login form of an area first."""

    abstract = True
    area = "staff"

    def account(self):
        """The username to sign in with."""
        raise NotImplementedError

    def on_start(self):
        """Sign in (the CSRF token from the login page)."""
        page = self.client.get(f"/{self.area}/login", name=f"/{self.area}/login").text
        with self.client.post(
            f"/{self.area}/login",
            data={"csrf_token": token_of(page), "login": self.account(), "password": CONFIG["password"], "next": ""},
            name=f"POST /{self.area}/login",
            catch_response=True,
        ) as response:
            if response.url.endswith("/login"):
                response.failure("login refused")

    def page(self, path, name=None, **kwargs):
        """GET a page; anything but 200 (after redirects) on our own host counts as a failure."""
        with self.client.get(path, name=name or path, catch_response=True, **kwargs) as response:
            if response.status_code == 200 and "/login" in response.url:
                response.failure("signed out")
            return response


class Resident(Signed):
    """A resident: home, bills, tickets, a bill now and then, and paying one through Checkout."""

    weight = 25
    area = "portal"
    wait_time = between(2, 6)

    def account(self):
        """Each resident user signs in as the next resident account."""
        return next(_residents)

    @task(5)
    def home(self):
        """The resident's home page."""
        self.page("/portal/")

    @task(4)
    def bills(self):
        """The bills page."""
        self.page("/portal/bills")

    @task(2)
    def tickets(self):
        """Their tickets."""
        self.page("/portal/tickets")

    @task(1)
    def pay(self):
        """Tick the first unpaid bill, open Checkout, pay by card in the sandbox, land on the payment page."""
        html = self.page("/portal/bills").text
        bills = re.findall(r'name="bill_ids" value="(\d+)"', html)
        if not bills:
            return
        opened = self.client.post(
            "/portal/bills/pay",
            data={"csrf_token": token_of(html), "bill_ids": bills[0]},
            name="POST /portal/bills/pay",
            allow_redirects=False,
        )
        checkout = opened.headers.get("Location", "")
        if opened.status_code != 303 or "/pay/" not in checkout:
            return  # a message on the bills page (already settling): the resident reads it
        session_id = checkout.rstrip("/").rsplit("/", 1)[-1]
        self.client.get(checkout, name="sandbox: Checkout page")
        with self.client.post(
            f"{CONFIG['sandbox']}/pay/{session_id}",
            data={"action": "pay", "method": "card"},
            name="sandbox: pay (webhook delivered) + /portal/payments/<id>",
            catch_response=True,
        ) as response:
            if "/portal/payments/" not in response.url:
                response.failure(f"did not come back to the payment page: {response.url}")


class Desk(Signed):
    """The front desk: parcels arriving (the intake form) and tickets from calls."""

    weight = 8
    wait_time = between(3, 8)

    def account(self):
        """The desk's account (several desk sessions at once)."""
        return CONFIG["desk"]

    @task(3)
    def parcel(self):
        """Log one parcel for a unit."""
        html = self.page("/staff/parcels/", name="/staff/parcels/").text
        carriers = re.findall(r'<option value="([^"]+)"', html.split('name="carrier"', 1)[-1].split("</select>", 1)[0])
        with self.client.post(
            "/staff/parcels/",
            data={
                "csrf_token": token_of(html),
                "tracking_number": f"LD{next(_numbers):010d}{random.randrange(100):02d}",
                "carrier": carriers[0] if carriers else "",
                "unit_label": random.choice(CONFIG["units"]),
                "shelf": "A1",
                "more": "",
            },
            name="POST /staff/parcels/",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "/staff/parcels/" not in response.url:
                response.failure(f"parcel not logged (HTTP {response.status_code})")

    @task(2)
    def ticket(self):
        """Record a repair from a phone call."""
        html = self.page("/staff/tickets/new").text
        with self.client.post(
            "/staff/tickets/new",
            data={
                "csrf_token": token_of(html),
                "kind": "repair",
                "channel": "phone",
                "category": "",
                "description": "卫生间漏水，楼下天花板有水渍",
                "unit_label": random.choice(CONFIG["units"]),
                "location": "",
                "contact_name": "",
                "contact_phone": "",
                "preferred_time": "",
                "priority": "normal",
                "severity": "",
                "service_item_id": "",
            },
            name="POST /staff/tickets/new + /staff/tickets/<id>",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not re.search(r"/staff/tickets/\d+$", response.url):
                response.failure(f"ticket not recorded (HTTP {response.status_code})")

    @task(1)
    def today(self):
        """The desk's today page."""
        self.page("/staff/")


class Staff(Signed):
    """Staff working their queues: the ticket queue, a ticket, the today page, and the waiting parcels for those whose
    role handles the counter (the others are refused it, rightly)."""

    weight = 10
    wait_time = between(3, 8)

    def account(self):
        """One of the staff accounts in turn."""
        self.username = random.choice(CONFIG["staff"])
        return self.username

    @task(4)
    def queue(self):
        """The ticket queue, and now and then one ticket of it."""
        html = self.page("/staff/tickets/").text
        ids = re.findall(r'href="/staff/tickets/(\d+)"', html)
        if ids and random.random() < 0.5:
            self.page(f"/staff/tickets/{random.choice(ids)}", name="/staff/tickets/<id>")

    @task(2)
    def today(self):
        """The today page of their role."""
        self.page("/staff/")

    @task(1)
    def parcels_waiting(self):
        """Parcels waiting for pick-up (the managers'; the others look at their queue instead)."""
        if self.username in CONFIG["counter_staff"]:
            self.page("/staff/parcels/waiting")
        else:
            self.queue()


class Badges(Signed):
    """An open console left alone: only its badge poll (the layout polls every 10 s; the drill's consoles poll
    faster so that fewer of them make the same load)."""

    weight = 5
    wait_time = constant(2)

    def account(self):
        """One of the staff accounts in turn."""
        return random.choice(CONFIG["staff"] + [CONFIG["desk"]])

    @task
    def poll(self):
        """The badges and the banner's live alarms."""
        self.page("/staff/alerts/counts", headers=HTMX)


class Probe(HttpUser):
    """The load balancer's health check: the baseline the routes are compared with."""

    fixed_count = 2
    wait_time = constant(0.5)

    @task
    def healthz(self):
        """/healthz."""
        self.client.get("/healthz", name="/healthz")
