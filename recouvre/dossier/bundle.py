"""The evidence dossier as one ZIP file, and its verification.

What the ZIP holds (every name fixed, so the same data gives the same file):

- ``00-bordereau-des-pieces.pdf`` and ``.csv``: the numbered list of exhibits, with each file's SHA-256 (the CSV
  also has the sending time of each e-mail and the posting date, tracking number and acknowledgment date of each
  letter);
- the exhibits themselves, ``01-contrat.pdf``, ``02-cgv.pdf``... (see ``exhibits.py``): the documents on file
  byte for byte, each e-mail as the ``.eml`` bytes it was sent as, each letter's PDF as produced;
- ``chronologie.pdf`` and ``chronologie.csv``: the customer's timeline up to the dossier's date, each event with its
  number, content digest and links in the organization's chain, and the chain's head on that date (also in
  ``README.txt``: with it, a court can later have the creditor show that its chain still goes through that link);
- ``README.txt``, in French, saying what the bundle is and how to check it;
- ``MANIFEST.sha256``: one line ``<sha256>  <path>`` per file above, in the format of ``sha256sum``, so that
  ``sha256sum -c MANIFEST.sha256`` run in the extracted folder checks every file.

Every entry is dated: an exhibit with its own date, the other files with the dossier's date.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import IO

from django.utils import translation
from django.utils.translation import gettext as _

from recouvre.ledger.chain import Head
from recouvre.ledger.models import Customer
from recouvre.organizations.models import Organization

from . import pdfs
from .exhibits import Exhibit, exhibits

MANIFEST = "MANIFEST.sha256"
README = "README.txt"
BORDEREAU_PDF = "00-bordereau-des-pieces.pdf"
BORDEREAU_CSV = "00-bordereau-des-pieces.csv"
TIMELINE_PDF = "chronologie.pdf"
TIMELINE_CSV = "chronologie.csv"

README_TEXT = """DOSSIER DE RECOUVREMENT – {creditor} contre {debtor} (compte {ref})
Constitué le {as_of} avec Recouvre.

Ce dossier rassemble les pièces justificatives de la créance de {creditor}
sur {debtor} : contrat et conditions générales de vente, bons de commande et
preuves de livraison, factures, relances telles qu'elles ont été envoyées
(chaque courriel dans son format d'origine .eml, chaque courrier dans le PDF
produit à l'envoi, avec sa date de dépôt, son numéro de suivi et la date de
l'avis de réception), mise en demeure, et décompte de la créance (principal,
intérêts de retard, indemnité forfaitaire pour frais de recouvrement,
règlements reçus, solde).

Contenu :
- {bordereau_pdf} (et .csv) : le bordereau des pièces numérotées ({count} pièces) ;
- 01-..., 02-... : les pièces, dans l'ordre du bordereau ;
- {timeline_pdf} (et .csv) : l'historique du compte du débiteur ;
- {manifest} : l'empreinte SHA-256 de chaque fichier.

Vérifier que rien n'a été modifié :
  sous Linux ou macOS, dans le dossier extrait :   sha256sum -c {manifest}
  (macOS sans sha256sum :                          shasum -a 256 -c {manifest})
  avec Recouvre, sans extraire le fichier ZIP :    recouvre dossier verify FICHIER.zip
Chaque ligne doit se terminer par « OK ». Un fichier signalé « FAILED » a été
modifié depuis la constitution du dossier.

Les courriels (.eml) s'ouvrent avec tout logiciel de messagerie ; leur empreinte
est celle des octets remis au serveur de messagerie lors de l'envoi.
Les copies de factures marquées « COPIE » ont été établies à partir de la
comptabilité du créancier, faute de facture originale au dossier.
{chain}"""

CHAIN_TEXT = """
Historique chaîné :
Tous les événements enregistrés par le créancier, pour l'ensemble de ses
clients, forment une chaîne. Chacun porte un numéro d'ordre, l'empreinte
SHA-256 de son contenu et un maillon : l'empreinte SHA-256 du texte formé du
maillon de l'événement précédent, de l'empreinte du contenu et du numéro, écrits
à la suite (le premier événement part d'un maillon de 64 zéros). Modifier,
supprimer, insérer ou déplacer un événement enregistré rompt la chaîne à cet
endroit : le maillon suivant ne correspond plus.

Tête de la chaîne au {as_of} :
  événement n° {seq}
  maillon {hash}

{timeline_csv} donne, pour chaque événement du débiteur, son numéro, l'empreinte
de son contenu, le maillon précédent et son maillon ; les numéros absents sont
ceux d'événements concernant d'autres clients. Pour vérifier le maillon d'un
événement (sous Linux ou macOS) :
  printf '%s%s%s' MAILLON_PRÉCÉDENT EMPREINTE NUMÉRO | sha256sum
doit afficher son maillon. Le créancier peut à tout moment faire recalculer sa
chaîne entière (commande « recouvre verify ») et montrer qu'elle passe toujours
par le maillon ci-dessus : une chaîne réécrite depuis n'y passerait plus.
"""

NO_CHAIN_TEXT = """
Historique chaîné : aucun événement enregistré par le créancier n'était encore
scellé dans sa chaîne au {as_of}.
"""


@dataclass(frozen=True)
class Bundle:
    file_name: str
    content: bytes
    exhibits: list[Exhibit]
    files: dict[str, str]  # path -> sha256, every file of the manifest
    sha256: str = field(default="")
    head: Head | None = None  # the head of the organization's chain on the dossier's date


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # with a BOM: spreadsheets open it as UTF-8


def bordereau_csv(found: list[Exhibit]) -> bytes:
    head = [
        _("No."),
        _("Exhibit"),
        _("Kind"),
        _("Date"),
        _("File"),
        "SHA-256",
        _("Sent at"),
        _("Posted on"),
        _("Tracking number"),
        _("Acknowledged on"),
    ]
    rows = [head]
    for e in found:
        d = e.details
        rows.append(
            [
                str(e.number),
                e.title,
                e.kind,
                e.date.isoformat(),
                e.file_name,
                e.sha256,
                d.get("sent_at", ""),
                d.get("posted_on", ""),
                d.get("tracking_number", ""),
                d.get("acknowledged_on", ""),
            ]
        )
    return _csv(rows)


def timeline_csv(rows: list[dict[str, str]]) -> bytes:
    head = [
        _("Date and time"),
        _("Event"),
        _("Kind"),
        _("By"),
        _("No. in the chain"),
        _("Content digest"),
        _("Previous link"),
        _("Link"),
    ]
    keys = ("at", "text", "kind", "actor", "seq", "digest", "prev_hash", "hash")
    return _csv([head] + [[r[k] for k in keys] for r in rows])


def chain_text(head: Head | None, as_of: date) -> str:
    """The README's paragraph on the chain of the timeline and its head on ``as_of`` (French)."""
    if head is None:
        return NO_CHAIN_TEXT.format(as_of=as_of.strftime("%d/%m/%Y"))
    return CHAIN_TEXT.format(
        as_of=as_of.strftime("%d/%m/%Y"),
        seq=head.seq,
        hash=head.hash,
        timeline_csv=TIMELINE_CSV,
    )


def zip_name(customer: Customer, as_of: date) -> str:
    return f"dossier-{PurePosixPath(customer.ref.replace('/', '-')).name}-{as_of.isoformat()}.zip"


def build_dossier(organization: Organization, customer: Customer, *, as_of: date) -> Bundle:
    """The dossier of ``customer`` on ``as_of`` as a ZIP (nothing written). The customer must be
    ``organization``'s (``Customer.DoesNotExist`` otherwise). It is written for a court or a *commissaire de
    justice*: in French, whatever the language of the person who asks for it."""
    with translation.override("fr"):
        return _build_dossier(organization, customer, as_of)


def _build_dossier(organization: Organization, customer: Customer, as_of: date) -> Bundle:
    found = exhibits(organization, customer, as_of=as_of)
    timeline = pdfs.timeline_rows(organization, customer, as_of)
    head = pdfs.chain_head(organization, as_of)
    files: list[tuple[str, bytes, date]] = [
        (BORDEREAU_PDF, pdfs.bordereau_pdf(organization, customer, found, as_of), as_of),
        (BORDEREAU_CSV, bordereau_csv(found), as_of),
    ]
    files += [(e.file_name, e.content, e.date) for e in found]
    files += [
        (TIMELINE_PDF, pdfs.timeline_pdf(organization, customer, timeline, head, as_of), as_of),
        (TIMELINE_CSV, timeline_csv(timeline), as_of),
        (
            README,
            README_TEXT.format(
                creditor=organization.name,
                debtor=customer.name,
                ref=customer.ref,
                as_of=as_of.strftime("%d/%m/%Y"),
                count=len(found),
                bordereau_pdf=BORDEREAU_PDF,
                timeline_pdf=TIMELINE_PDF,
                manifest=MANIFEST,
                chain=chain_text(head, as_of),
            ).encode("utf-8"),
            as_of,
        ),
    ]
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content, _on in files}
    manifest = "".join(f"{sha}  {name}\n" for name, sha in hashes.items()).encode("utf-8")
    files.append((MANIFEST, manifest, as_of))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content, on in files:
            info = zipfile.ZipInfo(name, date_time=(max(on.year, 1980), on.month, on.day, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    data = buffer.getvalue()
    return Bundle(zip_name(customer, as_of), data, found, hashes, hashlib.sha256(data).hexdigest(), head)


@dataclass(frozen=True)
class Verification:
    checked: int
    problems: list[tuple[str, str]]  # (path, what is wrong)

    @property
    def ok(self) -> bool:
        return not self.problems


class NotADossier(Exception):
    """The file is not a ZIP, is damaged, or has no manifest; the message says which, for a person."""


# What ``verify`` reads at most. A dossier holds a few hundred files (documents of up to RECOUVRE_MAX_UPLOAD_MB,
# e-mails, letters, two PDFs of the bordereau and the timeline); these limits are far beyond any real one.
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 1 << 30  # 1 GB once uncompressed
MAX_TOTAL_BYTES = 8 << 30  # 8 GB once uncompressed, every member added up
MAX_MANIFEST_BYTES = 16 << 20
_CHUNK = 1 << 20


def verify(source: str | IO[bytes]) -> Verification:
    """Check every line of the ZIP's ``MANIFEST.sha256`` against the files it holds: a file whose SHA-256 differs,
    a file listed but missing, a file present but not listed are problems, each with its path. So are members
    that cannot be read: a bad CRC, encrypted, an unknown compression method, damaged or cut short, larger than
    ``MAX_MEMBER_BYTES``, or a name found twice. Each member is read a megabyte at a time, never whole.

    Raises ``NotADossier`` for a file that is not a ZIP archive, is damaged beyond reading its directory, has more
    than ``MAX_MEMBERS`` members or ``MAX_TOTAL_BYTES`` of content, or has no readable manifest."""
    if isinstance(source, str):
        try:
            with open(source, "rb") as fh:
                return _verify(fh)
        except OSError as exc:
            raise NotADossier(_("cannot read the file: %(error)s") % {"error": exc.strerror or exc}) from exc
    return _verify(source)


def _verify(fh: IO[bytes]) -> Verification:
    from recouvre.core.archives import ArchiveError, check_directory, member_problem
    from recouvre.core.sizes import human_size

    try:
        check_directory(fh, max_members=MAX_MEMBERS)  # type: ignore[arg-type]
        fh.seek(0)
        archive = zipfile.ZipFile(fh)
    except ArchiveError as exc:
        raise NotADossier(_("not a ZIP file: %(error)s") % {"error": exc}) from exc
    except Exception as exc:  # zipfile on a damaged directory: BadZipFile, EOFError, OverflowError, ValueError...
        raise NotADossier(_("not a ZIP file: %(error)s") % {"error": _reason(exc)}) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise NotADossier(
                _("the ZIP holds %(size)s once uncompressed, more than the %(limit)s a dossier is checked for")
                % {"size": human_size(total), "limit": human_size(MAX_TOTAL_BYTES)}
            )
        problems: list[tuple[str, str]] = []
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.filename in members:
                problems.append((info.filename, _("appears twice in the ZIP")))
            members[info.filename] = info
        unreadable: set[str] = set()
        for info in members.values():
            problem = member_problem(info, max_bytes=MAX_MEMBER_BYTES)
            if problem is not None:
                problems.append((info.filename, problem))
                unreadable.add(info.filename)
        manifest = members.get(MANIFEST)
        if manifest is None:
            raise NotADossier(_("no %(manifest)s in this ZIP: it is not a dossier") % {"manifest": MANIFEST})
        if MANIFEST in unreadable or manifest.file_size > MAX_MANIFEST_BYTES:
            raise NotADossier(_("the %(manifest)s of this ZIP cannot be read") % {"manifest": MANIFEST})
        try:
            text = archive.read(manifest).decode("utf-8", "replace")
        except Exception as exc:
            raise NotADossier(
                _("the %(manifest)s of this ZIP cannot be read: %(error)s")
                % {"manifest": MANIFEST, "error": _reason(exc)}
            ) from exc
        listed: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            sha, sep, path = line.partition("  ")
            if not sep or len(sha) != 64:
                problems.append((MANIFEST, _("line %(line)d is not “<sha256>  <path>”") % {"line": number}))
                continue
            listed[path.lstrip("*")] = sha.lower()
        for path, sha in listed.items():
            info = members.get(path)
            if info is None:
                problems.append((path, _("listed in the manifest but missing")))
            elif path in unreadable:
                continue
            else:
                digest, error = _sha256(archive, info)
                if error is not None:
                    problems.append((path, error))
                elif digest != sha:
                    problems.append((path, _("its SHA-256 differs from the manifest: the file was changed")))
        for path in members:
            if path != MANIFEST and path not in listed:
                problems.append((path, _("not listed in the manifest")))
    return Verification(len(listed), problems)


def _sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, str | None]:
    """The member's SHA-256, read a megabyte at a time; or why it cannot be read (``zipfile`` checks the CRC when
    the member ends, and never inflates more than its stated size)."""
    digest = hashlib.sha256()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            return "", _("its CRC does not match its content: the member is damaged")
        return "", _("damaged: %(error)s") % {"error": _reason(exc)}
    except Exception as exc:  # zlib.error, EOFError, lzma and bz2 errors, NotImplementedError, RuntimeError...
        return "", _("cannot be read: %(error)s") % {"error": _reason(exc)}
    return digest.hexdigest(), None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return text or type(exc).__name__
