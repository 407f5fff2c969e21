"""Fuzzing the bank file readers: arbitrary bytes, and valid files of every format with bytes changed, inserted
or cut, give a parsed file or a ``BankFileError``, never another exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.core.bank import BankFileError, ParsedFile, entry_keys, parse
from recouvre.core.tests.test_bank_camt import NOTIFICATION, V2_STATEMENT, V8_STATEMENT, document
from recouvre.core.tests.test_bank_cfonb import STATEMENT, cfonb
from recouvre.core.tests.test_bank_csv import FRENCH
from recouvre.core.tests.test_bank_mt940 import ENVELOPED, GERMAN
from recouvre.core.tests.test_bank_ofx import SGML, XML

VALID: list[bytes] = [
    cfonb(*STATEMENT),
    "".join(STATEMENT).encode(),
    ENVELOPED.encode(),
    GERMAN.encode(),
    SGML.encode("cp1252"),
    XML.encode(),
    document("02", V2_STATEMENT),
    document("08", V8_STATEMENT),
    document("04", NOTIFICATION, message="BkToCstmrDbtCdtNtfctn", kind="054"),
    FRENCH.encode("cp1252"),
]
MAPPING = {"columns": {}, "account": "FR7630003012340123456789057"}
PROBE = settings(max_examples=200, deadline=None, derandomize=True)


def read(content: bytes) -> None:
    """Parse; a refusal is a ``BankFileError`` with a line and a message, a success can be keyed."""
    try:
        parsed = parse(content, default_currency="EUR", csv_mapping=MAPPING)
    except BankFileError as refused:
        assert refused.line >= 0 and refused.message
        return
    assert isinstance(parsed, ParsedFile)
    for statement in parsed.statements:
        assert len(entry_keys(statement)) == len(statement.entries)
    parsed.totals()


@PROBE
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(content: bytes) -> None:
    read(content)


@PROBE
@given(
    st.sampled_from(range(len(VALID))),
    st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True),
            st.sampled_from(["set", "insert", "delete", "cut"]),
            st.binary(min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_valid_files_with_bytes_changed(index: int, mutations: list[tuple[float, str, bytes]]) -> None:
    content = bytearray(VALID[index])
    for where, how, data in mutations:
        at = int(where * len(content)) if content else 0
        if how == "set":
            content[at : at + len(data)] = data
        elif how == "insert":
            content[at:at] = data
        elif how == "delete":
            del content[at : at + len(data) * 4]
        else:
            del content[at:]
    read(bytes(content))


@PROBE
@given(
    st.sampled_from(range(len(VALID))),
    st.text(alphabet="<>/&;:{}?-0123456789CDRIMNOX \n\r\t'\"", max_size=40),
    st.floats(0, 1),
)
def test_valid_files_with_markup_inserted(index: int, text: str, where: float) -> None:
    content = VALID[index]
    at = int(where * len(content))
    read(content[:at] + text.encode() + content[at:])


def test_the_valid_files_are_valid() -> None:
    for content in VALID:
        assert parse(content, default_currency="EUR", csv_mapping=MAPPING).entry_count > 0
