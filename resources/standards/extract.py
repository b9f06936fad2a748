"""Make the code lists in this folder from the SIL-TH guides' FHIR Shorthand.

    python resources/standards/extract.py [MIRRORS [OUT]]

MIRRORS is the folder holding the bare git mirrors `sil-th+terminology-ig/repo`,
`sil-th+extension-ig/repo`, `sil-th+th-core/repo` and `sil-th+mophpc1/repo` (default
/work/.mirror); OUT is where the CSVs go (default: this folder). Every file is read with
`git show <commit>:<path>` at the commits below, so the output is the same whatever the
mirrors' HEAD is; README.md names each file's source.
Run it again after moving a commit, then read the diff.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

COMMITS = {
    "TRM": ("sil-th/terminology-ig", "de0592c4921e61bf517a32ed169b1af5e0ecc32f"),
    "EXT": ("sil-th/extension-ig", "71ef022ed21519aa4fef43d04c1fa3d5e9afd34b"),
    "THC": ("sil-th/th-core", "9f64951f609823532eaba604d9ee5c02fc73dc50"),
    "PC1": ("sil-th/mophpc1", "b9564af1f90b17bd95fbcfbe95321da2060bc6e2"),
}
CANONICAL = {"EXT": "https://fhir-ig.sil-th.org/th/extensions", "THC": "https://fhir-ig.sil-th.org/th/core",
             "PC1": "https://fhir-ig.sil-th.org/th/mophpc1"}

# (output file, FSH file in TRM, CodeSystem Id, expected count, columns)
CODE_SYSTEMS = [
    ("cs-dopa-nameprefix.csv", "CodeSystmes-Large/CS_DOPA_NamePrefix.fsh", "cs-dopa-nameprefix", 504,
     ("code", "display", "definition")),
    ("cs-thcc-coverage-type.csv", "CodeSystmes-Large/CS_MoPH_CoverageType.fsh", "cs-thcc-coverage-type", 110,
     ("code", "display")),
    ("cs-th-coverage-type.csv", "CodeSystems/CS_TH_Misc.fsh", "cs-th-coverage-type", 9, ("code", "display")),
    ("cs-thcc-vaccine-code.csv", "CodeSystmes-Large/CS_MoPH_VaccineCode.fsh", "cs-thcc-vaccine-code", 131,
     ("code", "display", "definition")),
    ("cs-th-identifier-type.csv", "CodeSystems/CS_TH_IdentifierType.fsh", "cs-th-identifier-type", 36,
     ("code", "display")),
    ("cs-thcc-person-status.csv", "CodeSystems/CS_MoPH_Patient.fsh", "cs-thcc-person-status", 5, ("code", "display")),
    ("cs-43file-pid-remove-reason.csv", "CodeSystems/CS_MoPH_Death.fsh", "cs-43file-pid-remove-reason", 4,
     ("code", "display")),
    ("cs-thcc-discharge-status.csv", "CodeSystems/CS_MoPH_Discharge.fsh", "cs-thcc-discharge-status", 8,
     ("code", "display")),
    # the 43 files' own fields (interop/f43_import.py's docstring says which field goes where)
    ("cs-43plus-encounter-diagnosis-role.csv", "CodeSystems/CS_MoPH_Encounter.fsh",
     "cs-43plus-encounter-diagnosis-role", 7, ("code", "display")),
    ("cs-thcc-marital.csv", "CodeSystems/CS_MoPH_Patient.fsh", "cs-thcc-marital", 7, ("code", "display")),
    ("cs-thcc-individual-provider-type.csv", "CodeSystems/CS_MoPH_Provider.fsh", "cs-thcc-individual-provider-type", 20,
     ("code", "display")),
    ("cs-thcc-religion.csv", "CodeSystems/CS_MoPH_Patient.fsh", "cs-thcc-religion", 11,
     ("code", "display", "definition")),
    ("cs-thcc-education-level.csv", "CodeSystems/CS_MoPH_Patient.fsh", "cs-thcc-education-level", 8,
     ("code", "display", "definition")),
    ("cs-thcc-foreigner-type.csv", "CodeSystems/CS_MoPH_Patient.fsh", "cs-thcc-foreigner-type", 30,
     ("code", "display")),
    ("cs-thcc-nationality.csv", "CodeSystmes-Large/CS_MoPH_Nationality.fsh", "cs-thcc-nationality", 272,
     ("code", "display")),
    ("cs-thcc-patient-location-type.csv", "CodeSystems/CS_MoPH_Encounter.fsh", "cs-thcc-patient-location-type", 2,
     ("code", "display")),
    ("cs-thcc-service-hour.csv", "CodeSystems/CS_MoPH_Encounter.fsh", "cs-thcc-service-hour", 2, ("code", "display")),
    ("cs-pcu-service-location-type.csv", "CodeSystems/CS_MoPH_Encounter.fsh", "cs-pcu-service-location-type", 2,
     ("code", "display")),
    ("cs-thcc-admit-source.csv", "CodeSystems/CS_MoPH_Encounter.fsh", "cs-thcc-admit-source", 5, ("code", "display")),
    ("cs-thcc-refer-in-reason.csv", "CodeSystems/CS_MoPH_Refer.fsh", "cs-thcc-refer-in-reason", 5, ("code", "display")),
]

# cs-dopa-location displays that are cut or garbled in the FSH (or renamed since), with the
# name DOPA uses now (as geothai 3.2.1 has it); the check accepts either.
DOPA_NAME_NOW = {
    "2408": ("สนามชัย", "สนามชัยเขต"),
    "450109": ("จังหวัดร้อยเอ็ด อำเภอเมืองร้อยเอ็ด ปอพาน)", "ปอภาร (ปอพาน)"),
    "501805": ("สบโขง", "แม่หลอง"),
    "801906": ("สาม", "สามตำบล"),
    "850406": ("จังหวัดระนอง อำเภอกระบุรี ร.", "จ.ป.ร."),
}

CONCEPT = re.compile(r'^\* ((?:#[^\s"]+\s+)+)"((?:[^"\\]|\\.)*)"(?:\s+"((?:[^"\\]|\\.)*)")?\s*$')


def git_show(mirrors: Path, key: str, path: str) -> str:
    repo, commit = COMMITS[key]
    gitdir = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "-C", str(gitdir), "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def git_files(mirrors: Path, key: str, under: str) -> list[str]:
    repo, commit = COMMITS[key]
    gitdir = mirrors / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "-C", str(gitdir), "ls-tree", "-r", "--name-only", commit, under], check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.endswith(".fsh")]


def concepts(text: str, cs_id: str) -> list[tuple[list[str], str, str]]:
    """The concepts of one CodeSystem in an FSH file: (code path, display, definition)."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("CodeSystem:"):
            inside = False
        elif line.strip() == f"Id: {cs_id}":
            inside = True
        elif inside:
            match = CONCEPT.match(line)
            if match:
                codes = [c[1:] for c in match.group(1).split()]
                out.append((codes, match.group(2), match.group(3) or ""))
            elif line.startswith("* #"):
                raise SystemExit(f"{cs_id}: cannot read {line!r}")
    return out


def write(out: Path, name: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    with (out / name).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def aliases(text: str) -> dict[str, str]:
    return dict(re.findall(r"^Alias:\s*(\$\S+)\s*=\s*(\S+)", text, re.M))


def main(mirrors: Path, out: Path = HERE) -> None:
    for name, path, cs_id, count, columns in CODE_SYSTEMS:
        found = concepts(git_show(mirrors, "TRM", f"input/fsh/{path}"), cs_id)
        if len(found) != count:
            raise SystemExit(f"{cs_id}: {len(found)} concepts, expected {count}")
        write(out, name, columns, [(codes[-1], display, definition)[:len(columns)] for codes, display, definition in found])

    found = concepts(git_show(mirrors, "TRM", "input/fsh/CodeSystmes-Large/CS_DOPA_Location.fsh"), "cs-dopa-location")
    levels = {2: "province", 4: "district", 6: "subdistrict"}
    rows = []
    for codes, display, _ in found:
        code = codes[-1]
        now = DOPA_NAME_NOW.get(code)
        if now and now[0] != display:
            raise SystemExit(f"cs-dopa-location {code}: the FSH now says {display!r}; look at DOPA_NAME_NOW again")
        rows.append((code, levels[len(code)], codes[-2] if len(codes) > 1 else "", display, now[1] if now else ""))
    if [sum(r[1] == lv for r in rows) for lv in levels.values()] != [77, 928, 7438]:
        raise SystemExit("cs-dopa-location: not 77 / 928 / 7,438 concepts")
    write(out, "cs-dopa-location.csv", ("code", "level", "parent", "display", "name_now"), rows)

    # every terms.sil-th.org code system the published terminology names (its aliases)
    al_cs = git_show(mirrors, "TRM", "input/fsh/AL_CS.fsh")
    rows = []
    for number, line in enumerate(al_cs.splitlines(), 1):
        match = re.match(r"^Alias:\s*\S+\s*=\s*(https://terms\.sil-th\.org/core/CodeSystem/\S+)", line)
        if match:
            rows.append((match.group(1), "TRM", "input/fsh/AL_CS.fsh", str(number)))
    write(out, "sil-th-code-systems.csv", ("url", "guide", "file", "line"), sorted(set(rows)))

    # extensions: EXT (the registry) and THC's own, with their contexts
    rows = []
    for key in ("EXT", "THC"):
        files = git_files(mirrors, key, "input/fsh")
        names = {}
        for path in files:
            names.update(aliases(git_show(mirrors, key, path)))
        for path in files:
            text = git_show(mirrors, key, path).splitlines()
            starts = [i for i, line in enumerate(text) if re.match(r"^(Extension|Profile):", line)]
            for n, start in enumerate(starts):
                block = text[start:starts[n + 1] if n + 1 < len(starts) else len(text)]
                kind = block[0].split(":")[0]
                ids = [line.split(":", 1)[1].strip() for line in block if line.startswith("Id:")]
                parent = [line.split(":", 1)[1].strip() for line in block if line.startswith("Parent:")]
                if kind == "Profile" and not (parent and parent[0].startswith("$EX_")):
                    continue  # a resource profile, not an extension
                url = ""
                for line in block:
                    match = re.match(r"^\* \^url = (\S+)", line)
                    if match:
                        url = names.get(match.group(1), match.group(1))
                if kind == "Profile":  # a profile of a core extension keeps the core extension's url
                    url = f"{CANONICAL[key]}/StructureDefinition/{ids[0]}"
                url = url or f"{CANONICAL[key]}/StructureDefinition/{ids[0]}"
                if not url.endswith("/" + ids[0]):
                    raise SystemExit(f"{key} {path}: {url} does not end with its id {ids[0]}")
                contexts = []
                for line in block:
                    match = re.match(r'^\* \^context(?:\[[^\]]*\])?\.expression = "([^"]+)"', line)
                    if match:
                        contexts.append(match.group(1))
                    if line.startswith("Context:"):
                        contexts += [c.strip().strip('"') for c in line.split(":", 1)[1].split(",")]
                rows.append((url, ids[0], " ".join(contexts), key, path, str(start + 1)))
    write(out, "sil-th-extensions.csv", ("url", "id", "context", "guide", "file", "line"), rows)

    # resource profiles: TH Core and MoPH-PC 1.0
    rows = []
    for key in ("THC", "PC1"):
        for path in git_files(mirrors, key, "input/fsh/Profiles"):
            text = git_show(mirrors, key, path).splitlines()
            for i, line in enumerate(text):
                if line.startswith("Profile:"):
                    parent = text[i + 1].split(":", 1)[1].strip()
                    pid = text[i + 2].split(":", 1)[1].strip()
                    rtype = {"Observationvitalsigns": "Observation", "DeviceUsage": "DeviceUseStatement"}.get(
                        parent, parent)
                    rows.append((f"{CANONICAL[key]}/StructureDefinition/{pid}", pid, rtype, key,
                                 path, str(i + 1)))
    write(out, "sil-th-profiles.csv", ("url", "id", "resource_type", "guide", "file", "line"), rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/.mirror"),
         Path(sys.argv[2]) if len(sys.argv) > 2 else HERE)
