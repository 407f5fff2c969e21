"""A real IMAP server for the tests: Dovecot from the distribution (``dovecot-imapd``), started on a free loopback
port with its own configuration, state and maildir in a temporary folder, one user ``replies``/``secret``, no TLS
(loopback only), and stopped by its process id afterwards. Skipped with the reason when Dovecot is not installed,
unless ``RECOUVRE_REQUIRE_IMAP=1`` (CI) makes that a failure."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD = "replies", "secret"


@dataclass
class ImapServer:
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, raw: bytes) -> None:
        """Put one message in the inbox, unseen (as a mail server delivering it would)."""
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            client.login(USER, PASSWORD)
            status, data = client.append("INBOX", None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def unseen(self) -> int:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            client.login(USER, PASSWORD)
            client.select("INBOX")
            _status, data = client.uid("SEARCH", "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:  # Dovecot never reads mail as root: the maildir belongs to nobody
        mail_uid = mail_gid = 65534
        users = ""
    else:
        mail_uid, mail_gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(mail_uid).pw_name
        users = f"default_internal_user = {me}\ndefault_login_user = {me}\ndefault_internal_group = {me}\n"
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "mail", mail_uid, mail_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "passwd").chmod(0o644)  # read by Dovecot's authentication process
    return f"""protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if binary is None:
        reason = "Dovecot is not installed (apt-get install dovecot-imapd)"
        if os.environ.get("RECOUVRE_REQUIRE_IMAP") == "1":
            pytest.fail(f"RECOUVRE_REQUIRE_IMAP=1 but {reason}")
        pytest.skip(reason)
    # its own folder, readable by Dovecot's unprivileged processes (pytest's temporary folders are private)
    root = Path(tempfile.mkdtemp(prefix="recouvre-imap-"))
    root.chmod(0o755)
    for sub in ("run", "state"):
        (root / sub).mkdir()
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    conf.chmod(0o644)
    log_path = root / "dovecot.log"
    # in the foreground (-F): this process is the server, stopped by its id
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(5)
                log = log_path.read_text() if log_path.exists() else ""
                pytest.fail(f"Dovecot did not listen on {port}: {log[-2000:]}")
            time.sleep(0.05)
    try:
        yield ImapServer(port, root)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        shutil.rmtree(root, ignore_errors=True)
