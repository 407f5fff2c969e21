"""``recouvre dossier verify`` on damaged and hostile ZIP files: a bad CRC, an encrypted member, an unknown
compression method, a file cut short, not a ZIP at all, a huge member, too many members. Each is a clear refusal
(exit 1, the member and the problem named), never a traceback; members are read a megabyte at a time."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.cli import main
from recouvre.dossier.bundle import MANIFEST, NotADossier, verify

pytestmark = pytest.mark.django_db

CONTRACT = b"%PDF-1.7 the contract " + b"x" * 2000
INVOICE = b"%PDF-1.7 the invoice " + b"y" * 2000


@pytest.fixture(autouse=True)
def english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def dossier(
    members: dict[str, bytes], *, method: int = zipfile.ZIP_STORED, extra: tuple[tuple[str, bytes], ...] = ()
) -> bytes:
    """A ZIP with ``members`` and the manifest of their SHA-256, as ``recouvre dossier`` writes it; ``extra``
    members are added after the manifest, unlisted."""
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a name written twice, on purpose
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest)
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_entry(data: bytes, name: str, offset_central: int, offset_local: int | None, value: bytes) -> bytes:
    """Change a field of member ``name`` in its central directory entry (and its local header)."""
    out = bytearray(data)
    encoded = name.encode()
    central = -1
    while True:
        central = out.find(b"PK\x01\x02", central + 1)
        (name_length,) = struct.unpack("<H", out[central + 28 : central + 30])
        if out[central + 46 : central + 46 + name_length] == encoded:
            break
    out[central + offset_central : central + offset_central + len(value)] = value
    if offset_local is not None:
        (local,) = struct.unpack("<I", out[central + 42 : central + 46])
        out[local + offset_local : local + offset_local + len(value)] = value
    return bytes(out)


def run(capsys, tmp_path: Path, data: bytes, *flags: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    path = tmp_path / "dossier.zip"
    path.write_bytes(data)
    code = main(["dossier", "verify", str(path), *flags])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_sound_dossier_passes(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = run(capsys, tmp_path, dossier({"01-contrat.pdf": CONTRACT, "02-facture.pdf": INVOICE}))
    assert (code, out) == (0, "2 files checked: every file matches the manifest.\n")


def test_a_member_with_a_bad_crc_is_named(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(dossier({"01-contrat.pdf": CONTRACT, "02-facture.pdf": INVOICE}))
    at = data.find(b"the invoice")
    data[at] ^= 0xFF  # one byte of the stored member changed, its CRC left as it was
    code, _out, err = run(capsys, tmp_path, bytes(data))
    assert code == 1
    assert err.splitlines()[0] == "02-facture.pdf: its CRC does not match its content: the member is damaged"


def test_an_encrypted_member_is_named(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = dossier({"01-contrat.pdf": CONTRACT, "02-facture.pdf": INVOICE})
    data = patch_entry(data, "01-contrat.pdf", 8, 6, struct.pack("<H", 0x1))
    code, out, _err = run(capsys, tmp_path, data, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        {"file": "01-contrat.pdf", "problem": "encrypted: a password-protected member cannot be read"}
    ]


def test_an_unknown_compression_method_is_named(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = dossier({"01-contrat.pdf": CONTRACT, "02-facture.pdf": INVOICE})
    data = patch_entry(data, "02-facture.pdf", 10, 8, struct.pack("<H", 99))
    code, _out, err = run(capsys, tmp_path, data)
    assert code == 1
    assert "02-facture.pdf: compressed with an unknown method (99)" in err.splitlines()


def test_a_damaged_deflate_stream_is_named(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(dossier({"01-contrat.pdf": CONTRACT}, method=zipfile.ZIP_DEFLATED))
    central = data.find(b"PK\x01\x02")
    (local,) = struct.unpack("<I", data[central + 42 : central + 46])
    start = local + 30 + len("01-contrat.pdf")
    data[start : start + 8] = b"\xff" * 8  # the start of the compressed stream
    code, _out, err = run(capsys, tmp_path, bytes(data))
    assert code == 1
    assert err.splitlines()[0].startswith("01-contrat.pdf: cannot be read: Error -3 while decompressing data")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "recouvre: error: not a ZIP file: not a ZIP archive, or cut short (no end of central directory)"),
        (b"Not a zip at all\n" * 100, "not a ZIP file: not a ZIP archive, or cut short"),
        (dossier({"01-contrat.pdf": CONTRACT})[:1500], "not a ZIP file: not a ZIP archive, or cut short"),
    ],
    ids=["empty", "text", "cut-short"],
)
def test_what_is_not_a_zip_is_refused(capsys, tmp_path, data: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run(capsys, tmp_path, data)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_a_directory_that_lies_is_refused(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(dossier({"01-contrat.pdf": CONTRACT}))
    at = data.rfind(b"PK\x05\x06")
    data[at + 16 : at + 20] = struct.pack("<I", 7)  # the directory said to start at byte 7
    code, out, _err = run(capsys, tmp_path, bytes(data), "--json")
    assert code == 1
    assert json.loads(out) == {
        "ok": False,
        "error": "the MANIFEST.sha256 of this ZIP cannot be read: Truncated file header",
    }


def test_a_huge_member_is_named_and_not_read(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = dossier({"01-contrat.pdf": CONTRACT, "02-facture.pdf": INVOICE})
    data = patch_entry(data, "02-facture.pdf", 24, None, struct.pack("<I", 3 << 30))  # stated: 3 GB
    code, _out, err = run(capsys, tmp_path, data)
    assert code == 1
    assert "02-facture.pdf: 3 GB once uncompressed, more than the 1 GB accepted" in err.splitlines()


def test_an_archive_of_too_many_members_is_refused_before_it_is_opened(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(dossier({"01-contrat.pdf": CONTRACT}))
    at = data.rfind(b"PK\x05\x06")
    data[at + 8 : at + 12] = struct.pack("<HH", 0xFFFF, 0xFFFF)
    data[at + 12 : at + 16] = struct.pack("<I", 60_000 * 80)
    code, _out, err = run(capsys, tmp_path, bytes(data))
    assert code == 1
    assert "not a ZIP file: the archive holds 65535 members or more; at most 20000 are read" in err


def test_a_name_found_twice_is_a_problem(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Tools that extract the ZIP keep one of the two: the one checked may not be the one read."""
    data = dossier({"01-contrat.pdf": CONTRACT}, extra=(("01-contrat.pdf", b"another contract"),))
    code, _out, err = run(capsys, tmp_path, data)
    assert code == 1
    assert "01-contrat.pdf: appears twice in the ZIP" in err.splitlines()


def test_names_are_printed_without_their_control_characters(capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = dossier({"01-contrat.pdf": CONTRACT}, extra=(("evil\x1b[2J.pdf", b"x"),))
    code, _out, err = run(capsys, tmp_path, data)
    assert code == 1
    assert "evil\\x1b[2J.pdf: not listed in the manifest" in err.splitlines()
    assert "\x1b" not in err


def test_members_are_hashed_a_megabyte_at_a_time(tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = b"\0" * (64 << 20)
    data = dossier({"01-contrat.pdf": CONTRACT, "03-releve.pdf": big}, method=zipfile.ZIP_DEFLATED)
    del big
    path = tmp_path / "dossier.zip"
    path.write_bytes(data)
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        result = verify(str(path))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok and result.checked == 2
    assert peak < 8 << 20  # far less than the 64 MB member


# ------------------------------------------------------------------------------------------- fuzzing

SOUND = dossier({"01-contrat.pdf": CONTRACT, "02-facture.pdf": INVOICE}, method=zipfile.ZIP_DEFLATED)


@st.composite
def damaged_zips(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.binary(max_size=800))
    if kind == 1:
        return b"PK\x03\x04" + draw(st.binary(max_size=800))
    data = bytearray(SOUND)
    if kind == 2:  # bytes changed, often in the directory and the headers at the end
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.one_of(st.integers(0, len(data) - 1), st.integers(max(0, len(data) - 300), len(data) - 1)))
            data[at] = draw(st.integers(0, 255))
        return bytes(data)
    return bytes(data[: draw(st.integers(0, len(data) - 1))])  # cut short


@settings(max_examples=max(20, settings.default.max_examples))
@given(damaged_zips())
def test_verify_never_raises_anything_but_its_refusal(data: bytes) -> None:
    try:
        result = verify(io.BytesIO(data))
    except NotADossier as exc:
        assert str(exc)
    else:
        assert all(path and problem for path, problem in result.problems)
        assert result.ok == (not result.problems)
