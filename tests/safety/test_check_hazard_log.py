"""Tests of check_hazard_log.py: it passes a log whose every reference exists, and fails,
naming the hazard and the reference, when a test is renamed or missing, when a hazard has
no tested control, when a rating disagrees with the DCB0129 matrix, or when a required area
is not covered. Each test builds a small repository of its own in a temporary directory.

Run: python3 -m unittest discover -s tests/safety
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_hazard_log as checker  # noqa: E402

FILES = {
    "src-tauri/src/lib.rs": "pub mod verify;\n",
    "src-tauri/src/verify.rs": textwrap.dedent(
        """\
        //! Verification.
        pub fn verify() {}

        #[cfg(test)]
        #[path = "verify_tests.rs"]
        mod tests;
        """
    ),
    "src-tauri/src/verify_tests.rs": textwrap.dedent(
        """\
        use super::*;

        #[test]
        fn quarantines_another_patients_instance() {
            verify();
        }

        // #[test]
        // fn a_commented_out_test() {}

        #[tokio::test(flavor = "multi_thread")]
        #[ignore = "slow"]
        async fn with_attributes() {}

        fn plain_function_not_a_test() {}
        """
    ),
    "src-tauri/src/orphan.rs": "#[test]\nfn never_built() {}\n",
    "tests/integration/main.rs": "mod registry;\n",
    "tests/integration/registry.rs": "mod harness;\nmod scenarios;\n",
    "tests/integration/registry/harness.rs": textwrap.dedent(
        """\
        #[macro_export]
        macro_rules! through_both_backends {
            ($($name:ident),* $(,)?) => {$(
                mod $name {
                    #[tokio::test]
                    async fn fhir() { super::$name(1).await }
                    #[tokio::test]
                    async fn xca() { super::$name(2).await }
                }
            )*};
        }
        """
    ),
    "tests/integration/registry/scenarios.rs": textwrap.dedent(
        """\
        through_both_backends!(network_unavailable, no_records);
        async fn network_unavailable(_: u8) {}
        async fn no_records(_: u8) {}
        async fn not_listed(_: u8) {}
        """
    ),
    "ui/src/components/banner.test.ts": textwrap.dedent(
        """\
        import { it } from "vitest";
        it("shows the training marker", () => {});
        it('says when the images disagree, as an alert', () => {});
        // it("a commented-out case", () => {});
        it.skip("a skipped case", () => {});
        """
    ),
    "tests/e2e/walk.test.mjs": textwrap.dedent(
        """\
        import { test } from "node:test";
        test("warns that results may be incomplete when a network does not answer", async () => {});
        test("the viewer's memory no longer holds the patient once closed", async () => {});
        """
    ),
    "tests/sandbox_walk.py": "def test_walks():\n    pass\n",
}

# One hazard per required category, each with every required aspect.
CATEGORY_REFS = {
    "wrong-patient": "`rust:src-tauri/src/verify.rs::quarantines_another_patients_instance`",
    "incomplete-history": "`rust:tests/integration/registry/scenarios.rs::network_unavailable::fhir`",
    "image-geometry": '`vitest:ui/src/components/banner.test.ts::"says when the images disagree, as an alert"`',
    "greyscale": "`rust:src-tauri/src/verify_tests.rs::with_attributes`",
    "corrupted-pixels": "`rust:tests/integration/registry/scenarios.rs::no_records::xca`",
    "stale-data": '`e2e:tests/e2e/walk.test.mjs::"the viewer\'s memory no longer holds the patient once closed"`',
    "report-wrong-study": "`python:tests/sandbox_walk.py::test_walks`",
    "unavailability": '`e2e:tests/e2e/walk.test.mjs::"warns that results may be incomplete when a network does not answer"`',
    "training-data": '`vitest:ui/src/components/banner.test.ts::"shows the training marker"`',
    "report-status": "`python:tests/sandbox_walk.py::test_walks`",
}


def hazard(number: int, category: str, refs: str, *, initial: str = "Medium, severity Major → risk 3",
           residual: str = "Low, severity Major → risk 3", extra: str = "") -> str:
    aspects = ", ".join(checker.REQUIRED_COVERAGE[category])
    fall_back = "- **User's fall-back:** Local PACS.\n" if category == "unavailability" else ""
    return (
        f"### H-{number:02d} A {category} hazard\n\n"
        f"- **Category:** {category}: {aspects}\n"
        f"- **Status:** Controlled\n"
        f"- **Cause:** Something.\n"
        f"- **Effect on the patient:** Harm.\n"
        f"- **Initial risk:** likelihood {initial}\n"
        f"- **Controls:**\n"
        f"  1. A control. Tests:\n"
        f"     {refs}\n"
        f"  2. A control without a test.\n"
        f"{fall_back}{extra}"
        f"- **Residual risk:** likelihood {residual}\n\n"
    )


def good_log() -> str:
    return "# Hazard log\n\n" + "".join(
        hazard(i + 1, category, refs) for i, (category, refs) in enumerate(CATEGORY_REFS.items())
    )


class CheckHazardLog(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        for path, text in FILES.items():
            full = os.path.join(self.root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as handle:
                handle.write(text)

    def tearDown(self) -> None:
        self.dir.cleanup()

    def run_check(self, log: str) -> tuple[int, str]:
        path = os.path.join(self.root, "hazard-log.md")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(log)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = checker.main(["--root", self.root, "--log", path])
        return status, err.getvalue()

    def assert_fails_with(self, log: str, *fragments: str) -> None:
        status, err = self.run_check(log)
        self.assertEqual(status, 1, err)
        for fragment in fragments:
            self.assertIn(fragment, err)

    def test_a_log_whose_references_all_exist_passes(self) -> None:
        status, err = self.run_check(good_log())
        self.assertEqual(status, 0, err)
        self.assertEqual(err, "")

    def test_a_renamed_rust_test_fails_naming_hazard_and_reference(self) -> None:
        tests = os.path.join(self.root, "src-tauri/src/verify_tests.rs")
        with open(tests, encoding="utf-8") as handle:
            text = handle.read()
        with open(tests, "w", encoding="utf-8") as handle:
            handle.write(text.replace("quarantines_another_patients_instance", "quarantines_strangers"))
        self.assert_fails_with(
            good_log(),
            "H-01",
            "`rust:src-tauri/src/verify.rs::quarantines_another_patients_instance`",
            "no test function `quarantines_another_patients_instance`",
        )

    def test_a_missing_or_non_test_rust_function_fails(self) -> None:
        for name in ("no_such_test", "plain_function_not_a_test", "a_commented_out_test"):
            log = good_log().replace(
                "verify.rs::quarantines_another_patients_instance", f"verify.rs::{name}"
            )
            self.assert_fails_with(log, "H-01", f"no test function `{name}`")

    def test_a_missing_rust_file_or_one_outside_every_build_fails(self) -> None:
        log = good_log().replace("src-tauri/src/verify.rs::", "src-tauri/src/gone.rs::")
        self.assert_fails_with(log, "H-01", "src-tauri/src/gone.rs does not exist")
        log = good_log().replace(
            "src-tauri/src/verify.rs::quarantines_another_patients_instance",
            "src-tauri/src/orphan.rs::never_built",
        )
        self.assert_fails_with(log, "H-01", "is not part of any build")

    def test_macro_generated_cases_need_the_group_listed_and_the_case_generated(self) -> None:
        for bad, message in (
            ("not_listed::fhir", "no test `fhir` generated for `not_listed`"),
            ("network_unavailable::dicomweb", "no test `dicomweb` generated"),
        ):
            log = good_log().replace("network_unavailable::fhir", bad)
            self.assert_fails_with(log, "H-02", message)

    def test_a_renamed_vitest_or_e2e_test_fails(self) -> None:
        log = good_log().replace('"shows the training marker"', '"shows the TRAINING marker"')
        self.assert_fails_with(log, "H-09", 'no test("shows the TRAINING marker")')
        log = good_log().replace("does not answer", "is down")
        self.assert_fails_with(log, "H-08", "tests/e2e/walk.test.mjs")
        for skipped in ("a skipped case", "a commented-out case"):
            log = good_log().replace("shows the training marker", skipped)
            self.assert_fails_with(log, "H-09", f'no test("{skipped}")')

    def test_a_missing_python_test_fails(self) -> None:
        log = good_log().replace("test_walks", "test_runs")
        self.assert_fails_with(log, "H-07", "no test `test_runs` in tests/sandbox_walk.py")

    def test_a_hazard_without_a_tested_control_fails(self) -> None:
        log = good_log().replace(CATEGORY_REFS["greyscale"], "(no automated test)")
        self.assert_fails_with(log, "H-04", "no control names a test")

    def test_a_rating_that_disagrees_with_the_matrix_fails(self) -> None:
        log = good_log().replace("Medium, severity Major → risk 3", "Medium, severity Major → risk 2", 1)
        self.assert_fails_with(log, "H-01", "Medium × Major is 3 in the DCB0129 matrix, not 2")
        log = good_log().replace(
            "Low, severity Major → risk 3", "High, severity Catastrophic → risk 5", 1
        )
        self.assert_fails_with(log, "H-01", "residual risk is higher than the initial risk")

    def test_a_summary_table_must_agree_with_the_entries(self) -> None:
        rows = "".join(
            f"| H-{i:02d} | A hazard | Controlled | 3 | 3 |\n" for i in range(1, len(CATEGORY_REFS) + 1)
        )
        status, err = self.run_check(rows + good_log())
        self.assertEqual(status, 0, err)
        self.assert_fails_with(
            rows.replace("| H-03 | A hazard | Controlled | 3 | 3 |", "| H-03 | A hazard | Open | 3 | 2 |")
            + good_log(),
            "H-03",
            "the summary table says Open / 3 / 2, the entry Controlled / 3 / 3",
        )
        self.assert_fails_with(rows.replace("| H-05 |", "| H-50 |") + good_log(), "H-05", "missing from the summary")

    def test_a_missing_category_aspect_or_fall_back_fails(self) -> None:
        log = good_log().replace("training-data: training-marker", "greyscale: voi")
        self.assert_fails_with(log, "required category `training-data` is covered by no hazard")
        log = good_log().replace("stale-window", "")
        self.assert_fails_with(log, "required aspect `wrong-patient: stale-window`")
        log = good_log().replace("- **User's fall-back:** Local PACS.\n", "")
        self.assert_fails_with(log, "H-08", "User's fall-back")

    def test_the_matrix_is_dcb0129s(self) -> None:
        self.assertEqual(checker.matrix_rating("Very high", "Catastrophic"), 5)
        self.assertEqual(checker.matrix_rating("Very low", "Minor"), 1)
        self.assertEqual(checker.matrix_rating("Medium", "Considerable"), 3)
        self.assertEqual(checker.matrix_rating("Low", "Catastrophic"), 4)
        self.assertEqual(checker.matrix_rating("Very high", "Minor"), 3)


if __name__ == "__main__":
    unittest.main()
