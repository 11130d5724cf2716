// Generated from the Rust types that cross the IPC (src-tauri/src/commands/ipc_types.rs).
// Do not edit by hand: change the Rust type, then run `make ipc-types` to regenerate.

/**
 * Every stable code a failure can carry, written kebab-case on the wire
 * (`InvalidNhsNumber` is `invalid-nhs-number`). Which failure each code stands for is said
 * by the `UserFacing` impl of the module that raises it; a code's spelling never changes,
 * since the UI acts on it.
 */
export type ErrorCode =
  | "access-denied"
  | "auth-browser"
  | "auth-client-key"
  | "auth-configuration"
  | "auth-no-roles"
  | "auth-not-signed-in"
  | "auth-provider-unavailable"
  | "auth-refused"
  | "auth-response-rejected"
  | "auth-role-not-allowed"
  | "auth-role-not-selected"
  | "auth-roles-unreadable"
  | "auth-smartcard-required"
  | "auth-smartcard-unwatched"
  | "auth-timed-out"
  | "cancelled"
  | "client-error"
  | "decode-aborted"
  | "dicom-attribute-invalid"
  | "dicom-declared-length"
  | "dicom-decode-failed"
  | "dicom-frame-out-of-range"
  | "dicom-lut-invalid"
  | "dicom-not-an-image"
  | "dicom-too-large"
  | "dicom-truncated"
  | "dicom-unreadable"
  | "dicom-unsupported"
  | "dicomweb-bad-metadata"
  | "dicomweb-bad-transfer"
  | "dicomweb-bad-url"
  | "dicomweb-busy"
  | "dicomweb-cancelled"
  | "dicomweb-forbidden"
  | "dicomweb-not-acceptable"
  | "dicomweb-not-found"
  | "dicomweb-response-too-large"
  | "dicomweb-server-error"
  | "dicomweb-timeout"
  | "dicomweb-unauthorized"
  | "dicomweb-unreachable"
  | "image-withheld"
  | "invalid-configuration"
  | "invalid-date"
  | "invalid-nhs-number"
  | "invalid-query"
  | "launch-hand-off"
  | "launch-invalid"
  | "launch-no-patient"
  | "launch-not-trusted"
  | "launch-smart-failed"
  | "lookup-superseded"
  | "malformed-response"
  | "memory-budget"
  | "network-configuration"
  | "network-unavailable"
  | "no-patient"
  | "no-such-image"
  | "not-openable"
  | "not-signed-in"
  | "not-training"
  | "origin-refused"
  | "output-write-failed"
  | "page-restart"
  | "patient-changed"
  | "patient-closed"
  | "rate-limited"
  | "report-other-patient"
  | "report-unavailable"
  | "request-rejected"
  | "response-too-large"
  | "sandbox-bad-address"
  | "sandbox-bind-failed"
  | "sandbox-identity-provider"
  | "sandbox-not-loopback"
  | "smartcard-missing"
  | "smartcard-reader"
  | "smartcard-service-missing"
  | "study-closed"
  | "study-too-large"
  | "timed-out"
  | "token-expired"
  | "unknown-record";

/**
 * What crosses the IPC boundary when a command fails.
 */
export type CommandError = {
  /**
   * Stable code from [`UserFacing::code`].
   */
  code: ErrorCode,
  /**
   * Text from [`UserFacing::user_message`].
   */
  message: string,
};

/**
 * What the UI needs to know at start-up.
 */
export type AppInfo = {
  /**
   * Show the TRAINING marker and use the sandbox's synthetic patients.
   */
  training: boolean,
  /**
   * The viewer's version, for the about box and support calls.
   */
  version: string,
  /**
   * Why the managed configuration cannot be used; when any, the viewer refuses to start
   * (nothing is sent anywhere) and the window says why.
   */
  configurationProblems: Array<string>,
};

/**
 * A launch the UI should act on once the user has signed in.
 */
export type LaunchView = {
  /**
   * The patient's NHS number, ten digits.
   */
  nhsNumber: string,
  /**
   * Earliest date of interest, YYYY-MM-DD.
   */
  from: string | null,
  /**
   * Latest date of interest, YYYY-MM-DD.
   */
  to: string | null,
  /**
   * Ask the clinician before opening: the patient comes from a link nobody signed for
   * this user (an unsigned link, or a SMART launch started by one). `false` only for a
   * signed context bound to the signed-in user, or a patient the clinician chose already.
   */
  needsConfirmation: boolean,
};

/**
 * The patient the restarted page is to open, as the UI sends it.
 */
export type ChosenPatientRequest = {
  /**
   * Ten digits.
   */
  nhsNumber: string,
  /**
   * Earliest date of interest, YYYY-MM-DD.
   */
  from: string | null,
  /**
   * Latest date of interest, YYYY-MM-DD.
   */
  to: string | null,
};

/**
 * Who is signed in, for the UI.
 */
export type UserView = {
  /**
   * Display name, when CIS2 gave one.
   */
  name: string | null,
  /**
   * The selected role's name or code.
   */
  role: string,
  /**
   * The organisation's ODS code.
   */
  ods: string | null,
};

/**
 * Where sign-in stands, for the UI's lock screen.
 */
export type SessionStateView = {
  /**
   * `signedOut`, `signingIn`, `signedIn` or `locked`.
   */
  state: "signedOut" | "signingIn" | "signedIn" | "locked",
  /**
   * Why the session locked.
   */
  reason: string | null,
  /**
   * Who is signed in (so a restarted page can show them again).
   */
  user: UserView | null,
};

/**
 * What a record is.
 */
export type PointerKind = "imagingStudy" | "diagnosticReport" | "mdtOutcome" | "carePlan";

/**
 * The status of a report, as FHIR codes it.
 */
export type DocumentStatus =
  | "registered"
  | "partial"
  | "preliminary"
  | "final"
  | "amended"
  | "corrected"
  | "appended"
  | "cancelled"
  | "enteredInError"
  | "unknown";

/**
 * How one network fared.
 */
export type NetworkStatus =
  | "answered"
  | "noRecords"
  | "unavailable"
  | "timedOut"
  | "accessDenied"
  | "rateLimited"
  | "error";

/**
 * One row of the history.
 */
export type HistoryRecordView = {
  /**
   * Record id.
   */
  id: string,
  /**
   * Record type.
   */
  kind: PointerKind,
  /**
   * Date, YYYY-MM-DD.
   */
  date: string | null,
  /**
   * Modality.
   */
  modality: string | null,
  /**
   * Description.
   */
  description: string,
  /**
   * Report status (preliminary, final, amended…), when the pointer gives one.
   */
  status: DocumentStatus | null,
  /**
   * Provider name.
   */
  providerName: string,
  /**
   * Provider ODS code.
   */
  providerOds: string,
  /**
   * The network that listed it (for the history's network filter).
   */
  network: string | null,
  /**
   * Care setting.
   */
  careSetting: string | null,
  /**
   * Whether the viewer can open it.
   */
  openable: boolean,
  /**
   * Why it cannot be opened, when the registry's entry is incomplete.
   */
  unopenableReason: string | null,
  /**
   * The study a report belongs to.
   */
  linkedStudyId: string | null,
};

/**
 * How one network answered.
 */
export type NetworkView = {
  /**
   * Network name.
   */
  name: string,
  /**
   * `answered`, `noRecords`, `unavailable`, `timedOut`, `accessDenied`, `rateLimited`, `error`.
   */
  state: NetworkStatus,
  /**
   * Why, in plain words.
   */
  reason: string,
};

/**
 * The patient as the banner shows them.
 */
export type PatientView = {
  /**
   * NHS number, 3-3-4.
   */
  nhsNumber: string,
  /**
   * Name, when NIR supplied it.
   */
  name: string | null,
  /**
   * Date of birth.
   */
  birthDate: string | null,
  /**
   * Sex.
   */
  sex: string | null,
};

/**
 * What the images say about who they show, for the banner.
 */
export type IdentityView = {
  /**
   * The patient: NHS number from the search, name, birth date and sex from the images.
   */
  patient: PatientView,
  /**
   * When the images disagree with the NHS number or with each other, in plain words.
   */
  mismatch: string | null,
  /**
   * How many studies' metadata the verdict rests on.
   */
  studiesChecked: number,
};

/**
 * The imaging history.
 */
export type HistoryView = {
  /**
   * Who.
   */
  patient: PatientView,
  /**
   * Records.
   */
  records: Array<HistoryRecordView>,
  /**
   * Per-network outcome.
   */
  networks: Array<NetworkView>,
  /**
   * Whether every network answered.
   */
  complete: boolean,
  /**
   * One sentence for the status line.
   */
  summary: string,
};

/**
 * A window preset.
 */
export type WindowPresetView = {
  /**
   * Label.
   */
  name: string,
  /**
   * Centre.
   */
  center: number,
  /**
   * Width.
   */
  width: number,
};

/**
 * Where a pixel spacing measures (DICOM PS3.3 10.7.1.3): in the patient (Pixel Spacing
 * (0028,0030) of cross-sectional images, or calibrated in a projection image), or at the
 * detector of a projection radiograph (Imager Pixel Spacing (0018,1164)), where a length
 * in the patient is smaller by the geometric magnification.
 */
export type SpacingSource = "pixelSpacing" | "imagerPixelSpacing";

/**
 * One item of the Sequence of Ultrasound Regions, as the viewer uses it.
 */
export type UltrasoundRegion = {
  /**
   * Region Location Min X0, Min Y0, Max X1, Max Y1: the pixels the region covers
   * (column and row, both ends included).
   */
  bounds: [number, number, number, number],
  /**
   * Region Spatial Format (0 none, 1 2D, 2 M-mode, 3 spectral, 4 waveform, 5 graphics).
   */
  spatialFormat: number,
  /**
   * Region Data Type (1 tissue, 2 colour flow, 3 PW spectral Doppler, 4 CW spectral
   * Doppler, ...; PS3.3 C.8.5.5.1.2).
   */
  dataType: number,
  /**
   * Physical Units X and Y Direction (3 cm, 4 seconds, 7 cm/s, ...; C.8.5.5.1.15).
   */
  units: [number, number],
  /**
   * Row and column spacing in mm when the region measures distances (2D, cm along both
   * axes, both deltas positive and finite); `None` otherwise, so lengths there are in px.
   */
  spacing: [number, number] | null,
  /**
   * What the region shows, in words for a label ("2D tissue", "PW spectral Doppler").
   */
  kind: string,
};

/**
 * A series of an open study.
 */
export type SeriesView = {
  /**
   * Opaque key for frame requests.
   */
  key: string,
  /**
   * Series Number.
   */
  number: number | null,
  /**
   * Description.
   */
  description: string,
  /**
   * Modality.
   */
  modality: string,
  /**
   * Images in the stack (frames of multi-frame instances count one each).
   */
  instanceCount: number,
  /**
   * Rows of the first image.
   */
  rows: number,
  /**
   * Columns of the first image.
   */
  columns: number,
  /**
   * Pixel Spacing (row, column) in mm.
   */
  pixelSpacing: [number, number] | null,
  /**
   * Where that spacing measures: in the patient, or at the detector (lengths labelled so).
   */
  pixelSpacingSource?: SpacingSource,
  /**
   * Pixel Spacing of each image in the stack (a frame's own Pixel Measures in an enhanced
   * multi-frame image), when the images do not all share `pixel_spacing`; empty when they
   * do. An image measuring elsewhere than `pixel_spacing_source` says has none here, so
   * lengths drawn on it are in pixels rather than in the first image's units.
   */
  imageSpacing: Array<[number, number] | null>,
  /**
   * The Sequence of Ultrasound Regions of the series' images, when every image has the
   * same (a cine's frames share its one header); empty otherwise.
   */
  ultrasoundRegions: Array<UltrasoundRegion>,
  /**
   * Whether the images carry different ultrasound regions, so none are sent and lengths
   * on them are in pixels (the UI says why).
   */
  ultrasoundRegionsDiffer: boolean,
  /**
   * Window presets from the file.
   */
  presets: Array<WindowPresetView>,
  /**
   * Frame of Reference UID, when known (enables synchronised scrolling).
   */
  frameOfReference: string | null,
  /**
   * Unit slice normal of the series (row × column cosines of its first oriented image),
   * so the UI scrolls together only series that lie in the same plane.
   */
  sliceNormal: [number, number, number] | null,
  /**
   * Position of each image along `slice_normal`, in mm (none for images at another
   * orientation, multi-frame images and images without a position).
   */
  slicePositions: Array<number | null>,
  /**
   * `pdf` or `sr` when the series holds a report rather than images, `pr` when it holds
   * presentation states (see `presentation_states`), `ko` when it holds key object
   * selections (read with the `study_key_images` command).
   */
  document: "pdf" | "sr" | "pr" | "ko" | null,
};

/**
 * An open study.
 */
export type StudyView = {
  /**
   * Opaque key.
   */
  key: string,
  /**
   * The history record it was opened from.
   */
  recordId: string,
  /**
   * Description.
   */
  description: string,
  /**
   * Date.
   */
  date: string | null,
  /**
   * Series in display order.
   */
  series: Array<SeriesView>,
  /**
   * Warnings to show at once.
   */
  warnings: Array<string>,
  /**
   * When the images' demographics disagree with the pointer's.
   */
  demographicsMismatch: string | null,
  /**
   * The banner after this study's images were read.
   */
  identity: IdentityView | null,
};

/**
 * Progress of a study's retrieval.
 */
export type StudyProgressView = {
  /**
   * The study.
   */
  studyKey: string,
  /**
   * The series (empty on the final event).
   */
  seriesKey: string,
  /**
   * Images received.
   */
  loaded: number,
  /**
   * Images announced.
   */
  total: number,
  /**
   * Whether the retrieval has finished.
   */
  done: boolean,
  /**
   * Why it failed, if it did: a code the UI can act on and a message to show, as a
   * failed command's.
   */
  error: CommandError | null,
  /**
   * Verification warnings (quarantined images, incomplete series).
   */
  warnings: Array<string>,
  /**
   * Which patient identifier in the images carried the NHS number, when it was not
   * (only) Patient ID; shown beside the study, not as a warning.
   */
  identityNote: string | null,
};

/**
 * Which way the clinician is scrolling through a series, as the screen reports it.
 */
export type ScrollDirectionView = "forward" | "backward" | "still";

/**
 * How a report is shown.
 */
export type ReportFormat = "fhir" | "pdf" | "text" | "cda" | "sr";

/**
 * One section of a structured (CDA) report.
 */
export type ReportSection = {
  /**
   * The section's title (may be empty).
   */
  heading: string,
  /**
   * Its narrative as plain text; lines separated by `\n`.
   */
  text: string,
};

/**
 * A report opened in the window.
 */
export type ReportView = {
  /**
   * The record.
   */
  recordId: string,
  /**
   * Title.
   */
  title: string,
  /**
   * Date.
   */
  date: string | null,
  /**
   * Author or organisation.
   */
  author: string | null,
  /**
   * The report's status (`DiagnosticReport.status` or `DocumentReference.docStatus`),
   * else the pointer's.
   */
  status: DocumentStatus | null,
  /**
   * The text: the whole report as plain text (a CDA's sections with their headings).
   */
  text: string,
  /**
   * Where the UI fetches the PDF, when there is one.
   */
  pdfUrl: string | null,
  /**
   * What kind of document it is, for the window to say and to lay out.
   */
  format: ReportFormat,
  /**
   * A CDA document's sections, in order (empty for other formats).
   */
  sections: Array<ReportSection>,
};

/**
 * Graphic Type (PS3.3 C.10.5.2).
 */
export type GraphicKind = "point" | "polyline" | "interpolated" | "circle" | "ellipse";

/**
 * A graphic of a presentation state, in image pixel coordinates (column, row; 0,0 the top
 * left corner of the top left pixel).
 */
export type PresentationGraphicView = {
  /**
   * Graphic Type.
   */
  kind: GraphicKind,
  /**
   * Points: one for a point, the centre and a point on the circumference of a circle,
   * the major then the minor axis end points of an ellipse.
   */
  points: Array<[number, number]>,
  /**
   * Whether it is filled.
   */
  filled: boolean,
  /**
   * Its graphic layer.
   */
  layer: string,
};

/**
 * A text of a presentation state, in image pixel coordinates.
 */
export type PresentationTextView = {
  /**
   * The text.
   */
  text: string,
  /**
   * Top left and bottom right of the box it is written in.
   */
  boundingBox: [[number, number], [number, number]] | null,
  /**
   * The point it is about.
   */
  anchor: [number, number] | null,
  /**
   * Whether a line joins the text to its anchor.
   */
  anchorVisible: boolean,
  /**
   * Its graphic layer.
   */
  layer: string,
};

/**
 * What a presentation state does to one image of the study.
 */
export type PresentationImageView = {
  /**
   * The image's series.
   */
  seriesKey: string,
  /**
   * The image's index in its series' stack.
   */
  index: number,
  /**
   * The state's window for it, when it sets one.
   */
  window: WindowPresetView | null,
  /**
   * Texts drawn on it.
   */
  texts: Array<PresentationTextView>,
  /**
   * Graphics drawn on it.
   */
  graphics: Array<PresentationGraphicView>,
};

/**
 * A presentation state (DICOM GSPS) held in a study, mapped onto the study's images.
 */
export type PresentationStateView = {
  /**
   * Stable key: the presentation state's series key and instance index.
   */
  key: string,
  /**
   * Content Label.
   */
  label: string,
  /**
   * Content Description.
   */
  description: string | null,
  /**
   * Content Creator's Name.
   */
  creator: string | null,
  /**
   * Presentation Creation Date, YYYY-MM-DD.
   */
  date: string | null,
  /**
   * The images of this study it applies to.
   */
  images: Array<PresentationImageView>,
  /**
   * What of it is not applied, or was skipped, in plain words.
   */
  notes: Array<string>,
};

/**
 * The presentation states of an open study.
 */
export type PresentationStatesView = {
  /**
   * The states that could be read.
   */
  states: Array<PresentationStateView>,
  /**
   * States that could not be read, in plain words.
   */
  warnings: Array<string>,
};

/**
 * One key image: where it is in the open study.
 */
export type KeyImageView = {
  /**
   * The series it is in.
   */
  seriesKey: string,
  /**
   * Its index in that series' stack.
   */
  index: number,
};

/**
 * The images one Key Object Selection document flags (PS3.3 A.35.4, PS3.16 TID 2010).
 */
export type KeyImageSetView = {
  /**
   * The series holding the document.
   */
  seriesKey: string,
  /**
   * Its title, e.g. "Of Interest".
   */
  title: string,
  /**
   * Its Key Object Description, when it has one.
   */
  description: string | null,
  /**
   * The images of this study it flags, in its order.
   */
  images: Array<KeyImageView>,
};

/**
 * The key images of an open study.
 */
export type KeyImagesView = {
  /**
   * One set per document read.
   */
  sets: Array<KeyImageSetView>,
  /**
   * Documents that could not be read, references the study does not hold.
   */
  warnings: Array<string>,
};

/**
 * Where in the viewer's work a measurement was taken.
 */
export type Stage = "discovery" | "network" | "retrieval";

/**
 * A fixed-bucket histogram.
 */
export type Histogram = {
  /**
   * Observations.
   */
  count: number,
  /**
   * Their sum, in milliseconds.
   */
  sumMs: number,
  /**
   * The largest, in milliseconds.
   */
  maxMs: number,
  /**
   * Counts per bucket of [`LATENCY_BOUNDS_MS`], then the open bucket.
   */
  buckets: number[],
};

/**
 * One series as the diagnostics page and the exporter see it.
 */
export type SeriesSnapshot = {
  /**
   * The stage.
   */
  stage: Stage,
  /**
   * `host:port` or a network's name.
   */
  target: string,
  /**
   * Requests (or, for networks, queries answered for).
   */
  requests: number,
  /**
   * Failed requests (or networks that did not answer fully).
   */
  errors: number,
  /**
   * Retries after a retryable failure.
   */
  retries: number,
  /**
   * Response bytes received.
   */
  bytes: number,
  /**
   * Request latency.
   */
  latency: Histogram,
  /**
   * Time from starting a study's retrieval to its first image in memory.
   */
  firstImage: Histogram,
};

/**
 * Everything recorded so far.
 */
export type MetricsSnapshot = {
  /**
   * When recording began (Unix nanoseconds).
   */
  startUnixNanos: number,
  /**
   * When the snapshot was taken (Unix nanoseconds).
   */
  nowUnixNanos: number,
  /**
   * Every series, by stage then target.
   */
  series: Array<SeriesSnapshot>,
};

/**
 * How exporting has gone, for the diagnostics page.
 */
export type ExportStatus = {
  /**
   * The collector's `host:port`, when one is configured.
   */
  collector: string | null,
  /**
   * Exports the collector accepted.
   */
  sent: number,
  /**
   * Exports that failed.
   */
  failed: number,
  /**
   * Why the last export failed, if it did.
   */
  lastError: string | null,
};

/**
 * What the diagnostics page shows.
 */
export type DiagnosticsView = {
  /**
   * The viewer's version.
   */
  version: string,
  /**
   * Every series recorded so far.
   */
  metrics: MetricsSnapshot,
  /**
   * The export to a collector, when one is configured.
   */
  export: ExportStatus | null,
};
