"""``recouvre rates update``: the ECB main refinancing rate fetched from a local HTTP server standing in for the ECB
Data Portal (answers written in the shape of its ``csvdata`` format), and what is written — or that nothing is.
Then the scheduler's daily job: once a day, never on the first pass of a scheduler that has just started."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest

from recouvre.cli import main
from recouvre.core.interest import Claim, compute
from recouvre.legal.models import EcbRate, RatesUpdate
from recouvre.legal.selectors import rate_tables

pytestmark = pytest.mark.django_db

COLUMNS = (
    "KEY,FREQ,REF_AREA,CURRENCY,PROVIDER_FM,INSTRUMENT_FM,PROVIDER_FM_ID,DATA_TYPE_FM,TIME_PERIOD,OBS_VALUE,"
    "OBS_STATUS,OBS_CONF,TIME_FORMAT,DECIMALS,TITLE,TITLE_COMPL,UNIT,UNIT_MULT"
)
TITLE = (
    'Main refinancing operations - fixed rate tenders (fixed rate) (date of changes) - Level,"Main refinancing '
    "operations - fixed rate tenders (fixed rate) (date of changes) - Level, Euro area (changing composition), "
    'Daily - businessweek",PCPA,0'
)


def row(day: str, value: str) -> str:
    return f"FM.D.U2.EUR.4F.KR.MRR_FR.LEV,D,U2,EUR,4F,KR,MRR_FR,LEV,{day},{value},A,F,P1D,4,{TITLE}"


# the last changes before the shipped table's end, then (test figures, not official) a cut on 10 September 2026
WITH_A_CUT = "\r\n".join([COLUMNS, row("2025-04-23", "2.40"), row("2025-06-11", "2.15"), row("2026-09-10", "1.90")])
NO_NEW_OBSERVATION = "\r\n".join([COLUMNS, row("2025-04-23", "2.40"), row("2025-06-11", "2.15")])


class Answers:
    def __init__(self) -> None:
        self.status, self.body, self.paths = 200, "", []


@pytest.fixture
def ecb(settings) -> Iterator[Answers]:  # type: ignore[no-untyped-def]
    """A local HTTP server answering what the test says, at the URL of the ``RECOUVRE_ECB_URL`` setting."""
    answers = Answers()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            answers.paths.append(self.path)
            body = answers.body.encode("utf-8")
            self.send_response(answers.status)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.RECOUVRE_ECB_URL = f"http://127.0.0.1:{server.server_port}/service/data"
    try:
        yield answers
    finally:
        server.shutdown()
        server.server_close()


def update(capsys, *argv: str) -> tuple[int, dict, str]:  # type: ignore[no-untyped-def, type-arg]
    code = main(["rates", "update", "--json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_an_answer_with_a_change_settles_2026_h2_and_adds_the_change(ecb, capsys, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    ecb.body = WITH_A_CUT
    code, out, err = update(capsys)
    assert (code, err) == (0, "")
    assert ecb.paths == ["/service/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV?format=csvdata"]
    # the rate in force on 1 July 2026 (2.15, unchanged since 11 June 2025) settles 2026 H2; the cut is kept
    assert out == {
        "updated": True,
        "added": [{"effective_date": "2026-07-01", "rate": "2.15"}, {"effective_date": "2026-09-10", "rate": "1.90"}],
        "half_years": ["2026 H2"],
    }
    assert list(EcbRate.objects.values_list("effective_on", "rate", "source")) == [
        (date(2026, 7, 1), Decimal("2.1500"), "ECB Data Portal"),
        (date(2026, 9, 10), Decimal("1.9000"), "ECB Data Portal"),
    ]
    [done] = RatesUpdate.objects.all()
    assert done.half_years == ["2026 H2"] and len(done.added) == 2
    # 2026 H2 is now computed: 12 000 × 12.15 % × 160 / 365 = 639.1232... for 1 July to 7 December
    result = compute(Claim(Decimal("12000.00"), date(2026, 6, 30)), date(2026, 12, 7), rate_tables())
    assert result.complete and result.interest == Decimal("639.12")
    # running it again adds nothing, and says when it last succeeded
    code, out, _ = update(capsys)
    assert (code, out["added"], out["half_years"]) == (0, [], [])
    assert EcbRate.objects.count() == 2 and RatesUpdate.objects.count() == 2


def test_an_answer_with_no_new_observation_settles_the_half_year_at_the_rate_in_force(ecb, capsys, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    ecb.body = NO_NEW_OBSERVATION
    code, out, _ = update(capsys)
    assert (code, out["added"], out["half_years"]) == (
        0,
        [{"effective_date": "2026-07-01", "rate": "2.15"}],
        ["2026 H2"],
    )
    # nothing is copied forward beyond what has started: 2027 H1 stays unknown
    assert list(EcbRate.objects.values_list("effective_on", flat=True)) == [date(2026, 7, 1)]


def test_before_a_half_year_has_started_nothing_is_settled(ecb, capsys, time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    ecb.body = NO_NEW_OBSERVATION
    code, out, _ = update(capsys)
    assert (code, out["added"], out["half_years"]) == (0, [], [])
    assert not EcbRate.objects.exists()


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, "Internal Server Error", "the ECB server answered HTTP 500"),
        (200, "<html><body>Maintenance</body></html>", "the ECB answer has no TIME_PERIOD and OBS_VALUE columns"),
        (200, "\r\n".join([COLUMNS, row("2026-09-10", "n/a")]), "line 2 of the ECB answer: 'n/a' is not a rate"),
        (200, "", "the ECB answer is empty"),
    ],
)
def test_a_server_error_or_a_malformed_answer_writes_nothing(ecb, capsys, time_machine, status, body, reason):  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
    ecb.status, ecb.body = status, body
    code, out, err = update(capsys)
    assert code == 1
    assert out == {"updated": False, "error": reason}
    assert err.endswith(f"recouvre: ECB rates not updated, nothing was written: {reason}\n")
    assert not EcbRate.objects.exists() and not RatesUpdate.objects.exists()
    # one log line (the application's log goes to standard error)
    assert err.count("ECB rates update failed") == 1 and f"ECB rates update failed: {reason} (" in err


def test_the_scheduler_updates_the_rates_once_a_day_and_never_on_its_first_pass(ecb, settings, time_machine):  # type: ignore[no-untyped-def]
    from recouvre.collections import scheduler

    ecb.body = NO_NEW_OBSERVATION
    paris = ZoneInfo("Europe/Paris")
    run_at, window = scheduler.parse_clock("07:00", name="x"), scheduler.parse_window("08:00-19:00", name="x")
    time_machine.move_to(datetime(2026, 12, 7, 6, 30, tzinfo=paris), tick=False)
    assert scheduler.tick(run_at=run_at, window=window).rates is None  # before the run time
    time_machine.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=paris), tick=False)
    assert scheduler.tick(run_at=run_at, window=window, rates=False).rates is None  # a scheduler just started
    assert ecb.paths == []
    done = scheduler.tick(run_at=run_at, window=window).rates
    assert done == {
        "updated": True,
        "added": [{"effective_date": "2026-07-01", "rate": "2.15"}],
        "half_years": ["2026 H2"],
    }
    assert scheduler.tick(run_at=run_at, window=window).rates is None  # once a day
    assert len(ecb.paths) == 1
    # a failure is tried once that day, and again the next day
    ecb.status = 500
    time_machine.move_to(datetime(2026, 12, 8, 9, 0, tzinfo=paris), tick=False)
    assert scheduler.tick(run_at=run_at, window=window).rates == {
        "updated": False,
        "error": "the ECB server answered HTTP 500",
    }
    assert scheduler.tick(run_at=run_at, window=window).rates is None
    assert len(ecb.paths) == 2
