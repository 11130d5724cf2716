//! Commands for studies and reports: open (metadata first, retrieval in the background with
//! progress events), close (cancel and wipe), and reports read into memory, whether
//! pointed at by the history or held inside a study, a study's presentation states and
//! key images, and what is on screen (so the retrieval fetches around it next).

use std::sync::Arc;

use tauri::{AppHandle, Emitter, Runtime, State};

use crate::shell::AppState;
use nir_core::error::{CommandError, ErrorCode};
use nir_core::viewer::views::{
    KeyImagesView, PresentationStatesView, ReportView, ScrollDirectionView, StudyView,
};

/// Event carrying retrieval progress to the window.
pub const STUDY_PROGRESS_EVENT: &str = "study-progress";

/// Event telling the window a study still opening has a first image to show
/// (`nirpx://…/preview/{recordId}`, once).
pub const STUDY_PREVIEW_EVENT: &str = "study-preview";

/// What [`STUDY_PREVIEW_EVENT`] carries.
#[derive(Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StudyPreviewEvent<'a> {
    record_id: &'a str,
}

/// Opens a study of the current patient's history.
#[tauri::command]
pub async fn open_study<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    record_id: String,
) -> Result<StudyView, CommandError> {
    let session = Arc::clone(&state.session);
    let preview_app = app.clone();
    let preview_ready = Arc::new(move |record_id: &str| {
        let _ = preview_app.emit(STUDY_PREVIEW_EVENT, StudyPreviewEvent { record_id });
    });
    session
        .open_study_previewing(
            &record_id,
            move |progress| {
                let _ = app.emit(STUDY_PROGRESS_EVENT, progress);
            },
            preview_ready,
        )
        .await
        .map_err(|e| CommandError::from(&e))
}

/// Closes a study and wipes it from memory.
#[tauri::command]
pub fn close_study(state: State<'_, AppState>, study_key: String) -> Result<(), CommandError> {
    state
        .session
        .close_study(&study_key)
        .map_err(|e| CommandError::from(&e))
}

/// Tells an open study's retrieval which image is on screen (series key and stack index)
/// and which way the clinician scrolls, so a window around it is fetched next.
#[tauri::command]
pub fn focus_study(
    state: State<'_, AppState>,
    study_key: String,
    series_key: String,
    index: u32,
    direction: ScrollDirectionView,
) -> Result<(), CommandError> {
    let series = series_key.parse::<usize>().map_err(|_| CommandError {
        code: ErrorCode::NoSuchImage,
        message: "There is no such series in this study.".into(),
    })?;
    let index = usize::try_from(index).map_err(|_| CommandError {
        code: ErrorCode::NoSuchImage,
        message: "There is no such image in this series.".into(),
    })?;
    state
        .session
        .focus_study(&study_key, series, index, direction.into())
        .map_err(|e| CommandError::from(&e))
}

/// Reads a report held inside an open study (Encapsulated PDF or structured report).
#[tauri::command]
pub async fn open_study_document(
    state: State<'_, AppState>,
    study_key: String,
    series_key: String,
) -> Result<ReportView, CommandError> {
    let series = series_key.parse::<usize>().map_err(|_| CommandError {
        code: ErrorCode::NoSuchImage,
        message: "There is no such report in this study.".into(),
    })?;
    let mut view = state
        .session
        .open_study_document(&study_key, series)
        .await
        .map_err(|e| CommandError::from(&e))?;
    if let Some(path) = view.pdf_url.take() {
        view.pdf_url = Some(format!("{}{}", crate::shell::pixel_origin(), path));
    }
    Ok(view)
}

/// The presentation states (DICOM GSPS) held in an open study, mapped onto its images.
#[tauri::command]
pub async fn presentation_states(
    state: State<'_, AppState>,
    study_key: String,
) -> Result<PresentationStatesView, CommandError> {
    state
        .session
        .presentation_states(&study_key)
        .await
        .map_err(|e| CommandError::from(&e))
}

/// Reads the key images (Key Object Selection documents) of an open study.
#[tauri::command]
pub async fn study_key_images(
    state: State<'_, AppState>,
    study_key: String,
) -> Result<KeyImagesView, CommandError> {
    state
        .session
        .key_images(&study_key)
        .await
        .map_err(|e| CommandError::from(&e))
}

/// Reads a report of the current patient's history.
#[tauri::command]
pub async fn open_report(
    state: State<'_, AppState>,
    record_id: String,
) -> Result<ReportView, CommandError> {
    let mut view = state
        .session
        .open_report(&record_id)
        .await
        .map_err(|e| CommandError::from(&e))?;
    if let Some(path) = view.pdf_url.take() {
        view.pdf_url = Some(format!("{}{}", crate::shell::pixel_origin(), path));
    }
    Ok(view)
}
