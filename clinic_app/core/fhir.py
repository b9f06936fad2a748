"""FHIR R4 helpers: validation with fhir.resources (R4B models), index fields, ownership.

Resources travel through the app as plain JSON dicts (what is stored and sent); the
fhir.resources models are used to validate them, not as the working type, because a
dict is cheap to copy, diff and merge.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from clinic_app.core.errors import Problem
from clinic_app.core.identifiers import CID_SYSTEM_ALIASES, HCODE_SYSTEM, IdentifierSystems, is_local_system

Resource = dict[str, Any]

_ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

# Where each resource type points at its patient (an Appointment: see patient_pointers).
PATIENT_FIELDS = ("subject", "patient", "for", "beneficiary")


def patient_pointers(resource: Resource) -> list[Any]:
    """The values that name the patient a record is about, first the one that counts: its
    subject, patient, for or beneficiary; an Appointment's participants' actors. The hub
    (rules, search) and the store (patient_id_of) ask this one function."""
    out = [resource.get(name) for name in PATIENT_FIELDS if resource.get(name) is not None]
    if resource.get("resourceType") == "Appointment":
        out += [p["actor"] for p in resource.get("participant") or [] if isinstance(p, dict) and p.get("actor")]
    return out


def new_id() -> str:
    """Client-assigned logical id: a UUID, so a create is an idempotent PUT."""
    return str(uuid.uuid4())


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def _model_class(resource_type: str) -> Any | None:
    # Imported here, not at the top: the models take a noticeable part of a second to load,
    # and the window paints before anything validates a resource (issue 18).
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        return None


def is_resource_type(name: str) -> bool:
    """True for a FHIR R4 resource type name (Bundle included)."""
    return name[:1].isupper() and _model_class(name) is not None


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(resource)"


# The validator's own reasons are English only; in Thai, one general one (the path says where).
NOT_FHIR_TH = "ค่าไม่ถูกต้องตามมาตรฐาน FHIR"


def validate_resource(data: Any, *, index: int | None = None, prefix: str = "") -> list[Problem]:
    """Problems that make `data` not a valid FHIR R4 resource (empty when valid).

    Reasons never quote the offending value: it may be a citizen ID or a name.
    """
    where = prefix.rstrip(".")
    if not isinstance(data, dict):
        return [Problem(index, where or "(resource)", "not a JSON object", "ไม่ใช่ออบเจกต์ JSON")]
    rtype = data.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        return [Problem(index, f"{prefix}resourceType", "missing resourceType", "ไม่มี resourceType")]
    model = _model_class(rtype)
    if model is None or rtype == "Bundle":
        return [Problem(index, f"{prefix}resourceType", f"unknown or unsupported resource type {rtype!r}",
                        f"ไม่รู้จักหรือไม่รองรับชนิดข้อมูล {rtype!r}")]
    problems: list[Problem] = []
    rid = data.get("id")
    if rid is not None and (not isinstance(rid, str) or not is_valid_id(rid)):
        problems.append(Problem(index, f"{prefix}id", "not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)",
                                "ไม่ใช่ id ที่ถูกต้องตาม FHIR (1-64 ตัวจาก A-Z a-z 0-9 - .)"))
    from pydantic import ValidationError  # loaded with the models (above)

    try:
        model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_input=False, include_url=False):
            problems.append(Problem(index, prefix + _path(tuple(err["loc"])), str(err["msg"]), NOT_FHIR_TH))
    except (ValueError, TypeError) as exc:
        problems.append(Problem(index, where or "(resource)", type(exc).__name__, NOT_FHIR_TH))
    return problems


def owner_of(resource: Resource) -> str | None:
    for tag in resource.get("meta", {}).get("tag", []) or []:
        if tag.get("system") == HCODE_SYSTEM and tag.get("code"):
            return str(tag["code"])
    return None


def patient_cid(patient: Resource | None) -> str | None:
    """A Patient's citizen ID, under either spelling of the system."""
    for ident in (patient or {}).get("identifier", []) or []:
        if isinstance(ident, dict) and ident.get("system") in CID_SYSTEM_ALIASES and ident.get("value"):
            return str(ident["value"])
    return None


def consent_cid(consent: Resource) -> str | None:
    """The citizen ID a Consent names its patient by (`patient.identifier`)."""
    ident = (consent.get("patient") or {}).get("identifier") or {}
    return str(ident["value"]) if ident.get("system") in CID_SYSTEM_ALIASES and ident.get("value") else None


def next_link(bundle: Resource) -> str | None:
    """A Bundle's `next` page URL, if it has one."""
    return next((link["url"] for link in bundle.get("link", []) or [] if link.get("relation") == "next"), None)


def stamp_owner(resource: Resource, hcode: str) -> Resource:
    """Return the resource tagged as owned by facility `hcode` (other tags kept)."""
    meta = dict(resource.get("meta") or {})
    tags = [t for t in meta.get("tag", []) or [] if t.get("system") != HCODE_SYSTEM]
    tags.append({"system": HCODE_SYSTEM, "code": hcode})
    meta["tag"] = tags
    out = dict(resource)
    out["meta"] = meta
    return out


AUTHOR_PREFIX = "urn:clinic-app:staff:"


def stamp_author(resource: Resource, username: str) -> Resource:
    """The resource with `meta.source` naming the staff account that wrote it (a sign-in
    name, never a patient's data): a conflict can then say who wrote the other value."""
    out = dict(resource)
    out["meta"] = {**(resource.get("meta") or {}), "source": AUTHOR_PREFIX + username}
    return out


def unmarked(source: str) -> str:
    """meta.source without the mark a sync puts after it as its fragment (`author#mark`,
    sync/push.py): who wrote the record, whichever sync carried it."""
    return source.split("#", 1)[0]


def without_bookkeeping(resource: Resource) -> Resource:
    """The resource without the server's bookkeeping (meta.versionId, meta.lastUpdated), as a
    client sends it; no empty meta."""
    body = dict(resource)
    meta = {k: v for k, v in (body.get("meta") or {}).items() if k not in ("versionId", "lastUpdated")}
    if meta:
        body["meta"] = meta
    else:
        body.pop("meta", None)
    return body


def content_of(resource: Resource) -> Resource:
    """The resource as content: without the server's bookkeeping nor a sync's mark. Two
    copies with the same content are the same record as written (a resend after a lost
    answer)."""
    body = without_bookkeeping(resource)
    if isinstance((body.get("meta") or {}).get("source"), str):
        body["meta"] = {**body["meta"], "source": unmarked(body["meta"]["source"])}
    return body


def author_of(resource: Resource | None) -> str | None:
    """The staff account `stamp_author` put on the resource; None when it carries none."""
    source = ((resource or {}).get("meta") or {}).get("source")
    if not isinstance(source, str):
        return None
    source = unmarked(source)
    return source[len(AUTHOR_PREFIX):] if source.startswith(AUTHOR_PREFIX) else None


def reference_id(ref: Any, resource_type: str) -> str | None:
    """The id in a literal reference `Type/id` (or a full URL ending so), else None."""
    if not isinstance(ref, dict):
        return None
    text = ref.get("reference")
    if not isinstance(text, str):
        return None
    parts = text.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == resource_type:
        return parts[-1]
    if len(parts) >= 4 and parts[-4] == resource_type and parts[-2] == "_history":
        return parts[-3]
    return None


def entered_in_error(resource: Resource) -> bool:
    """A record marked entered in error: its status, or a Condition's verification status."""
    if resource.get("status") == "entered-in-error":
        return True
    coding = ((resource.get("verificationStatus") or {}).get("coding") or [{}])[0]
    return isinstance(coding, dict) and coding.get("code") == "entered-in-error"


def patient_id_of(resource: Resource) -> str | None:
    """The logical id of the Patient this resource is about (a Patient's own id)."""
    if resource.get("resourceType") == "Patient":
        return resource.get("id")
    for value in patient_pointers(resource):
        pid = reference_id(value, "Patient")
        if pid:
            return pid
    return None


def _name_texts(resource: Resource) -> list[str]:
    texts = []
    for name in resource.get("name", []) or []:
        if name.get("text"):
            texts.append(str(name["text"]))
        parts = [*(name.get("given") or []), name.get("family") or ""]
        joined = " ".join(p for p in parts if p)
        if joined and joined not in texts:
            texts.append(joined)
    return texts


@dataclass(frozen=True)
class PatientIndex:
    """What a Patient is found by: citizen IDs, HNs, names, phones."""

    cids: tuple[str, ...]
    hns: tuple[str, ...]
    names: tuple[str, ...]
    phones: tuple[str, ...]


def patient_links(patient: Resource | None, link_type: str) -> list[str]:
    """Ids of the Patients that a Patient's `link` names with this type (`replaced-by`,
    `replaces`, ...): how a merge of two records of one person is written (FHIR Patient.link)."""
    out = []
    for link in (patient or {}).get("link", []) or []:
        if isinstance(link, dict) and link.get("type") == link_type:
            pid = reference_id(link.get("other"), "Patient")
            if pid:
                out.append(pid)
    return out


def replaced_by(patient: Resource | None) -> str | None:
    """The id of the Patient this one was merged into, or None for a record in use."""
    found = patient_links(patient, "replaced-by")
    return found[0] if found else None


def patient_index(resource: Resource, systems: IdentifierSystems) -> PatientIndex:
    """What a Patient is found by; a record merged into another (`replaced-by`) is found by
    nothing: its citizen ID, HN and names lead to the record that replaced it."""
    if replaced_by(resource):
        return PatientIndex((), (), (), ())
    cids, hns = [], []
    for ident in resource.get("identifier", []) or []:
        system, value = ident.get("system"), ident.get("value")
        if not value:
            continue
        if systems.is_cid(system):
            cids.append(re.sub(r"[\s\-]", "", str(value)))
        elif isinstance(system, str) and is_local_system(system, "HN"):
            hns.append(str(value))
    phones = [
        re.sub(r"\D", "", str(t.get("value")))
        for t in resource.get("telecom", []) or []
        if t.get("system") == "phone" and t.get("value")
    ]
    return PatientIndex(tuple(cids), tuple(hns), tuple(_name_texts(resource)), tuple(phones))


def summary(resource: Resource) -> str:
    """A short human label for a resource (what a list of records shows)."""
    for key in ("code", "vaccineCode", "medicationCodeableConcept"):
        concept = resource.get(key)
        if isinstance(concept, dict):
            coding = (concept.get("coding") or [{}])[0]
            label = concept.get("text") or coding.get("display") or coding.get("code")
            if label:
                value = resource.get("valueQuantity")
                return f"{label}: {value['value']} {value.get('unit', '')}".strip() if value else str(label)
    reasons = [r.get("text") for r in resource.get("reasonCode", []) or [] if r.get("text")]
    if reasons:
        return "; ".join(reasons)
    names = resource.get("name")
    if isinstance(names, list) and names:
        return str(names[0].get("text") or " ".join([*names[0].get("given", []), names[0].get("family", "")]))
    return str(resource.get("resourceType", ""))


def now_instant() -> str:
    """An FHIR instant for 'now', used only for local bookkeeping, never as a sync checkpoint."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def reference_paths(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(path, reference) for every `reference` string inside a resource."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{prefix}.{k}" if prefix else k
            if k == "reference" and isinstance(v, str):
                found.append((path, v))
            else:
                found += reference_paths(v, path)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += reference_paths(v, f"{prefix}[{i}]")
    return found


def cid_identifier_paths(resource: Resource, systems: IdentifierSystems) -> list[tuple[str, str]]:
    """(path, value) of each citizen-ID identifier in a resource."""
    return [(f"identifier[{i}].value", str(ident.get("value", "")))
            for i, ident in enumerate(resource.get("identifier", []) or [])
            if isinstance(ident, dict) and systems.is_cid(ident.get("system"))]


def rewrite_references(value: Any, mapping: dict[str, str]) -> Any:
    """Replace `reference` strings found in mapping (urn:uuid:... -> Type/id), recursively."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "reference" and isinstance(v, str) and v in mapping:
                out[k] = mapping[v]
            else:
                out[k] = rewrite_references(v, mapping)
        return out
    if isinstance(value, list):
        return [rewrite_references(v, mapping) for v in value]
    return value
