"""The `clinic-app` command: argparse sub-commands over the services; no sub-command
starts the desktop window.

Output for people goes to stdout; errors go to stderr in Thai and English with a non-zero
exit code (2 for a known error: bad input, wrong key, damaged file ...; 1 for a bug, whose
traceback goes only to the log). Patient data is printed only where asked for (export, the
day's lists and follow-up lists).
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import math
import os
import socket
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinic_app import __version__, app
from clinic_app.core.errors import (
    EXIT_CONFLICTS,
    EXIT_FAILURE,
    EXIT_OK,
    DatabaseDamagedError,
    HubNotConfiguredError,
    HubUnreachableError,
    InvalidInputError,
    KnownError,
    Problem,
    ReadOnlyError,
    StoreError,
    os_reason,
    problem_text,
)
from clinic_app.core.permissions import require
from clinic_app.core.progress import SyncProgress
from clinic_app.security.keys import PassphraseSource, remembered
from clinic_app.core.thai import mask_cid
from clinic_app.services import maintenance
from clinic_app.services.accounts import StaffDetails
from clinic_app.services.installation import initialise, resolve_data_dir, rotate_key
from clinic_app.services.session import RELAY_PORT, UnitSession
from clinic_app.services.visits import AllergyConflictError, DrugLine, UnusualValuesError, VisitForm

log = logging.getLogger("clinic_app.cli")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="clinic-app",
        description="clinic-app: ระบบบันทึกข้อมูลผู้ป่วยสำหรับ รพ.สต. / records for Thai primary care units. "
                    "With no command, the desktop window starts.")
    p.add_argument("--version", action="version", version=f"clinic-app {__version__}")
    p.add_argument("--data-dir", help="data folder (default: $CLINIC_APP_DATA_DIR, else the per-user data folder)")
    p.add_argument("--passphrase-file", help="file holding the passphrase, where no keyring works "
                                             "(default: $CLINIC_APP_PASSPHRASE_FILE)")
    p.add_argument("--user", help="who is acting (once staff accounts exist)")
    p.add_argument("--password-file", help="file holding --user's password (else asked on the terminal)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("init", help="set up a new data folder for a facility")
    s.add_argument("--hcode", required=True, help="MOPH facility code, 5 digits")
    s.add_argument("--name", help="facility name")
    s.add_argument("--hub-url", help="FHIR base URL of the hub (MOPH Cloud)")
    s.add_argument("--no-auth", action="store_true", help="the hub needs no authentication (a local test peer only)")
    s.add_argument("--training", action="store_true", help="mark this folder as training mode")
    s.add_argument("--admin", help="the first administrator's user name")
    s.add_argument("--admin-password-file", help="file holding the first administrator's password")
    users = sub.add_parser("user", help="staff accounts").add_subparsers(dest="user_command", metavar="USER_COMMAND",
                                                                        required=True)
    s = users.add_parser("add", help="add a staff account")
    s.add_argument("name")
    s.add_argument("--role", required=True, choices=["admin", "administrator", "clinician", "clerk"])
    s.add_argument("--new-password-file", help="file holding the new password (else asked on the terminal)")
    s.add_argument("--full-name", default="", help="the person's name as their records show it")
    s.add_argument("--licence", default="", help="professional licence as TYPE:NUMBER, e.g. proNurse:4512345 "
                                                  "(proDoc, proNurse, proPharm, proDent, proMedtech, proPhysio, "
                                                  "healthVolun)")
    _staff_details(s)
    s = users.add_parser("details", help="give or change what HDC's PROVIDER file asks of a staff member (the options "
                                         "given; the others stay); without options, print them")
    s.add_argument("name")
    _staff_details(s)
    users.add_parser("list", help="staff accounts and their roles")
    s = users.add_parser("disable", help="disable a staff account")
    s.add_argument("name")
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND",
                                                                          required=True)
    audit.add_parser("verify", help="check the hash chain: any edited, removed or reordered entry is found")

    patients = sub.add_parser("patients", help="patients recorded twice under one citizen ID").add_subparsers(
        dest="patients_command", metavar="PATIENTS_COMMAND", required=True)
    patients.add_parser("duplicates", help="list this unit's records that share a citizen ID")
    s = patients.add_parser("merge", help="merge a duplicate record into the one to keep, with all its visits "
                                          "(administrators; audited; goes to the hub at the next sync)")
    s.add_argument("--keep", required=True, metavar="HN", help="HN of the record to keep (or its id, when two "
                                                                "records share an HN)")
    s.add_argument("--drop", required=True, metavar="HN", help="HN of the record merged into it (or its id)")

    s = sub.add_parser("import-fhir", help="import a FHIR Bundle or one resource (JSON); all or nothing")
    s.add_argument("file", help="JSON file, or - for standard input")

    s = sub.add_parser("export-fhir", help="print a FHIR Bundle of stored records")
    s.add_argument("--patient", metavar="CID", help="only this patient's records (citizen ID)")
    s.add_argument("--type", dest="resource_type", help="only this resource type")

    s = sub.add_parser("export-43", help="write the MOPH 43 files (PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD, EPI) "
                                         "as F43_<HOSPCODE>_<stamp>.zip")
    s.add_argument("out", help="a folder (the file is named for you) or a .zip path")
    s.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="only visits on or after this day (CE or BE)")
    s.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="only visits on or before this day (CE or BE)")
    s.add_argument("--month", metavar="YYYY-MM", help="HDC's monthly submission (CE or BE): every person, the visits "
                   "of that month and what hangs from them, each row checked as HDC checks it; nothing is written "
                   "when a row would be refused (each one named, exit 2)")
    s.add_argument("--encoding", choices=["utf-8", "tis-620"], default="utf-8",
                   help="text encoding (tis-620 for older importers)")
    s = sub.add_parser("import-43", help="import MOPH 43 files (a zip or a folder; UTF-8 or TIS-620); all or nothing, "
                                         "or with --partial every valid row (the refused ones kept for review)")
    s.add_argument("source", nargs="?", help="the zip file or the folder holding person.txt, service.txt, ...")
    s.add_argument("--partial", action="store_true", help="import every valid row and keep each refused row (and "
                   "the rows that depend on it) in the review list; exit 0, the rows refused counted on stderr")
    s.add_argument("--review", action="store_true", help="list the review list: each row's id, file, line and reason")
    s.add_argument("--rejects", metavar="OUT", help="write the review list back as 43 files (a zip; named for you "
                   "when OUT is a folder) for the old system")
    s.add_argument("--encoding", choices=["utf-8", "tis-620"], default="utf-8",
                   help="with --rejects: the text encoding (tis-620 writes TIS-620 rows as they came)")
    s.add_argument("--retry", action="store_true", help="import the review list's rows again (after their person "
                   "or visit came in)")
    s.add_argument("--discard", metavar="ID", type=int, action="append", help="take a row off the review list "
                   "without importing it (repeat for more)")
    s.add_argument("--json", action="store_true", help="with --review: JSON")

    sub.add_parser("status", help="counts, queued changes and last sync, as JSON")
    config = sub.add_parser("config", help="the unit's settings (hub address, sync interval ...)").add_subparsers(
        dest="config_command", metavar="CONFIG_COMMAND", required=True)
    s = config.add_parser("get", help="print the settings a unit changes, as JSON")
    s = config.add_parser("set", help="change one (administrators; audited)")
    s.add_argument("key")
    s.add_argument("value")
    s = sub.add_parser("sync", help="send queued changes to the hub and fetch what changed there")
    s.add_argument("--check-counts", action="store_true",
                   help="compare this unit's counts with the hub's now (otherwise on the first sync, "
                        "after a failure, and once a day)")
    card = sub.add_parser("card", help="the Thai national ID card in the reader").add_subparsers(
        dest="card_command", metavar="CARD_COMMAND", required=True)
    s = card.add_parser("read", help="print what the card holds, as JSON (the citizen ID masked)")
    s.add_argument("--photo", metavar="FILE", help="write the card's photo (JPEG) to FILE")
    s.add_argument("--show-id", action="store_true", help="print the citizen ID whole")
    s = sub.add_parser("screens", help="render the main screens offscreen to PNG files in DIR")
    s.add_argument("dir")
    consent = sub.add_parser("consent", help="ask patients for consent; see the answers").add_subparsers(
        dest="consent_command", metavar="CONSENT_COMMAND", required=True)
    s = consent.add_parser("request", help="ask for consent (queued when offline)")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--purpose", default="TREAT")
    s.add_argument("--days", type=int, default=30)
    consent.add_parser("list", help="consent requests and their state")
    records = sub.add_parser("records", help="records from other facilities").add_subparsers(
        dest="records_command", metavar="RECORDS_COMMAND", required=True)
    s = records.add_parser("fetch", help="fetch a patient's records once consent is granted (queued)")
    s.add_argument("--cid", required=True)
    s = records.add_parser("show", help="show a patient's records from other facilities (audited)")
    s.add_argument("--cid", required=True)
    s = sub.add_parser("emergency-access", help="break the glass: see an unconscious patient's records now")
    s.add_argument("--cid", required=True)
    s.add_argument("--reason", required=True, help="why, in words (20 characters or more)")
    s.add_argument("--confirm", action="store_true", help="confirm: this access is recorded and reviewed")
    sub.add_parser("emergency-log", help="every emergency access made on this desktop")
    referral = sub.add_parser("referral", help="refer patients to another facility; answer referrals to this "
                                               "unit").add_subparsers(dest="referral_command",
                                                                      metavar="REFERRAL_COMMAND", required=True)
    s = referral.add_parser("create", help="refer a patient (queued when offline); prints the referral's id")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--to", required=True, metavar="HCODE", help="the receiving facility's code")
    s.add_argument("--reason", required=True, help="why, in words")
    s.add_argument("--urgency", choices=["routine", "urgent", "emergency"], default="routine")
    s.add_argument("--diagnosis", action="append", default=[], metavar="CODE", help="an ICD-10 code (repeat for more)")
    s.add_argument("--summary-file", help="the clinical summary as edited (UTF-8 text); default: made from the chart")
    s = referral.add_parser("list", help="the unit's referrals (id, patient, facility, state), or those to it")
    s.add_argument("--incoming", action="store_true", help="referrals addressed to this unit")
    s.add_argument("--json", action="store_true")
    s = referral.add_parser("accept", help="accept a referral to this unit")
    s.add_argument("id")
    s = referral.add_parser("reject", help="reject a referral to this unit, with the reason")
    s.add_argument("id")
    s.add_argument("--reason", required=True)
    s = referral.add_parser("complete", help="close an accepted referral to this unit with the result")
    s.add_argument("id")
    s.add_argument("--result", required=True)
    s = referral.add_parser("cancel", help="withdraw a referral this unit made, with the reason")
    s.add_argument("id")
    s.add_argument("--reason", required=True)
    s = referral.add_parser("letter", help="the referral letter (ใบส่งตัว) as a PDF")
    s.add_argument("id")
    s.add_argument("--out", required=True, metavar="FILE.pdf")
    sub.add_parser("device-key", help="print this desktop's public key for the hub to enroll, as JSON")
    relay = sub.add_parser("relay", help="the unit relay: one desktop serves the unit's others while the cloud is "
                           "out of reach").add_subparsers(dest="relay_command", metavar="RELAY_COMMAND", required=True)
    s = relay.add_parser("serve", help="serve this folder's records to the unit's desktops over https and sync them "
                         "with the cloud; prints the base URL and the certificate's fingerprint")
    s.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every address of this computer)")
    s.add_argument("--port", type=int, default=RELAY_PORT, help=f"port (default {RELAY_PORT}; 0 picks a free one)")
    s = relay.add_parser("enroll", help="let a desktop of this unit sync with this relay (the JSON of its "
                         "`clinic-app device-key`; administrators)")
    s.add_argument("file", help="the device-key JSON file ('-': standard input)")
    relay.add_parser("status", help="the relay's desktops, what waits for the cloud and the last syncs, as JSON")
    s = relay.add_parser("join", help="sync with the unit relay at URL first (the cloud stays the fallback; "
                         "administrators)")
    s.add_argument("url", help="the relay's base URL as it prints it (https://HOST:PORT/fhir)")
    s.add_argument("--fingerprint", required=True, help="the relay's certificate fingerprint as its screen shows it "
                   "(SHA256:...)")
    relay.add_parser("leave", help="stop syncing with the unit relay (back to the cloud only; administrators)")

    _daywork_parsers(sub)

    s = sub.add_parser("demo-data", help="add realistic Thai demo patients (deterministic for a seed)")
    s.add_argument("--patients", type=int, required=True)
    s.add_argument("--seed", type=int, default=1)

    db = sub.add_parser("db", help="database upkeep").add_subparsers(dest="db_command", metavar="DB_COMMAND",
                                                                     required=True)
    db.add_parser("check", help="integrity and cipher integrity check")
    s = db.add_parser("backup", help="write an encrypted online backup")
    s.add_argument("file")
    s = db.add_parser("restore", help="replace the database with a verified backup")
    s.add_argument("file")
    db.add_parser("rekey", help="re-encrypt the database under a new key")
    s = db.add_parser("recover", help="put the key back from the recovery key (after the keyring entry was lost)")
    s.add_argument("--recovery-key-file", help="file holding the recovery key (else asked on the terminal)")

    hub = sub.add_parser("hub", help="the sandbox MOPH Cloud hub").add_subparsers(
        dest="hub_command", metavar="HUB_COMMAND", required=True)
    s = hub.add_parser("serve", help="serve the sandbox hub's FHIR API under /fhir")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    s.add_argument("--max-bundle-entries", type=int, default=500)
    s.add_argument("--seed-demo", action="store_true", help="add a district hospital, two units and 200 patients")
    s.add_argument("--auto-approve", type=float, metavar="SECONDS",
                   help="approve consent requests by themselves after SECONDS (demo)")
    s.add_argument("--no-auth", action="store_true",
                   help="serve without authentication (facility rules cannot apply)")
    s.add_argument("--no-conformance", action="store_true",
                   help="accept records that break the SIL-TH rules (for old-shape test data)")
    s.add_argument("--public-url", help="the FHIR base URL clients use, when they reach the hub by another name "
                                        "than --host (tokens are issued for it); default: http://HOST:PORT/fhir")
    s = hub.add_parser("enroll", help="register a desktop (the JSON of `clinic-app device-key`)")
    s.add_argument("file")
    s = hub.add_parser("consent", help="the patient's answer in the phone app (simulated)")
    s.add_argument("action", choices=["approve", "reject", "revoke"])
    s.add_argument("consent_id")
    hub.add_parser("break-glass", help="list emergency accesses for review")
    for hub_cmd in ("serve", "enroll", "consent", "break-glass"):
        hub.choices[hub_cmd].add_argument("--data-dir", dest="hub_data_dir",
                                          help="the hub's folder (default: <user data folder>/hub)")
    return p


DRUG_FORM = ("CODE:QTY[:DOSE:FREQ:DAYS[:MEALS]]: a drug of the unit's list (`clinic-app formulary list`) and how "
             "much to hand over, e.g. PARA500:12; with how to take it, e.g. PARA500:12:1:TID:3 (1 each time, three "
             "times a day, for 3 days), or PARA500::1:TID:3 to have the quantity worked out (12). FREQ: OD, BID, TID, "
             "QID, HS, PRN, STAT; MEALS: pc (after meals) or ac (before). Repeat for each drug.")


def _daywork_parsers(sub: Any) -> None:
    """A day's work: today's list and the visit, allergies, appointments, the drug list,
    the follow-up lists and the printouts."""
    visits = sub.add_parser("visit", help="today's list; check in; record a visit; mark one entered in "
                                          "error").add_subparsers(dest="visit_command", metavar="VISIT_COMMAND",
                                                                  required=True)
    s = visits.add_parser("list", help="the day's list: time, HN, name, state and who sees them")
    when = s.add_mutually_exclusive_group()
    when.add_argument("--today", action="store_true", help="today (the default)")
    when.add_argument("--day", metavar="YYYY-MM-DD", help="another day (CE or BE)")
    s.add_argument("--json", action="store_true", help="print JSON (ISO dates) instead of a table")
    s = visits.add_parser("add", help="record a visit, done (the patient's visit on today's list when they are on "
                                      "it); prints the visit's id",
                          description="Record a visit, done. Prints the visit's (Encounter's) id alone on stdout. "
                                      "A drug the patient is recorded as allergic to is refused until "
                                      "--allergy-reason says why; readings far from usual until --confirm-unusual.")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--complaint", default="", help="the chief complaint (อาการสำคัญ)")
    s.add_argument("--diagnosis", action="append", default=[], metavar="CODE[:TYPE]",
                   help="an ICD-10 code, e.g. J00 or E11.9, with its DIAGTYPE 1-5 (1 principal, 2 comorbidity, "
                        "3 complication, 4 other, 5 external cause); without a type the first is the principal, "
                        "the others other. Repeat for each diagnosis.")
    s.add_argument("--drug", action="append", default=[], metavar="CODE:QTY", help=DRUG_FORM)
    s.add_argument("--procedure", action="append", default=[], metavar="CODE", help="an ICD-9-CM code, e.g. 93.57 "
                                                                                     "(repeat)")
    s.add_argument("--vaccine", default="", metavar="CODE", help="an EPI vaccine code given at the visit")
    s.add_argument("--bp", metavar="SYS/DIA", help="blood pressure, e.g. 120/80 (mmHg)")
    s.add_argument("--weight", type=float, metavar="KG")
    s.add_argument("--temperature", type=float, metavar="C", help="°C")
    s.add_argument("--pulse", type=float, metavar="N", help="beats a minute")
    s.add_argument("--blood-sugar", type=float, metavar="MG_DL", help="capillary blood sugar, mg/dL")
    s.add_argument("--note", default="")
    s.add_argument("--appointment", metavar="YYYY-MM-DD[:REASON]", help="the next appointment, e.g. "
                                                                        "2026-12-01:ติดตามความดัน (CE or BE)")
    s.add_argument("--allergy-reason", default="", metavar="TEXT",
                   help="why a drug the patient is recorded as allergic to is given anyway (kept and audited)")
    s.add_argument("--confirm-unusual", action="store_true", help="the readings far from usual are right")
    s = visits.add_parser("check-in", help="put a patient on today's list, waiting (their appointment today is "
                                           "kept); prints the visit's id")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--complaint", default="", help="the chief complaint, when known")
    s = visits.add_parser("void", help="mark a visit entered in error (kept, never deleted; audited)")
    s.add_argument("id", help="the visit's id (from `visit add` or `visit list`)")
    s.add_argument("--reason", required=True, help="why it was entered in error")

    allergies = sub.add_parser("allergy", help="a patient's drug allergies").add_subparsers(
        dest="allergy_command", metavar="ALLERGY_COMMAND", required=True)
    s = allergies.add_parser("add", help="record an allergy on the patient's chart")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--substance", default="", help="what the patient is allergic to, in words (e.g. Penicillin); "
                                                   "may be left out with --drug")
    s.add_argument("--reaction", default="", help="the reaction seen (e.g. ผื่นลมพิษ)")
    s.add_argument("--certainty", default="2", choices=["1", "2", "3", "4", "5"],
                   help="1 certain, 2 probable (default), 3 possible, 4 unlikely, 5 unclassified")
    s.add_argument("--severity", default="1", choices=["1", "2", "3", "4", "5", "6", "7"],
                   help="1 non-serious (default), 2 death, 3 life-threatening, 4 hospitalisation, "
                        "5 prolonged hospitalisation, 6 disability, 7 congenital anomaly")
    s.add_argument("--drug", default="", metavar="CODE", help="the drug of the unit's list it is to")
    s = allergies.add_parser("list", help="the patient's active allergies")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--json", action="store_true", help="print JSON (ISO dates) instead of a table")

    appointments = sub.add_parser("appointment", help="appointments").add_subparsers(
        dest="appointment_command", metavar="APPOINTMENT_COMMAND", required=True)
    s = appointments.add_parser("list", help="appointments of a day or a range (default: today)")
    when = s.add_mutually_exclusive_group()
    when.add_argument("--today", action="store_true", help="today's (the default)")
    when.add_argument("--week", action="store_true", help="today's and the next six days'")
    when.add_argument("--missed", action="store_true", help="missed ones: booked, their day gone (the last "
                                                             "90 days, or --from/--to)")
    s.add_argument("--from", dest="first", metavar="YYYY-MM-DD", help="from this day (CE or BE)")
    s.add_argument("--to", dest="last", metavar="YYYY-MM-DD", help="to this day, included (CE or BE)")
    s.add_argument("--json", action="store_true", help="print JSON (ISO dates) instead of a table")

    formulary = sub.add_parser("formulary", help="the unit's drug list").add_subparsers(
        dest="formulary_command", metavar="FORMULARY_COMMAND", required=True)
    s = formulary.add_parser("import", help="add or update the drugs of a CSV file (administrators; all rows or "
                                            "none)",
                             description="Columns (first row; order free): code and name required; strength, "
                                         "unit, tmt, drug24, dose, dose_unit, frequency, days, group. UTF-8 or "
                                         "TIS-620. A file with problems imports nothing; each is listed by line.")
    s.add_argument("file", help="the CSV file")
    s = formulary.add_parser("list", help="the drug list")
    s.add_argument("--all", action="store_true", help="withdrawn drugs too")
    s.add_argument("--json", action="store_true", help="print JSON instead of a table")

    followup = sub.add_parser("followup", help="follow-up lists").add_subparsers(
        dest="followup_command", metavar="FOLLOWUP_COMMAND", required=True)
    for kind, text in (("chronic", "the chronic-disease register (diabetes, hypertension)"),
                       ("epi", "children with vaccines due, by village and house")):
        s = followup.add_parser(kind, help=text)
        s.add_argument("--overdue", action="store_true", help="only the overdue")
        s.add_argument("--json", action="store_true", help="print JSON (ISO dates) instead of a table")

    printing = sub.add_parser("print", help="printouts as PDF files").add_subparsers(
        dest="print_command", metavar="PRINT_COMMAND", required=True)
    s = printing.add_parser("visit-slip", help="a visit's slip: diagnoses, drugs with their labels, the next "
                                               "appointment")
    s.add_argument("id", help="the visit's id")
    s.add_argument("--out", required=True, metavar="FILE.pdf")
    s = printing.add_parser("appointment-card", help="a patient's appointment card")
    s.add_argument("id", nargs="?", help="the appointment's id (from `appointment list`); default: the patient's "
                                         "next booked appointment")
    s.add_argument("--cid", required=True, help="the patient's citizen ID")
    s.add_argument("--out", required=True, metavar="FILE.pdf")
    s = printing.add_parser("followup", help="a follow-up list to walk with (the children's vaccines one village "
                                             "a page)")
    s.add_argument("kind", choices=["chronic", "epi", "appointments"])
    s.add_argument("--overdue", action="store_true", help="only the overdue (for appointments: the missed ones)")
    s.add_argument("--span", choices=["today", "week", "missed"], default="week",
                   help="the appointments of today, the next seven days (the default) or the missed ones")
    s.add_argument("--out", required=True, metavar="FILE.pdf")


def _passphrase(args: argparse.Namespace) -> PassphraseSource | None:
    from_file = app.passphrase_from_file(args.passphrase_file)
    if from_file is not None:
        return from_file
    if not sys.stdin.isatty():
        return None

    def ask(new: bool) -> str | None:
        first = getpass.getpass("รหัสผ่าน / Passphrase: ")
        if new and getpass.getpass("ยืนยันรหัสผ่าน / Repeat passphrase: ") != first:
            raise KnownError("รหัสผ่านสองครั้งไม่ตรงกัน", "The two passphrases differ.", code="passphrase-mismatch")
        return first or None

    return remembered(ask)  # asked once, however many keys the command opens


def _read_json(path: str) -> Any:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        thai, english = os_reason(exc)
        raise KnownError(f"เปิดไฟล์ไม่ได้ ({thai})", f"Cannot open the file ({english}).", code="file") from exc
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InvalidInputError("ไฟล์ไม่ใช่ข้อความ UTF-8", "The file is not UTF-8 text.",
                                problems=[Problem(None, "(file)", f"byte {exc.start}", f"ไบต์ที่ {exc.start}")]) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInputError("ไฟล์ไม่ใช่ JSON ที่ถูกต้อง ไม่ได้บันทึกอะไรเลย",
                                "The file is not valid JSON; nothing was stored.",
                                problems=[Problem(None, f"line {exc.lineno}, column {exc.colno}", exc.msg,
                                                  f"บรรทัดที่ {exc.lineno} ตัวที่ {exc.colno}: ไม่ใช่ JSON ที่ถูกต้อง")]) from exc


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


state: dict[str, Path | None] = {"log": None}

Handler = Callable[[argparse.Namespace, UnitSession], int]

# Commands that change no patient data run as the device once accounts exist; every other
# command needs --user (and its password). `db backup`, `restore` and `rekey` need an
# administrator; `db check` needs no one.
DEVICE_COMMANDS = {"sync", "status", "device-key"}


def _run(args: argparse.Namespace) -> int:
    data_dir = resolve_data_dir(args.data_dir)
    passphrase = _passphrase(args)
    if args.command is None:
        return app.run_gui(data_dir, passphrase)
    if args.command == "hub":
        return _run_hub(args)
    if args.command == "screens":
        for path in app.render_screens(Path(args.dir), passphrase):
            print(path)
        return EXIT_OK
    state["log"] = app.configure_logging(data_dir / "logs" if (data_dir / "clinic-app.json").exists() else None)
    if args.command == "db" and args.db_command == "recover":
        return _recover(args, data_dir, passphrase)
    if args.command == "init":
        return _init(args, data_dir, passphrase)
    restoring = args.command == "db" and args.db_command == "restore"
    unit = app.open_cli_session(data_dir, passphrase, verify_open=not restoring)
    if args.command != "db" and (unit.inst.read_only or unit.inst.damaged):
        why = ReadOnlyError() if unit.inst.read_only else DatabaseDamagedError()
        sys.stderr.write(f"คำเตือน: {why.thai}\nWarning: {why.english}\n")
    try:
        password = lambda: _secret(args.password_file, f"รหัสผ่านของ {args.user} / Password")  # noqa: E731
        if args.command == "db":
            if args.db_command != "check":
                _maintainer(unit, args.user, password)
        else:
            unit.acting_from_cli(args.user, password, device_ok=args.command in DEVICE_COMMANDS or (
                args.command == "relay" and args.relay_command in ("serve", "status")))
        return COMMANDS[args.command](args, unit)
    finally:
        unit.close()
        unit.inst.close()


def _init(args: argparse.Namespace, data_dir: Path, passphrase: PassphraseSource | None) -> int:
    inst = initialise(data_dir, hcode=args.hcode, name=args.name, hub_url=args.hub_url,
                      auth=not args.no_auth, training=args.training, keys=app.build_keystore(),
                      passphrase=passphrase)
    state["log"] = app.configure_logging(inst.folder.log_dir)
    if args.admin:
        with UnitSession(inst) as unit:
            unit.accounts.add(args.admin, "administrator",
                              _secret(args.admin_password_file, "รหัสผ่านผู้ดูแล / Administrator's password",
                                      confirm=True))
    inst.close()
    source = inst.marker["key"]["source"]
    print(f"ตั้งค่าโฟลเดอร์ข้อมูลแล้ว / Data folder ready: {inst.folder.path}")
    print(f"กุญแจเก็บใน / Key kept in: {'OS keyring' if source == 'keyring' else 'passphrase-wrapped file'}")
    print("กุญแจกู้คืน (แสดงครั้งเดียว พิมพ์หรือจดเก็บในที่ปลอดภัย) / Recovery key (shown once: print it or "
          f"write it down and keep it safe):\n    {inst.recovery_key}")
    return EXIT_OK


def _import_fhir(args: argparse.Namespace, unit: UnitSession) -> int:
    changes = unit.records.import_fhir(_read_json(args.file))
    print(f"นำเข้าแล้ว / Imported: {changes.total} resources")
    _print_json(changes.summary())
    return EXIT_OK


def _export_fhir(args: argparse.Namespace, unit: UnitSession) -> int:
    for chunk in unit.export_fhir(cid=args.patient, resource_type=args.resource_type):
        sys.stdout.write(chunk)
    return EXIT_OK


def _export_43(args: argparse.Namespace, unit: UnitSession) -> int:
    from clinic_app.services.interop import month_bounds, parse_day

    if args.month and (args.first or args.last):
        raise InvalidInputError("ใช้ --month หรือ --from/--to อย่างใดอย่างหนึ่ง", "Give --month or --from/--to, not both.")
    first, last = month_bounds(args.month) if args.month else (
        parse_day(args.first) if args.first else None, parse_day(args.last) if args.last else None)
    report = unit.interop43.export(Path(args.out), encoding=args.encoding, first=first, last=last,
                                   hdc_check=bool(args.month))
    print(f"เขียน 43 แฟ้มแล้ว / 43 files written: {report.path}")
    _print_json(report.rows)
    _print_notes(report.notes)
    return EXIT_OK


def _import_43(args: argparse.Namespace, unit: UnitSession) -> int:
    """Exit 0 when the import ran, with --partial too: the rows refused are counted on stderr
    (and in the JSON's "refused") and kept for review; 2 when nothing was imported."""
    review_asked = [flag for flag, given in (("--review", args.review), ("--rejects", args.rejects),
                                             ("--retry", args.retry), ("--discard", args.discard)) if given]
    if len(review_asked) > 1 or (review_asked and (args.source or args.partial)) or not (review_asked or args.source):
        raise InvalidInputError("โปรดระบุอย่างใดอย่างหนึ่ง: SOURCE (และ --partial ได้), --review, --rejects OUT, "
                                "--retry หรือ --discard ID", "Give one of: SOURCE (with --partial if you like), "
                                "--review, --rejects OUT, --retry or --discard ID.")
    if review_asked:
        return _review_43(args, unit)
    result = unit.interop43.import_(Path(args.source), partial=args.partial)
    print(f"นำเข้า 43 แฟ้มแล้ว / 43 files imported: {result.stored} resources")
    _print_json({**result.by_type, "rows": result.rows, "refused": result.refused} if args.partial else result.by_type)
    _print_notes(result.notes)
    refused = sum(result.refused.values())
    if refused:
        sys.stderr.write(f"นำเข้าไม่ได้ {refused} แถว เก็บไว้ในรายการให้แก้ (import-43 --review, --rejects OUT "
                         f"หรือเมนูไฟล์) / {refused} rows were refused and kept in the review list (import-43 "
                         "--review, --rejects OUT, or the File menu).\n")
    return EXIT_OK


def _review_43(args: argparse.Namespace, unit: UnitSession) -> int:
    """The review list of `import-43 --partial`: list, write out, import again, discard."""
    review = unit.interop43.review
    if args.rejects:
        report = review.write_rejects(Path(args.rejects), encoding=args.encoding)
        print(f"เขียนแถวที่นำเข้าไม่ได้เป็น 43 แฟ้มแล้ว / Refused rows written as 43 files: {report.path}")
        _print_json(report.rows)
        _print_notes(report.notes)
    elif args.retry:
        done = review.reimport([row.id for row in review.rows()])
        print(f"นำเข้าแล้ว {len(done.imported)} แถว ยังนำเข้าไม่ได้ {len(done.refused)} แถว / "
              f"{len(done.imported)} rows imported, {len(done.refused)} still refused")
    elif args.discard:
        print(f"นำออกจากรายการแล้ว / Taken off the list: {review.discard(args.discard)} rows")
    else:
        rows = review.rows()
        listed = [{"id": r.id, "file": r.file, "layout": r.layout, "line": r.line, "source": r.source,
                   "PID": r.value("PID"), "SEQ": r.value("SEQ"), "edited": r.edited,
                   "reasons": [{"en": en, "th": th} for en, th in r.reasons]} for r in rows]
        if args.json:
            _print_json(listed)
        elif not rows:
            print("ไม่มีแถวที่นำเข้าไม่ได้ / The review list is empty.")
        else:
            print(f"แถวที่นำเข้าไม่ได้ {len(rows)} แถว / {len(rows)} rows to review")
            _table(["id", "แฟ้ม / file", "บรรทัด / line", "PID", "SEQ", "เหตุผล / reason"],
                   [[str(r.id), r.file, str(r.line), r.value("PID") or "-", r.value("SEQ") or "-",
                     "; ".join(f"{th} / {en}" if th != en else en for en, th in r.reasons)] for r in rows],
                   [5, 18, 14, 8, 10])
    return EXIT_OK


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        sys.stderr.write(f"หมายเหตุ / note: {note}\n")


def _device_key(_args: argparse.Namespace, unit: UnitSession) -> int:
    _print_json(unit.device_enrolment())
    return EXIT_OK


def _status(_args: argparse.Namespace, unit: UnitSession) -> int:
    _print_json({**unit.status(), "data_dir": str(unit.inst.folder.path)})
    return EXIT_OK


def _demo_data(args: argparse.Namespace, unit: UnitSession) -> int:
    if args.patients < 1:
        raise InvalidInputError("จำนวนผู้ป่วยต้องมากกว่า 0", "--patients must be at least 1.")

    def progress(done: int, total: int) -> bool:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{done}/{total}")
        return True

    changes = unit.records.load_demo(args.patients, seed=args.seed, progress=progress)
    print(f"เพิ่มข้อมูลตัวอย่างแล้ว / Demo data added: {args.patients} patients, {changes.total} resources")
    return EXIT_OK


def _sync(args: argparse.Namespace, unit: UnitSession) -> int:
    def progress(p: SyncProgress) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(progress_line(p))

    try:
        report = unit.sync(progress=progress, verify_counts=True if args.check_counts else None)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
    except HubUnreachableError as exc:
        sys.stderr.write(f"{exc.thai}\n{exc.english}\n")
        return exc.exit_code
    _print_json(report.as_dict())
    for warning in report.warnings:
        sys.stderr.write(warning + "\n")
    if report.conflicts:
        sys.stderr.write(f"มีข้อมูลขัดแย้ง {report.conflicts} รายการ รอให้เจ้าหน้าที่เลือก / "
                         f"{report.conflicts} conflict(s) wait for a person to choose.\n")
        return EXIT_CONFLICTS
    if report.unhealed:
        sys.stderr.write((report.problem() or "") + "\n")
        return EXIT_FAILURE
    if report.failed:
        sys.stderr.write(f"ระบบกลางไม่รับ {report.failed} รายการ (ดูเหตุผลในรายการรอส่ง) / "
                         f"The hub refused {report.failed} change(s); see their reasons in the queue.\n")
        return EXIT_FAILURE
    return EXIT_OK


def _relay(args: argparse.Namespace, unit: UnitSession) -> int:
    if args.relay_command == "serve":
        server = unit.relay_server()

        def ready(url: str, fingerprint: str) -> None:
            shown = url.replace("0.0.0.0", socket.gethostname()) if "//0.0.0.0:" in url else url
            print(shown, flush=True)
            print(fingerprint, flush=True)
            sys.stderr.write("เครื่องแม่ข่ายของหน่วยบริการพร้อมแล้ว ให้เครื่องอื่นเข้าร่วมด้วยที่อยู่และลายนิ้วมือข้างบน "
                             "(clinic-app relay join) / The unit relay is serving: desktops join with the address and "
                             "fingerprint above (clinic-app relay join).\n")

        server.serve(args.host, args.port, ready=ready)
    elif args.relay_command == "enroll":
        _print_json(unit.relay_enroll(_read_json(args.file)))
    elif args.relay_command == "status":
        _print_json(unit.relay_status())
    elif args.relay_command == "join":
        pinned = unit.relay_join(args.url, args.fingerprint)
        print(f"เข้าร่วมเครื่องแม่ข่ายแล้ว / Joined the unit relay {args.url} ({pinned}).")
    elif args.relay_command == "leave":
        unit.relay_leave()
        print("ออกจากเครื่องแม่ข่ายแล้ว ซิงก์กับระบบกลางโดยตรง / Left the unit relay; syncing with the cloud directly.")
    return EXIT_OK


def _card(args: argparse.Namespace, unit: UnitSession) -> int:
    read = unit.card.read(photo=bool(args.photo))
    out = read.summary()
    if not args.show_id:
        out["cid"] = mask_cid(out["cid"])
    if args.photo:
        if not read.data.photo:
            raise InvalidInputError("บัตรนี้ไม่มีรูปถ่าย", "This card holds no photo.")
        Path(args.photo).write_bytes(read.data.photo)
        out["photo_file"] = str(args.photo)
    if read.expired:
        sys.stderr.write("บัตรหมดอายุแล้ว (ยังใช้ข้อมูลได้) / The card has expired (its details still serve).\n")
    for thai, english in read.unmatched:
        sys.stderr.write(f"{thai} / {english}\n")
    _print_json(out)
    return EXIT_OK


def progress_line(p: SyncProgress, width: int = 20) -> str:
    """A sync's progress on a terminal, rewritten in place: "\\rpush 1200/3400 [#######.............]
    35% 0.8 MB ~1:05 left" (no total: records and bytes only)."""
    line = f"\r{p.phase} {p.done}/{p.total or '?'}"
    if p.total:
        share = min(1.0, p.done / p.total)
        filled = round(share * width)
        line += f" [{'#' * filled}{'.' * (width - filled)}] {share:4.0%}"
    if p.bytes:
        line += f" {p.bytes / 1e6:.1f} MB"
    eta = p.eta_seconds()
    if eta is not None:
        minutes, seconds = divmod(round(eta), 60)
        line += f" ~{minutes}:{seconds:02d} left"
    return line + "   "


def _secret(path: str | None, prompt: str, *, confirm: bool = False) -> str:
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"อ่านไฟล์รหัสผ่านไม่ได้ ({thai})", f"Cannot read the password file ({english}).",
                             code="file") from exc
    if not sys.stdin.isatty():
        raise KnownError("โปรดระบุไฟล์รหัสผ่าน", "Give the password in a file (--password-file).", code="password-needed")
    first = getpass.getpass(prompt + ": ")
    if confirm and getpass.getpass("ยืนยัน / Repeat: ") != first:
        raise KnownError("รหัสผ่านสองครั้งไม่ตรงกัน", "The two passwords differ.", code="password-mismatch")
    return first


def _audit(_args: argparse.Namespace, unit: UnitSession) -> int:
    entries, broken = unit.audit_check()
    if unit.inst.damaged:  # the chain may read whole from pages the check found damaged: vouch for nothing
        _print_json({"entries": entries, "broken_at": broken})
        raise DatabaseDamagedError()
    try:
        anchored = unit.audit_against_hub()
    except (HubUnreachableError, HubNotConfiguredError):
        anchored = False
    _print_json({"entries": entries, "broken_at": broken,
                 "hub_anchor": None if not anchored else {"entries": anchored[0], "matches": anchored[1]}})
    if broken:
        raise KnownError("บันทึกการใช้งานถูกแก้ไข ลบ หรือสลับลำดับ", "The audit trail was edited, removed from "
                         f"or reordered (first break at entry {broken[0]}).", code="audit-broken")
    if anchored and not anchored[1]:
        raise KnownError(f"บันทึกการใช้งานไม่ตรงกับที่ระบบกลางเก็บไว้ (รายการที่ {anchored[0]}) ถูกตัดทอนหรือเขียนใหม่",
                         f"The audit trail no longer matches the head the hub holds (entry {anchored[0]}): it was "
                         "cut short or rewritten after the last sync.", code="audit-anchor")
    print("บันทึกการใช้งานครบถ้วน / The audit trail is intact.")
    if anchored is False:
        sys.stderr.write("หมายเหตุ: เทียบกับระบบกลางไม่ได้ (ออฟไลน์) ตรวจได้เฉพาะในเครื่อง / Note: the hub could not be "
                         "asked (offline), so only this computer's chain was checked.\n")
    elif anchored is None:
        sys.stderr.write("หมายเหตุ: ระบบกลางยังไม่มีหลักฐานของบันทึกนี้ (ยังไม่เคยซิงก์) / Note: the hub holds no anchor "
                         "of this trail yet (no sync since).\n")
    return EXIT_OK


def _staff_details(parser: argparse.ArgumentParser) -> None:
    """The options of a staff member's details (services/accounts.py StaffDetails)."""
    group = parser.add_argument_group("what HDC's PROVIDER file asks (43 files)")
    group.add_argument("--cid", default="", help="the staff member's citizen ID (13 digits)")
    group.add_argument("--prefix", default="", help="name prefix: DOPA code (003, 004, 005 ...) or นาย, นาง, นางสาว")
    group.add_argument("--given", default="", help="given name (Thai)")
    group.add_argument("--family", default="", help="family name (Thai)")
    group.add_argument("--sex", default="", help="male or female")
    group.add_argument("--birth", default="", help="birth date YYYY-MM-DD (a Buddhist-era year works too)")
    group.add_argument("--provider-type", default="", help="THCC provider type: 01 doctor, 02 dentist, 03 nurse, "
                                                           "04 community health officer, 05 public health officer, "
                                                           "11 pharmacist ...")
    group.add_argument("--start", default="", help="the day they started at the unit, YYYY-MM-DD")


def _details_of(args: argparse.Namespace) -> StaffDetails:
    return StaffDetails(args.cid, args.prefix, args.given, args.family, args.sex, args.birth, args.provider_type,
                        args.start)


def _user(args: argparse.Namespace, unit: UnitSession) -> int:
    accounts = unit.accounts
    if args.user_command == "add":
        accounts.add(args.name, args.role, _secret(args.new_password_file, "รหัสผ่านใหม่ / New password",
                                                   confirm=True), full_name=args.full_name, licence=args.licence,
                     details=_details_of(args))
        print(f"เพิ่มผู้ใช้ {args.name} แล้ว / User {args.name} added.")
    elif args.user_command == "details":
        given = _details_of(args)
        if given != StaffDetails():
            accounts.set_details(args.name, given)
            print(f"บันทึกข้อมูลของ {args.name} แล้ว / {args.name}'s details saved.")
        shown = dataclasses.asdict(accounts.details(args.name))
        shown["cid"] = mask_cid(shown["cid"]) if shown["cid"] else ""
        _print_json(shown)
    elif args.user_command == "list":
        _print_json(accounts.list())
    else:
        accounts.disable(args.name)
        print(f"ปิดการใช้งาน {args.name} แล้ว / {args.name} disabled.")
    return EXIT_OK


def _consent(args: argparse.Namespace, unit: UnitSession) -> int:
    if args.consent_command == "request":
        consent_id = unit.consent.request_consent(args.cid, purpose=args.purpose, days=args.days).value
        print(f"บันทึกคำขอความยินยอมแล้ว จะส่งเมื่อซิงก์ / Consent request saved; it goes out at the next sync"
              f" (Consent/{consent_id}).")
    else:
        _print_json(unit.consent.consents())
    return EXIT_OK


def _records(args: argparse.Namespace, unit: UnitSession) -> int:
    if args.records_command == "fetch":
        granted = unit.consent.request_records(args.cid).value == "granted"
        print("จะดึงประวัติเมื่อซิงก์ครั้งถัดไป / The records will be fetched at the next sync"
              + (" (consent granted)." if granted else " once the patient approves."))
    else:
        _print_json([{"facility": r["facility"], "facility_name": r["facility_name"], "under": r["grant"],
                      "resource": r["resource"]} for r in unit.consent.show_records(args.cid).value])
    return EXIT_OK


def _patients(args: argparse.Namespace, unit: UnitSession) -> int:
    service = unit.duplicates
    if args.patients_command == "merge":
        keep, drop = service.patient_id_for(args.keep), service.patient_id_for(args.drop)
        changes = service.merge(keep, drop)
        moved = changes.total - 2  # the two Patients themselves
        print(f"รวมแฟ้มแล้ว: {args.drop} รวมเข้ากับ {args.keep} ย้ายข้อมูล {moved} รายการ จะส่งเมื่อซิงก์ / "
              f"Merged: {args.drop} into {args.keep}, {moved} record(s) moved; they go to the hub at the next sync.")
        return EXIT_OK
    groups = service.groups()
    if not groups:
        print("ไม่พบผู้ป่วยซ้ำ / No duplicates: no two records share a citizen ID.")
        return EXIT_OK
    print(f"ผู้ป่วยซ้ำ {len(groups)} กลุ่ม (เลขประจำตัวประชาชนเดียวกัน) / {len(groups)} group(s) of records sharing "
          "a citizen ID; merge with: clinic-app patients merge --keep HN --drop HN")
    for group in groups:
        print(f"\n{group.masked_cid}")
        print(f"  {'HN':<9} {_pad('ชื่อ-สกุล / name', 30)} {_pad('เกิด / born', 11)} {'visits':>6}  id")
        for p in group.patients:
            print(f"  {p.hn:<9} {_pad(p.name, 30)} {p.birth_date or '-':<11} {p.visits:>6}  {p.id}")
    return EXIT_OK


def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` columns as a terminal shows it (Thai vowel and tone marks
    above and below a letter take no column of their own)."""
    shown = sum(1 for ch in text if unicodedata.category(ch) != "Mn")
    return text + " " * max(0, width - shown)


def _config(args: argparse.Namespace, unit: UnitSession) -> int:
    if args.config_command == "set":
        unit.change_setting(args.key, args.value)
        print(f"ตั้งค่า {args.key} แล้ว / {args.key} set.")
    _print_json(unit.setting_values())
    return EXIT_OK


def _emergency_log(_args: argparse.Namespace, unit: UnitSession) -> int:
    _print_json(unit.consent.emergency_log())
    return EXIT_OK


def _emergency_access(args: argparse.Namespace, unit: UnitSession) -> int:
    if not args.confirm:
        raise KnownError("โปรดยืนยันด้วย --confirm: การเข้าถึงฉุกเฉินจะถูกบันทึกและตรวจสอบ",
                         "Confirm with --confirm: emergency access is recorded and reviewed.",
                         code="confirm-needed")
    count = unit.emergency_access(args.cid, args.reason).value
    print(f"เข้าถึงฉุกเฉินแล้ว ได้ {count} รายการ (บันทึกการเข้าถึงแล้ว) / Emergency access: {count} records"
          " fetched; the access is recorded.")
    return EXIT_OK


def _recover(args: argparse.Namespace, data_dir: Path, passphrase: PassphraseSource | None) -> int:
    from clinic_app.services.installation import recover

    if args.recovery_key_file:
        try:
            text = Path(args.recovery_key_file).read_text(encoding="utf-8")
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"อ่านไฟล์กุญแจกู้คืนไม่ได้ ({thai})", f"Cannot read the recovery key file ({english}).",
                             code="file") from exc
    elif sys.stdin.isatty():
        text = getpass.getpass("กุญแจกู้คืน / Recovery key: ")
    else:
        raise KnownError("โปรดระบุ --recovery-key-file", "Give the recovery key with --recovery-key-file.",
                         code="recovery-key-needed")
    recover(data_dir, text, keys=app.build_keystore(), passphrase=passphrase)
    print("คืนกุญแจแล้ว เปิดข้อมูลได้ตามปกติ / The key is back; the data opens as before.")
    return EXIT_OK


def _maintainer(unit: UnitSession, user: str | None, password: Callable[[], str]) -> None:
    """Backup, restore and re-key need an administrator once accounts exist. A database so
    damaged that its accounts cannot be read (why people restore) leaves the folder's key,
    from the keyring or the passphrase, as the guard."""
    try:
        unit.acting_from_cli(user, password, device_ok=False)
    except StoreError as exc:
        log.warning("db command on a database whose accounts cannot be read (%s)", exc.code)
        return
    finally:
        unit.close()  # the command works on the file itself: no connection of ours stays open
    require(unit.actor, "data.maintain")


def _db(args: argparse.Namespace, unit: UnitSession) -> int:
    inst = unit.inst
    if args.db_command == "check":
        report = maintenance.check(inst)
        _print_json({"ok": report.ok, "problems": report.problems, "schema_version": report.schema_version})
        if not report.ok:
            raise KnownError("ฐานข้อมูลมีปัญหา โปรดกู้คืนจากไฟล์สำรอง",
                             "The database failed its integrity check; restore a backup.", code="check-failed")
    elif args.db_command == "backup":
        target = maintenance.backup(inst, Path(args.file), actor=unit.actor.name)
        print(f"สำรองข้อมูลแล้ว (เข้ารหัส) / Encrypted backup written: {target}")
    elif args.db_command == "restore":
        kept = maintenance.restore(inst, Path(args.file), actor=unit.actor.name)
        print(f"กู้คืนแล้ว ไฟล์เดิมเก็บไว้ที่ / Restored; the previous file is kept at: {kept}")
    elif args.db_command == "rekey":
        recovery = rotate_key(inst)
        print("เปลี่ยนกุญแจเข้ารหัสแล้ว / The database is now encrypted under a new key.")
        print(f"กุญแจกู้คืนใหม่ (แสดงครั้งเดียว) / New recovery key (shown once; the old one no longer works):\n    {recovery}")
        print("คำเตือน: ไฟล์สำรองที่ทำก่อนหน้านี้เปิดด้วยกุญแจใหม่ไม่ได้ โปรดสำรองข้อมูลใหม่ทันที\n"
              "Warning: backups made before this do not open with the new key. Make a new backup now "
              "(clinic-app db backup FILE).")
    return EXIT_OK


# -- a day's work -------------------------------------------------------------------------------

VISIT_STATES = {"expected": ("นัดไว้", "expected"), "waiting": ("รอตรวจ", "waiting"),
                "being-seen": ("กำลังตรวจ", "being seen"), "done": ("เสร็จแล้ว", "done"),
                "cancelled": ("ยกเลิก", "cancelled")}
APPOINTMENT_STATES = {"booked": ("นัดไว้", "booked"), "fulfilled": ("มาตามนัด", "kept"),
                      "noshow": ("ไม่มาตามนัด", "no-show"), "arrived": ("มาแล้ว", "arrived"),
                      "checked-in": ("มาแล้ว", "arrived"), "missed": ("ขาดนัด", "missed")}
OVERDUE_WHY = {"no-visit": ("ไม่ได้มาตรวจเกิน 90 วัน", "no visit for 90 days"),
               "missed-appointment": ("ขาดนัด", "missed an appointment")}


def _be(iso: str | None) -> str:
    """An ISO day (or instant) as Thai staff read it (3 มี.ค. 2569); "-" for none."""
    import datetime as dt

    from clinic_app.core.thai import format_thai_date

    if not iso:
        return "-"
    try:
        return format_thai_date(dt.date.fromisoformat(iso[:10]))
    except ValueError:
        return iso


def _words(pair: tuple[str, str]) -> str:
    return f"{pair[0]}/{pair[1]}"


def _table(header: list[str], rows: list[list[str]], widths: list[int]) -> None:
    """Rows in columns as a terminal shows them (the last column as it is)."""
    for row in [header, *rows]:
        print("  " + " ".join(_pad(cell, width) for cell, width in zip(row[:-1], widths, strict=False))
              + " " + row[-1])


def _patient_by_cid(unit: UnitSession, text: str) -> str:
    """The id of the unit's patient with this citizen ID (refused when none, or two records)."""
    from clinic_app.core.fhir import owner_of, patient_cid
    from clinic_app.core.thai import cid_problem, normalise_cid

    cid = normalise_cid(text)
    why = cid_problem(cid)
    if why:
        raise InvalidInputError(why[0], why[1], problems=[Problem(None, "--cid", why[1], why[0])])
    found = [p for p in unit.search_patients(cid) if patient_cid(p) == cid]
    hcode = unit.settings().hcode
    found = [p for p in found if owner_of(p) in (None, hcode)] or found
    if not found:
        raise KnownError("ไม่พบผู้ป่วยที่มีเลขประจำตัวประชาชนนี้ในหน่วยบริการนี้ โปรดลงทะเบียนผู้ป่วยก่อน",
                         "No patient with this citizen ID is registered at this unit; register the patient "
                         "first.", code="no-patient")
    if len(found) > 1:
        raise KnownError("มีผู้ป่วยหลายแฟ้มที่ใช้เลขประจำตัวประชาชนนี้ โปรดรวมแฟ้มก่อน "
                         "(clinic-app patients duplicates)",
                         "More than one record has this citizen ID: merge them first (clinic-app patients "
                         "duplicates).", code="duplicate-patient")
    return str(found[0]["id"])


def _number(text: str, what: str, problems: list[Problem], *, whole: bool = False) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
        if not math.isfinite(value) or (whole and value != int(value)):
            raise ValueError
        return value
    except ValueError:
        problems.append(Problem(None, what, f"{text!r} is not a {'whole ' if whole else ''}number",
                                f"{text!r} ไม่ใช่ตัวเลข{'จำนวนเต็ม' if whole else ''}"))
        return None


def _drug_line(text: str, problems: list[Problem]) -> DrugLine:
    """--drug CODE:QTY[:DOSE:FREQ:DAYS[:MEALS]] as a line of the visit."""
    parts = [p.strip() for p in text.split(":")]
    where = f"--drug {text}"
    if len(parts) not in (2, 5, 6) or not parts[0]:
        problems.append(Problem(None, where, "write CODE:QTY, or CODE:QTY:DOSE:FREQ:DAYS (see --help)",
                                "โปรดเขียนเป็น รหัสยา:จำนวน หรือ รหัสยา:จำนวน:ครั้งละ:ความถี่:จำนวนวัน (ดู --help)"))
        return DrugLine(code=parts[0] or "?")
    parts += [""] * (6 - len(parts))
    code, quantity, dose, frequency, days, meals = parts
    line = DrugLine(code=code, quantity=_number(quantity, where, problems),
                    dose=_number(dose, where, problems), frequency=frequency.upper(), meals=meals.lower())
    found = _number(days, where, problems, whole=True)
    line.days = int(found) if found is not None else None
    if len(text.split(":")) == 2 and line.quantity is None:
        problems.append(Problem(None, where, "give the quantity (CODE:QTY)", "โปรดระบุจำนวนยา (รหัสยา:จำนวน)"))
    if line.meals not in ("", "pc", "ac"):
        problems.append(Problem(None, where, "MEALS is pc (after meals) or ac (before)",
                                "มื้ออาหารต้องเป็น pc (หลังอาหาร) หรือ ac (ก่อนอาหาร)"))
    return line


def _visit_form(args: argparse.Namespace) -> VisitForm:
    """The visit from the command's options; every option's problem at once."""
    from clinic_app.services.interop import parse_day

    problems: list[Problem] = []
    form = VisitForm(complaint=args.complaint, weight=args.weight, temperature=args.temperature, pulse=args.pulse,
                     blood_sugar=args.blood_sugar, note=args.note, vaccine=args.vaccine.strip(),
                     procedures=[p.strip() for p in args.procedure], allergy_reason=args.allergy_reason,
                     unusual_confirmed=args.confirm_unusual)
    for text in args.diagnosis:
        code, _, kind = text.partition(":")
        form.diagnoses.append((code.strip().upper(), kind.strip()))
    form.drugs = [_drug_line(text, problems) for text in args.drug]
    if args.bp:
        upper, slash, lower = args.bp.partition("/")
        systolic, diastolic = _number(upper, "--bp", problems), _number(lower, "--bp", problems)
        if not slash or systolic is None or diastolic is None:
            problems.append(Problem(None, "--bp", "write the blood pressure as 120/80", "โปรดเขียนความดันเป็น 120/80"))
        form.systolic, form.diastolic = systolic, diastolic
    if args.appointment:
        day, _, reason = args.appointment.partition(":")
        try:
            form.appointment_day = parse_day(day.strip())
        except InvalidInputError as exc:
            problems.append(Problem(None, "--appointment", exc.english, exc.thai))
        form.appointment_reason = reason.strip()
    if problems:
        raise InvalidInputError("ตัวเลือกของคำสั่งมีค่าที่ต้องแก้ ไม่ได้บันทึกอะไร",
                                "Some options have values to fix; nothing was saved.", problems=problems)
    return form


def _visit(args: argparse.Namespace, unit: UnitSession) -> int:
    import dataclasses
    import datetime as dt

    from clinic_app.services.interop import parse_day

    if args.visit_command == "list":
        day = parse_day(args.day) if args.day else dt.date.today()
        rows = unit.visits.today(day)
        if args.json:
            _print_json([dataclasses.asdict(r) for r in rows])
            return EXIT_OK
        if not rows:
            print(f"ไม่มีผู้มารับบริการหรือนัดในวันที่ {_be(day.isoformat())} / No visits or appointments on "
                  f"{day.isoformat()}.")
            return EXIT_OK
        print(f"รายชื่อวันที่ {_be(day.isoformat())} {len(rows)} ราย / The list of {day.isoformat()}: {len(rows)}")
        _table(["เวลา", "HN", "ชื่อ-สกุล / name", "สถานะ / state", "ผู้ตรวจ / seen by", "id"],
               [[r.since[11:16] or "-", r.hn or "-", r.name, _words(VISIT_STATES.get(r.state, (r.state, r.state))),
                 r.seen_by or "-", r.encounter_id or "-"] for r in rows], [5, 9, 30, 22, 20])
        return EXIT_OK
    if args.visit_command == "void":
        unit.visits.void(args.id, args.reason)
        print(f"ทำเครื่องหมายว่าบันทึกผิดพลาดแล้ว (เก็บไว้ ไม่ได้ลบ) / Visit {args.id} marked entered in error "
              "(kept, not deleted).")
        return EXIT_OK
    if args.visit_command == "check-in":
        arrived = unit.visits.check_in(_patient_by_cid(unit, args.cid), complaint=args.complaint)
        print(arrived.value["id"])
        sys.stderr.write("อยู่ในรายชื่อวันนี้แล้ว (รอตรวจ) / On today's list, waiting.\n" if arrived.changes.total else
                         "อยู่ในรายชื่อวันนี้อยู่แล้ว / Already on today's list.\n")
        return EXIT_OK
    form = _visit_form(args)
    pid = _patient_by_cid(unit, args.cid)
    waiting = next((r.encounter_id for r in unit.visits.today() if r.patient_id == pid and r.encounter_id
                    and r.state in ("waiting", "being-seen")), None)
    try:
        done = unit.visits.save(pid, form, encounter_id=waiting)
    except AllergyConflictError as exc:
        exc.cli_hint = ("ถ้าจำเป็นต้องให้ยานี้ ให้ระบุเหตุผลด้วย --allergy-reason \"เหตุผล\"",
                        "To give it anyway, say why with --allergy-reason \"TEXT\".")
        raise
    except UnusualValuesError as exc:
        exc.cli_hint = ("ถ้าค่าถูกต้อง ให้ยืนยันด้วย --confirm-unusual", "If they are right, confirm with "
                        "--confirm-unusual.")
        raise
    print(done.value["id"])
    sys.stderr.write("บันทึกการรับบริการแล้ว จะส่งเมื่อซิงก์ / Visit saved; it goes to the hub at the next sync.\n")
    return EXIT_OK


def _allergy_rows(allergies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from clinic_app.core.identifiers import ALLERGY_CERTAINTY_EXTENSION, ALLERGY_SEVERITY_EXTENSION

    def coded(resource: dict[str, Any], url: str) -> str:
        for ext in resource.get("extension") or []:
            if ext.get("url") == url:
                return str((((ext.get("valueCodeableConcept") or {}).get("coding") or [{}])[0]).get("code") or "")
        return ""

    return [{"id": a["id"], "substance": (a.get("code") or {}).get("text") or "?",
             "reaction": "; ".join(m.get("text", "") for r in a.get("reaction") or [] for m in r.get("manifestation")
                                   or []),
             "certainty": coded(a, ALLERGY_CERTAINTY_EXTENSION), "severity": coded(a, ALLERGY_SEVERITY_EXTENSION),
             "recorded": a.get("recordedDate", "")} for a in allergies]


def _allergy(args: argparse.Namespace, unit: UnitSession) -> int:
    from clinic_app.core import builders as build

    pid = _patient_by_cid(unit, args.cid)
    if args.allergy_command == "add":
        done = unit.visits.add_allergy(pid, args.substance, reaction=args.reaction, certainty=args.certainty,
                                       severity=args.severity, drug_code=args.drug.strip())
        print(f"บันทึกการแพ้แล้ว / Allergy recorded (AllergyIntolerance/{done.value['id']}).")
        return EXIT_OK
    rows = _allergy_rows(unit.visits.allergies(pid))
    if args.json:
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print("ไม่มีประวัติการแพ้ที่บันทึกไว้ / No allergies recorded.")
        return EXIT_OK
    print(f"ประวัติการแพ้ {len(rows)} รายการ / {len(rows)} allergy record(s)")
    _table(["สิ่งที่แพ้ / substance", "อาการ / reaction", "ความแน่ชัด / certainty", "ความรุนแรง / severity",
            "บันทึก / recorded"],
           [[r["substance"], r["reaction"] or "-",
             f"{r['certainty']} {build.ALLERGY_CERTAINTY.get(r['certainty'], '')}",
             f"{r['severity']} {build.ALLERGY_SEVERITY.get(r['severity'], '')}", _be(r["recorded"])] for r in rows],
           [24, 20, 24, 26])
    return EXIT_OK


def _appointment(args: argparse.Namespace, unit: UnitSession) -> int:
    import datetime as dt

    from clinic_app.services.followup import FOLLOW_UP_DAYS
    from clinic_app.services.interop import parse_day

    today = dt.date.today()
    if args.first or args.last:
        if args.today or args.week:
            raise InvalidInputError("ใช้ --from/--to พร้อม --today หรือ --week ไม่ได้",
                                    "--from/--to go with --missed or alone, not with --today or --week.")
        first = parse_day(args.first) if args.first else today
        last = parse_day(args.last) if args.last else first
        if last < first:
            raise InvalidInputError("วันสิ้นสุดต้องไม่ก่อนวันเริ่ม", "--to is a day on or after --from.")
    elif args.week:
        first, last = today, today + dt.timedelta(days=6)
    elif args.missed:
        first, last = today - dt.timedelta(days=FOLLOW_UP_DAYS), today - dt.timedelta(days=1)
    else:
        first = last = today
    rows = unit.visits.appointments(first, last)
    if args.missed:
        rows = [a for a in rows if a["missed"]]
    if args.json:
        _print_json(rows)
        return EXIT_OK
    span = _be(first.isoformat()) + ("" if first == last else f" - {_be(last.isoformat())}")
    english = first.isoformat() + ("" if first == last else f" to {last.isoformat()}")
    what = ("นัดที่ขาด", "missed appointments") if args.missed else ("นัด", "appointments")
    if not rows:
        print(f"ไม่มี{what[0]} {span} / No {what[1]} {english}.")
        return EXIT_OK
    print(f"{what[0]} {span}: {len(rows)} ราย / {what[1].capitalize()} {english}: {len(rows)}")
    _table(["วันนัด / day", "HN", "ชื่อ-สกุล / name", "สถานะ / state", "เหตุผล / reason", "id"],
           [[_be(a["day"]), a["hn"] or "-", a["name"],
             _words(APPOINTMENT_STATES.get("missed" if a["missed"] else str(a["status"]),
                                           (str(a["status"]), str(a["status"])))),
             a["reason"] or "-", a["id"]] for a in rows], [14, 9, 30, 22, 24])
    return EXIT_OK


def _formulary(args: argparse.Namespace, unit: UnitSession) -> int:
    import dataclasses

    from clinic_app.services.formulary import FREQUENCIES

    if args.formulary_command == "import":
        path = Path(args.file)
        try:
            path.read_bytes()
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"เปิดไฟล์ {path.name} ไม่ได้ ({thai})", f"Cannot open {path.name} ({english}).",
                             code="file") from exc
        try:
            report = unit.formulary.import_csv(path)
        except InvalidInputError as exc:  # the service numbers a problem by its line: say "line", as import-43 does
            raise InvalidInputError(exc.thai, exc.english, problems=[
                Problem(None, f"{path.name} line {p.index}", f"{p.path}: {p.reason}", f"{p.path}: {p.thai}" if p.thai
                        else "") if p.index is not None else p for p in exc.problems]) from None
        print(f"นำเข้ารายการยาแล้ว เพิ่ม {report.added} แก้ไข {report.updated} ไม่เปลี่ยน {report.unchanged} / "
              f"Drug list imported: {report.added} added, {report.updated} updated, {report.unchanged} unchanged.")
        if report.extra_columns:
            print("คอลัมน์ที่ไม่ได้ใช้ / Extra columns (not used): " + ", ".join(report.extra_columns))
        return EXIT_OK
    drugs = unit.formulary.drugs(include_withdrawn=args.all)
    if args.json:
        _print_json([dataclasses.asdict(d) for d in drugs])
        return EXIT_OK
    if not drugs:
        print("ยังไม่มีรายการยา นำเข้าด้วย clinic-app formulary import FILE.csv / The drug list is empty; import "
              "one with: clinic-app formulary import FILE.csv")
        return EXIT_OK
    print(f"รายการยา {len(drugs)} รายการ / {len(drugs)} drug(s)")

    def usual(d: Any) -> str:
        parts = [f"{d.dose:g} {d.per_dose_unit}".strip() if d.dose else "",
                 d.frequency if d.frequency in FREQUENCIES else "", f"{d.days} วัน/days" if d.days else ""]
        return " ".join(p for p in parts if p) or "-"

    _table(["รหัส / code", "ชื่อยา / name", "หน่วย / unit", "วิธีใช้ปกติ / usual", "กลุ่ม / group"],
           [[d.code, f"{d.name} {d.strength}".strip() + ("" if d.active else " (ถอนแล้ว/withdrawn)"), d.unit or "-",
             usual(d), d.group or "-"] for d in drugs], [12, 32, 10, 22])
    return EXIT_OK


def _followup(args: argparse.Namespace, unit: UnitSession) -> int:
    import dataclasses

    if args.followup_command == "chronic":
        rows = unit.followup.chronic(overdue_only=args.overdue)
        if args.json:
            _print_json([dataclasses.asdict(r) for r in rows])
            return EXIT_OK
        title = ("ผู้ป่วยโรคเรื้อรังที่ขาดการติดตาม", "overdue chronic patients") if args.overdue else (
            "ทะเบียนผู้ป่วยโรคเรื้อรัง", "on the chronic-disease register")
        if not rows:
            print(f"ไม่มี{title[0]} / No {title[1]}.")
            return EXIT_OK
        print(f"{title[0]} {len(rows)} ราย / {len(rows)} {title[1]}")
        _table(["หมู่ / moo", "HN", "ชื่อ-สกุล / name", "โรค", "มาล่าสุด / last visit", "BP", "DTX",
                "นัดถัดไป / next", "ติดตาม / follow up"],
               [[r.village or "-", r.hn or "-", r.name, "+".join(r.diseases), _be(r.last_visit),
                 r.last_bp[1] if r.last_bp else "-", r.last_sugar[1] if r.last_sugar else "-",
                 _be(r.next_appointment), ", ".join(_words(OVERDUE_WHY.get(w, (w, w))) for w in r.why) or "-"]
                for r in rows], [9, 9, 28, 6, 21, 8, 5, 15])
        return EXIT_OK
    children = unit.followup.epi(overdue_only=args.overdue)
    if args.json:
        _print_json([{**dataclasses.asdict(r), "due": [d.code for d in r.due], "overdue": [d.code for d in r.overdue],
                      "due_names": [d.name for d in r.due]} for r in children])
        return EXIT_OK
    title = ("เด็กที่ได้รับวัคซีนล่าช้า", "children overdue for a vaccine") if args.overdue else (
        "เด็กที่ถึงกำหนดรับวัคซีน", "children with a vaccine due")
    if not children:
        print(f"ไม่มี{title[0]} / No {title[1]}.")
        return EXIT_OK
    print(f"{title[0]} {len(children)} ราย / {len(children)} {title[1]}")
    _table(["หมู่ / moo", "บ้านเลขที่", "HN", "ชื่อ-สกุล / name", "เกิด / born", "อายุ(ด.)", "วัคซีนที่ถึงกำหนด / due "
            "(* ล่าช้า/overdue)"],
           [[r.village or "-", r.house or "-", r.hn or "-", r.name, _be(r.birth_date), str(r.age_months),
             ", ".join(d.name + ("*" if d in r.overdue else "") for d in r.due)] for r in children],
           [9, 10, 9, 28, 14, 8])
    return EXIT_OK


def _referral(args: argparse.Namespace, unit: UnitSession) -> int:
    referrals = unit.referrals
    command = args.referral_command
    if command == "create":
        summary = None
        if args.summary_file:
            try:
                summary = Path(args.summary_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInputError(f"อ่านไฟล์สรุปอาการ {args.summary_file} ไม่ได้ (ต้องเป็นข้อความ UTF-8)",
                                        f"Cannot read the summary file {args.summary_file} (UTF-8 text).") from exc
        task_id = referrals.create(_patient_by_cid(unit, args.cid), args.to, args.reason, urgency=args.urgency,
                                   diagnoses=args.diagnosis, summary=summary).value
        print(task_id)
        sys.stderr.write("บันทึกการส่งต่อแล้ว จะส่งเมื่อซิงก์ / Referral saved; it goes out at the next sync.\n")
    elif command == "list":
        rows = referrals.list(incoming=args.incoming)
        if args.json:
            _print_json([{"id": r.id, "patient": r.patient, "cid": r.cid, "facility": r.facility,
                          "facility_name": r.facility_name, "state": r.state, "urgency": r.urgency, "reason": r.reason,
                          "answer": r.answer, "when": r.when} for r in rows])
        else:
            _table(["id", "ผู้ป่วย / patient", "สถานบริการ / facility", "สถานะ / state"],
                   [[r.id, r.patient, f"{r.facility} {r.facility_name}", f"{r.state_words('th')} / {r.state}"
                     + (f" ({r.answer})" if r.answer else "")] for r in rows], [36, 26, 36])
    elif command == "letter":
        from clinic_app.ui import printouts  # Qt, loaded by this command alone

        printouts.referral_letter_pdf(unit, args.id, Path(args.out))
        print(f"เขียนไฟล์ PDF แล้ว / PDF written: {args.out}")
    elif command == "cancel":
        referrals.cancel(args.id, args.reason)
        print("ยกเลิกการส่งต่อแล้ว จะแจ้งปลายทางเมื่อซิงก์ / Referral cancelled; the receiving facility sees it "
              "after the next sync.")
    else:
        text = {"reject": getattr(args, "reason", ""), "complete": getattr(args, "result", "")}.get(command, "")
        referrals.answer(args.id, command, text)
        print("บันทึกแล้ว จะส่งถึงผู้ส่งต่อเมื่อซิงก์ / Saved; the referring unit sees it after the next sync.")
    return EXIT_OK


def _print(args: argparse.Namespace, unit: UnitSession) -> int:
    from clinic_app.ui import printouts  # Qt, loaded by this command alone

    out = Path(args.out)
    if args.print_command == "visit-slip":
        printouts.visit_slip_pdf(unit, args.id, out)
    elif args.print_command == "appointment-card":
        printouts.appointment_card_pdf(unit, _patient_by_cid(unit, args.cid), out, appointment_id=args.id)
    else:
        printouts.followup_pdf(unit, args.kind, out, overdue_only=args.overdue, span=args.span)
    print(f"เขียนไฟล์ PDF แล้ว / PDF written: {out}")
    return EXIT_OK


COMMANDS: dict[str, Handler] = {
    "import-fhir": _import_fhir, "export-fhir": _export_fhir, "export-43": _export_43, "import-43": _import_43,
    "device-key": _device_key, "status": _status, "demo-data": _demo_data, "sync": _sync, "audit": _audit, "card": _card,
    "relay": _relay,
    "user": _user, "consent": _consent, "records": _records, "emergency-access": _emergency_access,
    "emergency-log": _emergency_log, "db": _db, "config": _config, "patients": _patients,
    "visit": _visit, "allergy": _allergy, "appointment": _appointment, "formulary": _formulary,
    "followup": _followup, "print": _print, "referral": _referral,
}


def _run_hub(args: argparse.Namespace) -> int:
    from clinic_app.hub import admin_cli

    hub_dir = Path(args.hub_data_dir).expanduser() if args.hub_data_dir else app.default_hub_dir()
    if args.hub_command == "serve":
        if args.no_auth:
            sys.stderr.write("ฮับทดสอบไม่ตรวจสิทธิ์ (--no-auth): กฎของหน่วยบริการใช้ไม่ได้ / "
                             "Sandbox hub without authentication: facility rules do not apply.\n")
        if args.no_conformance:
            sys.stderr.write("ฮับทดสอบรับข้อมูลที่ไม่ตรงตามมาตรฐาน SIL-TH (--no-conformance) / "
                             "Sandbox hub accepting records that break the SIL-TH rules.\n")
        return admin_cli.serve(hub_dir, host=args.host, port=args.port, max_bundle_entries=args.max_bundle_entries,
                               auth=not args.no_auth, seed_demo=args.seed_demo, auto_approve=args.auto_approve,
                               public_url=args.public_url, conformance=not args.no_conformance)
    if args.hub_command == "enroll":
        _print_json(admin_cli.enroll(hub_dir, _read_json(args.file)))
    elif args.hub_command == "consent":
        consent = admin_cli.decide_consent(hub_dir, args.consent_id, args.action)
        print(f"Consent/{args.consent_id}: {consent['status']}")
    elif args.hub_command == "break-glass":
        _print_json(admin_cli.break_glass_log(hub_dir))
    return EXIT_OK


def safe_output(*streams: Any) -> None:
    """Output is never what fails (issue 21): a stream whose encoding cannot hold Thai (an
    English Windows' code page, cp1252, when the output goes to a file or a pipe, as a
    scheduled task's does) is switched to UTF-8, which the README says redirected output
    is; one that holds Thai but not everything (TIS-620 has no emoji) writes "?" for what it
    cannot hold. A console keeps its own (Windows' console takes Unicode)."""
    for stream in streams or (sys.stdout, sys.stderr):
        encoding = str(getattr(stream, "encoding", "") or "")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            continue
        try:
            "ภาษาไทย".encode(encoding)
        except (LookupError, UnicodeEncodeError):
            reconfigure(encoding="utf-8", errors="replace")
        else:
            reconfigure(errors="replace")


def main(argv: list[str] | None = None) -> int:
    safe_output()
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KnownError as exc:
        if state["log"] is None:  # refused before the log was set up: it goes to the file, not at the user
            state["log"] = app.configure_logging(None)
        log.warning("refused: %s", exc.code)
        sys.stderr.write(f"ข้อผิดพลาด: {exc.thai}\nError: {exc.english}\n")
        if exc.cli_hint:
            sys.stderr.write(f"{exc.cli_hint[0]}\n{exc.cli_hint[1]}\n")
        if isinstance(exc, InvalidInputError):
            for problem in exc.problems:
                sys.stderr.write(problem_text(problem) + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("ยกเลิก / Interrupted\n")
        return 130
    except BrokenPipeError:
        # `export-fhir | head`: the reader stopped reading; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the bug tier: log the traceback, show where it is
        if state["log"] is None:
            state["log"] = app.configure_logging(None)
        log.exception("unexpected error")
        where = state["log"] or "(no log could be written)"
        sys.stderr.write("เกิดข้อผิดพลาดภายในโปรแกรม ข้อมูลที่บันทึกแล้วยังอยู่ครบ รายละเอียดอยู่ในไฟล์บันทึก\n"
                         f"Internal error; saved data is intact. Details are in the log: {where}\n")
        return EXIT_FAILURE
