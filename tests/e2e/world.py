"""A world of its own for a browser test: a public community, three people, threads.

Made in the server's own database through the actions (a ``manage.py shell`` of
its environment), with sessions for each person, so a test reads or changes
nothing another test uses. The ``world`` fixture (tests/e2e/conftest.py) runs it.
"""

import json
import subprocess
import sys

from playwright.sync_api import expect

from tests import servers

# Run in the server's own environment: people, a community and its threads, made
# through the actions; sessions for the people, as a sign-in would make them.
WORLD_SCRIPT = r"""
import json, os
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from community import actions as community_actions
from forums import actions

unique = os.environ["E2E_UNIQUE"]
User = get_user_model()
admin = User.objects.get(username="admin")
community = community_actions.create_community(
    admin, slug=f"t{unique}", name=f"Workshop {unique}", kind="ideas",
    visibility="public", join_policy="open",
)
people = {}
for key, name in (("member", "Mia Member"), ("other", "Omar Other"), ("manager", "Max Manager")):
    user = User.objects.create_user(f"{key}{unique}", f"{key}{unique}@example.org", "x-Pass-4821!")
    community_actions.update_profile(user, user, display_name=name, language="en")
    community_actions.join(user, community)
    people[key] = user
community_actions.set_role(admin, community, people["manager"], role="manager")
member, other, manager = people["member"], people["other"], people["manager"]

def thread(kind, title, body, reply=None):
    made = actions.create_thread(member, community, kind=kind, title=title, body=body)
    answer = actions.reply(other, made, body=reply) if reply else None
    return made, answer

talk, _ = thread("discussion", f"Chain wax {unique}", "Wax or oil?", "Wax, every 300 km.")
locked, _ = thread("discussion", f"Closed topic {unique}", "Old news.")
actions.set_locked(manager, locked, locked=True)
question, _ = thread("question", f"Brake squeal {unique}", "My brakes squeal in the rain.",
                     "Clean the rotors with alcohol.")
solved, answer = thread(
    "question", f"Saddle height {unique}", "How high should my saddle be?",
    "Set it so that your leg is almost straight at the bottom of the stroke: about "
    "109 % of your inseam, measured from the pedal axle to the top of the saddle. "
    "Then ride a week and adjust by a few millimetres at a time until your hips "
    "stop rocking.",
)
actions.reply(member, solved, body="Thanks, that did it.")
actions.accept_answer(member, solved, answer)
idea, _ = thread("idea", f"Rear radar {unique}", "A radar in the rear light.")

sessions = {}
for key, user in [*people.items(), ("admin", admin)]:
    client = Client()
    client.force_login(user)
    sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
print(json.dumps({
    "cookie": settings.SESSION_COOKIE_NAME,
    "sessions": sessions,
    "urls": {name: t.get_absolute_url() for name, t in (
        ("talk", talk), ("locked", locked), ("question", question), ("solved", solved),
        ("idea", idea))},
}))
"""


def make_world(daphne_server, unique):
    """This test's own community, people (member, other, manager) and threads; sessions
    for them and for the seeded staff account ("admin")."""
    result = subprocess.run(
        [sys.executable, str(servers.MANAGE), "shell", "-c", WORLD_SCRIPT],
        cwd=servers.ROOT,
        env={**daphne_server.env, "E2E_UNIQUE": unique},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def person(new_context, daphne_server, world, key, **options):
    """A page signed in as ``key`` of the world (its own browser context)."""
    context = new_context(**options)
    context.add_cookies(
        [
            {
                "name": world["cookie"],
                "value": world["sessions"][key],
                "url": daphne_server.base_url,
            }
        ]
    )
    return context.new_page()


def open_live(page, url):
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
