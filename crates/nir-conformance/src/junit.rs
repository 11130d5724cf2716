//! The JUnit XML form of a report, for the organisation's test tooling.

use nir_core::registry::xca::escape;

use super::{Outcome, Report};

/// Renders the report as one `testsuite`.
pub fn to_junit(report: &Report) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"nir-viewer conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
        report.checks().len(),
        report.failed(),
        report.checks().len() - report.passed() - report.failed()
    );
    for check in report.checks() {
        xml.push_str(&format!(
            "  <testcase classname=\"conformance\" name=\"{}\">",
            escape(&check.name)
        ));
        match check.outcome {
            Outcome::Pass => xml.push_str(&format!(
                "<system-out>{}</system-out>",
                escape(&check.reason)
            )),
            Outcome::Fail => {
                xml.push_str(&format!("<failure message=\"{}\"/>", escape(&check.reason)))
            }
            Outcome::NotRun => {
                xml.push_str(&format!("<skipped message=\"{}\"/>", escape(&check.reason)))
            }
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Check;

    #[test]
    fn junit_counts_failures_and_escapes_reasons() {
        let mut report = Report::default();
        report.record(Check::pass("a", "fine"));
        report.record(Check::fail("b", "<bad> & \"worse\""));
        report.record(Check::not_run("c", "not asked for"));
        let xml = to_junit(&report);
        assert!(xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""));
        assert!(xml.contains("<skipped message=\"not asked for\"/>"));
        assert!(xml.contains("&lt;bad&gt; &amp; &quot;worse&quot;"));
        assert_eq!(report.summary_line(), "1 passed, 1 failed");
    }
}
