//! The TypeScript twins of every type that crosses the IPC as JSON: command arguments and
//! answers, the error every command may fail with, and event payloads. They are rendered
//! from the Rust types (ts-rs) into one checked-in file, `ui/src/ipc/generated.ts`, which
//! the UI imports instead of copying the shapes by hand. The test below fails when that
//! file is not what the Rust types say; `make ipc-types` (this test with
//! `UPDATE_IPC_TYPES=1`) writes it afresh.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ts_rs::{Config, TS};

use super::{auth, diagnostics, session};
use nir_core::dicomweb::metadata::SpacingSource;
use nir_core::dicomweb::us_regions::UltrasoundRegion;
use nir_core::error::{CommandError, ErrorCode};
use nir_core::observability::metrics::Histogram;
use nir_core::observability::{ExportStatus, MetricsSnapshot, SeriesSnapshot, Stage};
use nir_core::registry::{DocumentStatus, NetworkStatus};
use nir_core::viewer::report_format::ReportFormat;
use nir_core::viewer::views::{
    GraphicKind, HistoryRecordView, HistoryView, IdentityView, KeyImageSetView, KeyImageView,
    KeyImagesView, NetworkView, PatientView, PresentationGraphicView, PresentationImageView,
    PresentationStateView, PresentationStatesView, PresentationTextView, ReportSection, ReportView,
    ScrollDirectionView, SeriesView, StudyProgressView, StudyView, WindowPresetView,
};
use nir_core::viewer::PointerKind;

const HEADER: &str = "\
// Generated from the Rust types that cross the IPC (src-tauri/src/commands/ipc_types.rs).
// Do not edit by hand: change the Rust type, then run `make ipc-types` to regenerate.
";

/// One declaration: its TypeScript name, the names it refers to, and its text.
struct Declaration {
    name: String,
    uses: Vec<String>,
    text: String,
}

fn declaration<T: TS + 'static>(cfg: &Config) -> Declaration {
    let mut text = T::docs().unwrap_or_default();
    text.push_str("export ");
    text.push_str(&T::decl(cfg));
    Declaration {
        name: T::ident(cfg),
        uses: T::dependencies(cfg)
            .into_iter()
            .map(|d| d.ts_name)
            .collect(),
        text: tidy(&text),
    }
}

/// Lays a declaration out as the UI's code is: an object type's fields indented one per
/// line, a long union one member per line, no trailing blanks.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut in_object = false;
    for line in text.lines().map(str::trim_end) {
        if in_object {
            if let Some(last) = line.strip_suffix(" };") {
                out.push_str(&format!("  {last}\n}};\n"));
                in_object = false;
            } else {
                out.push_str(&format!("  {line}\n"));
            }
        } else if line.starts_with("export type ") && line.len() > 96 && line.contains(" | ") {
            let (head, union) = line.split_once(" = ").unwrap_or((line, ""));
            out.push_str(head);
            out.push_str(" =\n");
            for member in union.trim_end_matches(';').split(" | ") {
                out.push_str(&format!("  | {member}\n"));
            }
            out.pop();
            out.push_str(";\n");
        } else {
            out.push_str(line);
            out.push('\n');
            in_object = line.ends_with("= {");
        }
    }
    out
}

/// Every declaration, grouped by what the UI does with it.
fn declarations() -> Vec<Declaration> {
    let cfg = &Config::new();
    vec![
        // Failures.
        declaration::<ErrorCode>(cfg),
        declaration::<CommandError>(cfg),
        // Start-up, launches and sign-in.
        declaration::<session::AppInfo>(cfg),
        declaration::<session::LaunchView>(cfg),
        declaration::<session::ChosenPatientRequest>(cfg),
        declaration::<auth::UserView>(cfg),
        declaration::<auth::SessionStateView>(cfg),
        // The history.
        declaration::<PointerKind>(cfg),
        declaration::<DocumentStatus>(cfg),
        declaration::<NetworkStatus>(cfg),
        declaration::<HistoryRecordView>(cfg),
        declaration::<NetworkView>(cfg),
        declaration::<PatientView>(cfg),
        declaration::<IdentityView>(cfg),
        declaration::<HistoryView>(cfg),
        // Studies and reports.
        declaration::<WindowPresetView>(cfg),
        declaration::<SpacingSource>(cfg),
        declaration::<UltrasoundRegion>(cfg),
        declaration::<SeriesView>(cfg),
        declaration::<StudyView>(cfg),
        declaration::<StudyProgressView>(cfg),
        declaration::<ScrollDirectionView>(cfg),
        declaration::<ReportFormat>(cfg),
        declaration::<ReportSection>(cfg),
        declaration::<ReportView>(cfg),
        declaration::<GraphicKind>(cfg),
        declaration::<PresentationGraphicView>(cfg),
        declaration::<PresentationTextView>(cfg),
        declaration::<PresentationImageView>(cfg),
        declaration::<PresentationStateView>(cfg),
        declaration::<PresentationStatesView>(cfg),
        declaration::<KeyImageView>(cfg),
        declaration::<KeyImageSetView>(cfg),
        declaration::<KeyImagesView>(cfg),
        // Diagnostics.
        declaration::<Stage>(cfg),
        declaration::<Histogram>(cfg),
        declaration::<SeriesSnapshot>(cfg),
        declaration::<MetricsSnapshot>(cfg),
        declaration::<ExportStatus>(cfg),
        declaration::<diagnostics::DiagnosticsView>(cfg),
    ]
}

/// The whole file.
fn render(declarations: &[Declaration]) -> String {
    let mut out = String::from(HEADER);
    for declaration in declarations {
        out.push('\n');
        out.push_str(&declaration.text);
    }
    out
}

fn generated_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/generated.ts")
}

#[test]
fn every_type_a_declaration_refers_to_is_declared_once() {
    let declarations = declarations();
    let mut names = BTreeSet::new();
    for declaration in &declarations {
        assert!(
            names.insert(declaration.name.as_str()),
            "{} is declared twice",
            declaration.name
        );
    }
    for declaration in &declarations {
        for used in &declaration.uses {
            assert!(
                names.contains(used.as_str()),
                "{} refers to {used}, which is not in declarations()",
                declaration.name
            );
        }
    }
}

#[test]
fn integers_are_json_numbers_and_skipped_options_are_optional() {
    let text = render(&declarations());
    assert!(
        !text.contains("bigint"),
        "serde writes u64 as a JSON number: annotate the field with #[ts(type = \"number\")]"
    );
    assert!(
        text.contains("pixelSpacingSource?: SpacingSource,"),
        "{text}"
    );
    assert!(text.contains("export type ErrorCode =\n  | \"access-denied\"\n"));
}

#[test]
fn generated_file_matches_the_rust_types() {
    let text = render(&declarations());
    let path = generated_path();
    if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == text,
        "ui/src/ipc/generated.ts is out of date with the Rust types that cross the IPC: \
         run `make ipc-types` and commit the result"
    );
}
