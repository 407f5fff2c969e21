"""What a new user sees first: the pages' icon, and a quiet console when Recouvre serves."""

from __future__ import annotations

import pytest

from recouvre.serve import serve

pytestmark = pytest.mark.django_db


def test_every_page_names_the_icon_and_favicon_ico_leads_to_it(client) -> None:  # type: ignore[no-untyped-def]
    login = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/web/favicon.svg"' in login
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/web/favicon.svg"
    icon = client.get("/static/web/favicon.svg")
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content).startswith(b"<svg")


def test_serve_starts_gunicorn_quietly_unless_asked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    started: list[list[str]] = []

    class Child:
        def __init__(self, name, command, env, restartable):  # type: ignore[no-untyped-def]
            started.append(command)
            self.name, self.proc = name, None

        def start(self) -> None:
            raise KeyboardInterrupt  # stop at once: only the command line is looked at

    monkeypatch.setattr("recouvre.serve.Child", Child)
    for access_log in (False, True):
        started.clear()
        with pytest.raises(KeyboardInterrupt):
            serve(host="127.0.0.1", port=8999, worker=False, scheduler=False, access_log=access_log)
        (web,) = started
        assert web[web.index("--log-level") + 1] == "warning"
        assert "--no-control-socket" in web
        assert ("--access-logfile" in web) is access_log
