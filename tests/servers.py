"""A real daphne serving the site in a subprocess, for WebSocket and browser tests.

``run_daphne()`` is a context manager: it makes a temporary var dir, runs
``manage.py migrate`` and ``manage.py seed_demo`` there (subprocesses, with
``community.site.settings`` and the embedded defaults: SQLite, in-memory channel
layer, mails written to files), starts ``python -m daphne`` on a free port
and yields a ``DaphneServer``. Leaving the block stops daphne (its whole
process group) and removes the var dir.

Migrating takes ~10 s (Wagtail has many migrations), so a tier starts one
server per pytest session: ``shared_daphne()`` caches one per process (and
option set), stopped when the interpreter exits; session-scoped fixtures
return it. Tests sharing a server must not depend on each other's side
effects: create fresh users, or leave the seeded state as they found it.

``login_session()`` signs in over plain HTTP (the allauth form, with its
CSRF token) and returns the ``sessionid`` cookie, for WebSocket handshakes.
"""

import atexit
import contextlib
import email
import email.policy
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"
DEMO_PASSWORD = "demo-community-2026"
STARTUP_TIMEOUT = 30.0
SETUP_TIMEOUT = 300.0
# A mail written by Django's file backend ends with a line of 79 dashes.
MAIL_SEPARATOR = re.compile(rb"^-{79}\r?\n", re.MULTILINE)
LINUX_PR_SET_PDEATHSIG = 1


# Run by DaphneServer.create_member in the server's environment; ``{slugs}``
# are joined by invitation from a manager so that every join policy works.
MEMBER_SCRIPT = """
from allauth.account.models import EmailAddress
from community import actions
from community.models import Community, Membership, User
user = User.objects.create_user({username!r}, {address!r}, {password!r})
EmailAddress.objects.create(user=user, email={address!r}, verified=True, primary=True)
actions.update_profile(user, user, display_name={username!r}.title(), language={language!r})
for community in Community.objects.filter(slug__in={slugs!r}):
    manager = community.memberships.filter(role=Membership.Role.MANAGER).first().user
    actions.accept_invitation(user, actions.invite(manager, community, email={address!r}))
"""


class ServerError(RuntimeError):
    """The server could not be prepared or did not come up."""


@dataclass
class DaphneServer:
    port: int
    var_dir: Path
    process: subprocess.Popen
    log_path: Path
    host: str = "127.0.0.1"
    env: dict = field(default_factory=dict, repr=False)

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}/ws/"

    @property
    def origin(self):
        """The Origin header a page of this site sends (for WebSocket handshakes)."""
        return self.base_url

    @property
    def mail_dir(self):
        return self.var_dir / "mail"

    def url(self, path="/"):
        return urllib.parse.urljoin(self.base_url, path)

    def log(self):
        """What daphne wrote on stdout/stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def read_mails(self):
        """Every mail sent so far, oldest first, as ``email.message.EmailMessage``."""
        return read_mails(self.mail_dir)

    def wait_for_mail(self, to, *, timeout=10.0, subject_contains=None):
        """The newest mail addressed to ``to``; waits for it up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                message
                for message in self.read_mails()
                if to.lower() in str(message.get("To", "")).lower()
                and (subject_contains is None or subject_contains in str(message["Subject"]))
            ]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"No mail to {to} in {self.mail_dir} after {timeout} s.")
            time.sleep(0.1)

    def is_running(self):
        return self.process.poll() is None

    def create_member(self, username, *, language="en", communities=()):
        """Make a verified person on this server, member of ``communities``; return their email.

        For tests that change a person (their language, their memberships):
        each makes its own instead of changing a seeded one that others read.
        Goes through the same actions as ``seed_demo``, in the server's own
        database, from a ``manage.py shell`` of its environment.
        """
        address = f"{username}@example.org"
        code = MEMBER_SCRIPT.format(
            username=username,
            address=address,
            password=DEMO_PASSWORD,
            language=language,
            slugs=list(communities),
        )
        _manage(self.env, "shell", "--no-startup", "-c", code)
        return address


def read_mails(mail_dir):
    """Parse the files Django's file email backend wrote in ``mail_dir``, oldest first."""
    mail_dir = Path(mail_dir)
    if not mail_dir.is_dir():
        return []
    messages = []
    for path in sorted(mail_dir.iterdir(), key=lambda p: (p.stat().st_mtime_ns, p.name)):
        if not path.is_file():
            continue
        for chunk in MAIL_SEPARATOR.split(path.read_bytes()):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def mail_text(message):
    """The plain-text body of a mail (its text/plain part, else the first text part)."""
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def links_in(text, base_url=None):
    """The http(s) URLs in a text, those under ``base_url`` only if given."""
    links = re.findall(r"https?://[^\s<>\"']+", text)
    if base_url is not None:
        links = [link for link in links if link.startswith(base_url)]
    return links


# --- Starting and stopping ---------------------------------------------------


def server_env(var_dir, *, database_url=False, redis_url=False, extra=None):
    """The environment of the server and its setup commands.

    The caller's ``DJANGO_*`` variables are not inherited (the test process
    has its own, from tests.settings); ``extra`` adds or overrides any.

    ``DATABASE_URL`` and ``REDIS_URL`` are stripped (the embedded default)
    unless asked for: ``True`` passes the caller's value through, a string
    is used as is.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL"} and not key.startswith(("DJANGO_", "PYTEST_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "community.site.settings",
            "DJANGO_VAR_DIR": str(var_dir),
            # The journeys share seeded members across tests: per-member rate limits out
            # of their way, as tests.settings does (the limits have their own tests).
            "RATE_LIMITS": ";".join(
                f"{action}=100000/m" for action in ("post", "flag", "react", "endorse")
            ),
            "DJANGO_EMAIL_BACKEND": "file",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name, wanted in (("DATABASE_URL", database_url), ("REDIS_URL", redis_url)):
        if wanted is True:
            if not os.environ.get(name):
                raise ServerError(f"{name} was asked for but is not set.")
            env[name] = os.environ[name]
        elif wanted:
            env[name] = wanted
    env.update(extra or {})
    return env


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
    )
    if result.returncode != 0:
        raise ServerError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result.stdout


def prepare(env, *, seed=True):
    """Migrate the server's database and load the demo brand."""
    _manage(env, "migrate", "--noinput", "-v", "0")
    if seed:
        _manage(env, "seed_demo")


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """In the child: receive SIGTERM if the test process dies without cleaning up."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(LINUX_PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(env, port, log_path, host, daphne_args):
    log = open(log_path, "ab")  # noqa: SIM115 (the child owns it; closed below)
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                host,
                "-p",
                str(port),
                *daphne_args,
                "community.site.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, signalled as a whole
            preexec_fn=_die_with_parent,
        )
    finally:
        log.close()


def _wait_until_up(server, timeout):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if not server.is_running():
            raise ServerError(
                f"daphne exited with code {server.process.returncode} before answering:\n"
                f"{server.log()[-8000:]}"
            )
        try:
            with urllib.request.urlopen(server.url("/"), timeout=2) as response:
                response.read()
            return
        except urllib.error.HTTPError as error:
            # It answered: an error page is still an answer, but a broken site
            # is better reported now than by every test.
            raise ServerError(f"GET / answered {error.code}:\n{server.log()[-8000:]}") from error
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            last_error = error
            time.sleep(0.1)
    stop(server)
    raise ServerError(
        f"daphne did not answer on {server.base_url} within {timeout} s ({last_error}):\n"
        f"{server.log()[-8000:]}"
    )


def stop(server, timeout=10.0):
    """Terminate daphne and its process group: SIGTERM, then SIGKILL."""
    process = server.process
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    else:
        # The leader is gone; children it may have left still get the signal.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def start(
    var_dir,
    *,
    database_url=False,
    redis_url=False,
    extra_env=None,
    seed=True,
    host="127.0.0.1",
    daphne_args=(),
    startup_timeout=STARTUP_TIMEOUT,
):
    """Prepare ``var_dir`` and start daphne on it; the caller must ``stop()`` the server."""
    var_dir = Path(var_dir)
    env = server_env(var_dir, database_url=database_url, redis_url=redis_url, extra=extra_env)
    prepare(env, seed=seed)
    (var_dir / "mail").mkdir(parents=True, exist_ok=True)
    return _launch(env, var_dir, var_dir / "daphne.log", host, daphne_args, startup_timeout)


def _launch(env, var_dir, log_path, host, daphne_args, startup_timeout):
    for attempt in range(3):
        port = free_port(host)
        process = _spawn(env, port, log_path, host, daphne_args)
        server = DaphneServer(
            port=port, var_dir=var_dir, process=process, log_path=log_path, host=host, env=env
        )
        try:
            _wait_until_up(server, startup_timeout)
        except ServerError:
            stop(server)
            # Another process may have taken the port between the probe and
            # daphne's bind: try another one.
            if attempt < 2 and "Address already in use" in server.log():
                continue
            raise
        return server
    raise AssertionError("unreachable")


def start_another(server, *, name="daphne-b"):
    """A second daphne on the same var dir, database and environment (no setup).

    With a Redis ``REDIS_URL`` the two share the channel layer and the cache:
    a load-balanced deployment in miniature. The caller must ``stop()`` it.
    """
    log_path = server.var_dir / f"{name}.log"
    return _launch(server.env, server.var_dir, log_path, server.host, (), STARTUP_TIMEOUT)


@contextlib.contextmanager
def run_daphne(**options):
    """Run a migrated, seeded daphne in a fresh temporary var dir for the block.

    Options: ``database_url`` / ``redis_url`` (False: embedded default; True:
    pass the caller's environment variable through; or a URL), ``extra_env``,
    ``seed``, ``daphne_args``, ``startup_timeout``.
    """
    var_dir = Path(tempfile.mkdtemp(prefix="daphne-test-"))
    server = None
    try:
        server = start(var_dir, **options)
        yield server
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(var_dir, ignore_errors=True)


_shared = {}


def shared_daphne(**options):
    """One server per process and option set, started on first use, stopped at exit.

    For session-scoped fixtures: every tier (and every module of a tier) that
    asks with the same options gets the same server.
    """
    key = tuple(sorted((name, repr(value)) for name, value in options.items()))
    entry = _shared.get(key)
    if entry is not None and entry[1].is_running():
        return entry[1]
    if entry is not None:
        entry[0].__exit__(None, None, None)
    manager = run_daphne(**options)
    server = manager.__enter__()
    _shared[key] = (manager, server)
    return server


@atexit.register
def stop_shared():
    while _shared:
        _key, (manager, _server) = _shared.popitem()
        with contextlib.suppress(Exception):
            manager.__exit__(None, None, None)


# --- Plain HTTP client -------------------------------------------------------


class HttpClient:
    """A cookie-keeping HTTP client that posts forms the way a browser does (CSRF)."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name):
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie.value
        return None

    def request(self, method, path, data=None, headers=None, timeout=10):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode(errors="replace")

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, data, *, form_page=None):
        """POST ``data`` to ``path`` with the CSRF token, Origin and Referer of a real form.

        The token is read from ``form_page`` (GET first) or else from the
        csrftoken cookie (fetching ``path`` to get one if there is none yet).
        """
        token = None
        if form_page is not None or self.cookie("csrftoken") is None:
            _status, _url, html = self.get(form_page or path)
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            token = match[1] if match else None
        token = token or self.cookie("csrftoken")
        if token is None:
            raise AssertionError(f"No CSRF token from {form_page or path}.")
        referer = self.base_url + (form_page or path)
        return self.request(
            "POST",
            path,
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Origin": self.base_url, "Referer": referer},
        )

    def login(self, email_address, password=DEMO_PASSWORD):
        status, url, html = self.post_form(
            "/accounts/login/",
            {"login": email_address, "password": password},
            form_page="/accounts/login/",
        )
        sessionid = self.cookie("sessionid")
        if sessionid is None or "/accounts/login/" in urllib.parse.urlsplit(url).path:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', html, re.S)
            raise AssertionError(
                f"Could not sign in as {email_address}: {status} at {url}; errors: {errors}"
            )
        return sessionid

    def logout(self):
        return self.post_form("/accounts/logout/", {}, form_page="/")


def login_session(base_url, email_address, password=DEMO_PASSWORD):
    """Sign in through allauth's form over HTTP and return the ``sessionid`` cookie."""
    return HttpClient(base_url).login(email_address, password)
