"""The SIL-TH conformance check: rules read from Thailand's FHIR guides (TH Core, SIL-TH
Terminology and Extensions, MoPH-PC, 43-file-plus), each with its source, run over FHIR R4
resources. Pure Python over JSON; it shares nothing with the code that builds the records
(pyproject.toml's import contract keeps it that way), so it can check them.

    from clinic_app.conformance import check, check_all, RULES
    for violation in check(patient):
        print(violation)   # TH-ADDR-NAMES Patient/p1 address[0].city: not the subdistrict name ...
"""

from clinic_app.conformance.rules import BY_ID, RULES, Rule, Violation, check, check_all

__all__ = ["BY_ID", "RULES", "Rule", "Violation", "check", "check_all"]
