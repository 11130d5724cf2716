//! The headless `render` subcommand: decode each file and write `<stem>.npy` (float32,
//! shape `(frames, rows, cols)` for grayscale after the Modality LUT, or
//! `(frames, rows, cols, 3)` for RGB) and, with `--format png`, one 8-bit PNG per frame
//! after the default VOI and presentation; with `--format raw`, instead, `<stem>.raw`: the
//! stored values at their stored width, little-endian, frame after frame (what a DICOM
//! decompressor such as DCMTK's writes as native Pixel Data, so that decode benchmarks
//! compare like with like). A file that fails prints one line naming it and the reason to
//! stderr and writes nothing; the others still run; the exit code is 1 if any file failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;

use super::error::ImagingError;
use super::file_image::{decode_file, write_raw_in_place};
use super::frame::DecodedImage;
use super::npy::encode_f32_npy;
use super::pixel_module::DecodeLimits;

/// Arguments of `render` (`nir-viewer render`, and the decode-only `nir-render render` of
/// the decode benchmark).
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// DICOM files to decode.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Directory that receives `<stem>.npy` (and PNGs).
    #[arg(long)]
    pub out: PathBuf,
    /// `npy` (float32 arrays), `png` (also one 8-bit PNG per frame after VOI) or `raw`
    /// (only `<stem>.raw`: stored values at their stored width, little-endian).
    #[arg(long, default_value = "npy")]
    pub format: String,
    /// Decode only this frame (0-based).
    #[arg(long)]
    pub frame: Option<u32>,
}

impl RenderArgs {
    /// Run `render` with these arguments ([`run_render`]).
    pub fn run(&self) -> ExitCode {
        run_render(&self.files, &self.out, &self.format, self.frame)
    }
}

/// What to write besides the `.npy` arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    /// Only `.npy`.
    Npy,
    /// `.npy` and one PNG per frame.
    Png,
    /// Only `.raw`: stored values at their stored width, little-endian.
    Raw,
}

impl RenderFormat {
    /// Parse the `--format` value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "npy" => Some(Self::Npy),
            "png" => Some(Self::Png),
            "raw" => Some(Self::Raw),
            _ => None,
        }
    }
}

/// Run `render` over `files`; the exit code is 0 only when every file rendered.
pub fn run_render(files: &[PathBuf], out: &Path, format: &str, frame: Option<u32>) -> ExitCode {
    let Some(format) = RenderFormat::parse(format) else {
        eprintln!("nir-viewer render: unknown --format {format:?} (use npy, png or raw)");
        return ExitCode::from(2);
    };
    if let Err(error) = std::fs::create_dir_all(out) {
        eprintln!(
            "nir-viewer render: cannot create {}: {error}",
            out.display()
        );
        return ExitCode::from(2);
    }
    // A codec panic is caught and reported as that file's one error line; keep the default
    // hook from printing a second, alarming one.
    std::panic::set_hook(Box::new(|_| {}));
    let limits = DecodeLimits::default();
    // Files side by side on every core (as the viewer decodes the images of a series), each
    // failure reported in the order the files were given.
    let failures: Vec<(&PathBuf, ImagingError)> = files
        .par_iter()
        .filter_map(|file| {
            render_file(file, out, format, frame, &limits)
                .err()
                .map(|error| (file, error))
        })
        .collect();
    for (file, error) in &failures {
        eprintln!("{}: {error}", file.display());
    }
    let failed = failures.len();
    let _ = std::panic::take_hook();
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Render one file into `out`.
pub fn render_file(
    file: &Path,
    out: &Path,
    format: RenderFormat,
    frame: Option<u32>,
    limits: &DecodeLimits,
) -> Result<(), ImagingError> {
    let malformed = |_| ImagingError::Parse("the decoder failed on malformed data".to_owned());
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if format == RenderFormat::Raw {
        let raw = out.join(format!("{stem}.raw"));
        // Native grayscale goes from the file to the output a piece at a time.
        let written = std::panic::catch_unwind(|| write_raw_in_place(file, limits, frame, &raw))
            .map_err(malformed)?;
        if let Some(written) = written {
            return written;
        }
        let image =
            std::panic::catch_unwind(|| decode_file(file, limits, frame)).map_err(malformed)??;
        return write_raw(&image, &raw);
    }
    let image =
        std::panic::catch_unwind(|| decode_file(file, limits, frame)).map_err(malformed)??;
    write_npy(&image, &out.join(format!("{stem}.npy")))?;
    if format == RenderFormat::Png {
        for decoded in &image.frames {
            let path = out.join(format!("{stem}_{:04}.png", decoded.index));
            write_png(&image, &decoded.display8(), &path)?;
        }
    }
    Ok(())
}

fn output_error(path: &Path, error: impl std::fmt::Display) -> ImagingError {
    ImagingError::Output {
        path: path.display().to_string(),
        reason: error.to_string(),
    }
}

fn write_npy(image: &DecodedImage, path: &Path) -> Result<(), ImagingError> {
    let mut shape = vec![
        image.frames.len(),
        image.rows as usize,
        image.columns as usize,
    ];
    if image.is_colour() {
        shape.push(3);
    }
    let values: Vec<f32> = image
        .frames
        .iter()
        .flat_map(|f| f.output_values())
        .collect();
    std::fs::write(path, encode_f32_npy(&values, &shape)).map_err(|e| output_error(path, e))
}

/// Stored values at their stored width, little-endian, frame after frame: no Modality LUT,
/// no conversion to float.
fn write_raw(image: &DecodedImage, path: &Path) -> Result<(), ImagingError> {
    let mut file = std::fs::File::create(path).map_err(|e| output_error(path, e))?;
    // Each frame goes out in blocks of tens of kilobytes, or whole: no buffer in between.
    for frame in &image.frames {
        frame
            .write_stored_le(&mut file)
            .map_err(|e| output_error(path, e))?;
    }
    Ok(())
}

fn write_png(image: &DecodedImage, display: &[u8], path: &Path) -> Result<(), ImagingError> {
    let colour = if image.is_colour() {
        image::ExtendedColorType::Rgb8
    } else {
        image::ExtendedColorType::L8
    };
    image::save_buffer_with_format(
        path,
        display,
        image.columns,
        image.rows,
        colour,
        image::ImageFormat::Png,
    )
    .map_err(|e| output_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_larger_than_the_limits_are_refused_unread() {
        let limits = DecodeLimits {
            max_decoded_bytes: 0,
            ..DecodeLimits::default()
        };
        let dir = std::env::temp_dir().join(format!("nir-render-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("large.dcm");
        std::fs::File::create(&file)
            .unwrap()
            .set_len((64 << 20) + 1)
            .unwrap();
        let outcome = render_file(&file, &dir, RenderFormat::Npy, None, &limits);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            outcome,
            Err(ImagingError::TooLarge {
                what: "file size in bytes",
                ..
            })
        ));
    }

    #[test]
    fn formats_parse() {
        assert_eq!(RenderFormat::parse("npy"), Some(RenderFormat::Npy));
        assert_eq!(RenderFormat::parse("png"), Some(RenderFormat::Png));
        assert_eq!(RenderFormat::parse("raw"), Some(RenderFormat::Raw));
        assert_eq!(RenderFormat::parse("jpeg"), None);
    }
}
