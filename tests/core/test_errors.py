"""Problems: said in either language, and the same problem on many lines of a file said
once with its lines and their count (the command line and the window share the list)."""

from __future__ import annotations

from clinic_app.core.errors import InvalidInputError, Problem, group_problems, problem_text

OTHER = ("belongs to facility 10670; only this unit's files can be imported",
         "เป็นข้อมูลของหน่วยบริการ 10670 นำเข้าได้เฉพาะแฟ้มของหน่วยบริการนี้")


def test_the_same_problem_on_many_lines_is_one_problem_naming_them() -> None:
    problems = [Problem(None, f"person.txt line {n}", *OTHER) for n in range(2, 520)]
    problems.insert(3, Problem(None, "person.txt line 5", "BIRTH is missing", "BIRTH ว่าง"))
    problems.append(Problem(None, "service.txt line 2", *OTHER))
    problems.append(Problem(None, "f43.zip", "two files for PERSON: PERSON.TXT and person.txt"))
    grouped = group_problems(problems)
    assert [(p.path, len(p.lines)) for p in grouped] == [("person.txt", 518), ("person.txt", 1), ("service.txt", 1),
                                                          ("f43.zip", 0)]
    first = grouped[0]
    assert first.where("en") == "person.txt lines 2-519 (518 lines)"
    assert first.where("th") == "person.txt บรรทัดที่ 2-519 (518 บรรทัด)"
    assert first.describe() == "person.txt lines 2-519 (518 lines): " + OTHER[0]
    assert first.describe("th") == "person.txt บรรทัดที่ 2-519 (518 บรรทัด): " + OTHER[1]
    assert grouped[1].describe() == "person.txt line 5: BIRTH is missing"
    assert grouped[3].describe("th") == grouped[3].describe("en")  # no Thai known: the English stands in


def test_lines_apart_are_named_in_runs_then_counted() -> None:
    lines = [2, 3, 4, 7, 9, 10, 20, 30, 40, 50, 60]
    [one] = group_problems([Problem(None, f"epi.txt line {n}", "VACCINETYPE is empty", "VACCINETYPE ว่าง")
                            for n in reversed(lines)])
    assert one.where() == "epi.txt lines 2-4, 7, 9-10, 20, 30, 40, … (11 lines)"


def test_an_invalid_input_error_carries_its_problems_grouped_and_prints_both_languages() -> None:
    error = InvalidInputError("ไทย", "English", problems=[Problem(None, f"person.txt line {n}", *OTHER)
                                                          for n in (2, 3)] + [Problem(0, "birthDate", "bad")])
    assert len(error.problems) == 2
    assert problem_text(error.problems[0]) == ("  - person.txt บรรทัดที่ 2-3 (2 บรรทัด): " + OTHER[1] + "\n"
                                               "    person.txt lines 2-3 (2 lines): " + OTHER[0])
    assert problem_text(error.problems[1]) == "  - entry 0: birthDate: bad"
    assert error.bilingual().splitlines()[:3] == ["ไทย", "English", "  - person.txt บรรทัดที่ 2-3 (2 บรรทัด): " + OTHER[1]]
