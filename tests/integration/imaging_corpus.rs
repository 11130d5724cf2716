//! The imaging pipeline end to end: the built binary's `render` over the shared decode
//! corpus (`$NIR_SHARED_DIR/corpus`, default `../shared/corpus` beside the repository),
//! checked by the corpus's own `compare.py`, plus PNG output and `--frame`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory under the system temp dir, removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("nir-imaging-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        ScratchDir(path)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn corpus_dir() -> PathBuf {
    let shared = std::env::var_os("NIR_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let corpus = shared.join("corpus");
    assert!(
        corpus.join("manifest.json").is_file(),
        "decode corpus not found at {} (set NIR_SHARED_DIR)",
        corpus.display()
    );
    corpus
}

fn render(args: &[&str], files: &[PathBuf], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nir-viewer"))
        .arg("render")
        .args(files)
        .arg("--out")
        .arg(out)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap()
}

/// Shape and values of a little-endian float32 `.npy` file.
fn read_npy(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(header.contains("'<f4'"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let values = bytes[10 + header_len..]
        .chunks_exact(4)
        .map(|w| f32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    (shape, values)
}

#[test]
fn render_matches_the_corpus_reference_and_rejects_the_broken_files() {
    let corpus = corpus_dir();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corpus.join("manifest.json")).unwrap()).unwrap();
    let entries = manifest["files"].as_array().unwrap();
    let files: Vec<PathBuf> = entries
        .iter()
        .map(|e| corpus.join(e["file"].as_str().unwrap()))
        .collect();
    let out = ScratchDir::new("corpus");

    let output = render(&[], &files, &out.0);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the corpus holds broken files, yet render succeeded"
    );
    assert!(
        !stderr.contains("panicked"),
        "a decoder panicked:\n{stderr}"
    );

    let error_files: Vec<&str> = entries
        .iter()
        .filter(|e| e["expected_outcome"] == "error")
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert!(!error_files.is_empty());
    assert_eq!(
        stderr.lines().count(),
        error_files.len(),
        "one stderr line per failing file expected:\n{stderr}"
    );
    for file in &error_files {
        let file_name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let lines = stderr.lines().filter(|l| l.contains(file_name)).count();
        assert_eq!(
            lines, 1,
            "{file_name} should fail with exactly one line:\n{stderr}"
        );
        let stem = file_name.trim_end_matches(".dcm");
        assert!(
            !out.0.join(format!("{stem}.npy")).exists(),
            "{stem}.npy written for a broken file"
        );
    }

    let python = std::env::var("NIR_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let compare = Command::new(python)
        .arg(corpus.join("compare.py"))
        .arg(&out.0)
        .output()
        .expect("python3 with numpy is needed to run the corpus comparison");
    let report = String::from_utf8_lossy(&compare.stdout);
    assert!(
        compare.status.success(),
        "corpus comparison failed:\n{report}\n{}",
        String::from_utf8_lossy(&compare.stderr)
    );
    assert!(
        report.contains(&format!("{} passed, 0 failed", entries.len())),
        "{report}"
    );
}

#[test]
fn frame_option_renders_one_frame_equal_to_the_full_render() {
    let file = corpus_dir().join("dicom/emri_small.dcm");
    let all = ScratchDir::new("all-frames");
    let one = ScratchDir::new("one-frame");
    assert!(render(&[], std::slice::from_ref(&file), &all.0)
        .status
        .success());
    let output = render(&["--frame", "3"], &[file], &one.0);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (shape_all, values_all) = read_npy(&all.0.join("emri_small.npy"));
    let (shape_one, values_one) = read_npy(&one.0.join("emri_small.npy"));
    assert_eq!(shape_all, [10, 64, 64]);
    assert_eq!(shape_one, [1, 64, 64]);
    assert_eq!(values_one[..], values_all[3 * 64 * 64..4 * 64 * 64]);
}

#[test]
fn frame_out_of_range_fails_with_one_line_and_no_output() {
    let file = corpus_dir().join("dicom/CT_small.dcm");
    let out = ScratchDir::new("bad-frame");
    let output = render(&["--frame", "1"], &[file], &out.0);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("CT_small.dcm") && stderr.contains("frame 1"),
        "{stderr}"
    );
    assert!(!out.0.join("CT_small.npy").exists());
}

#[test]
fn png_output_has_one_image_per_frame_after_voi() {
    let corpus = corpus_dir();
    let out = ScratchDir::new("png");
    let files = [
        corpus.join("dicom/emri_small.dcm"),
        corpus.join("dicom/SC_rgb_small_odd.dcm"),
    ];
    let output = render(&["--format", "png"], &files, &out.0);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    for frame in 0..10 {
        let png = image::open(out.0.join(format!("emri_small_{frame:04}.png"))).unwrap();
        assert_eq!((png.width(), png.height()), (64, 64));
        let gray = png.to_luma8();
        // a windowed MR slice uses the display range, not one flat value
        let (min, max) = gray
            .pixels()
            .fold((255u8, 0u8), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
        assert!(max > min, "frame {frame} is flat");
    }
    assert!(!out.0.join("emri_small_0010.png").exists());

    // colour: the PNG holds exactly the 8-bit RGB values of the .npy
    let (shape, values) = read_npy(&out.0.join("SC_rgb_small_odd.npy"));
    assert_eq!(shape, [1, 3, 3, 3]);
    let png = image::open(out.0.join("SC_rgb_small_odd_0000.png"))
        .unwrap()
        .to_rgb8();
    let png_values: Vec<f32> = png.as_raw().iter().map(|&v| f32::from(v)).collect();
    assert_eq!(png_values, values);
}
