//! Decoding an image held in a file (the headless `render`): grayscale native Pixel Data of
//! the common layouts (one sample of 8 bits unsigned, or of 16 bits) is read from the file
//! straight into each frame's buffer, as a DICOM toolkit reading a file does, instead of
//! reading the whole file into memory first and copying every frame out of it; that saves
//! one copy of the largest value in the object and the memory it takes. Only the first
//! MiB is read to find the Pixel Data element; a file whose header is
//! longer, whose Pixel Data is encapsulated or not the last element, of another layout, or
//! anything unusual (declared lengths beyond the file, a frame out of range) is read whole
//! and decoded by [`decode_image`], which reports the problem. For `render --format raw`,
//! unsigned samples go further: each piece is read, masked and written to the output by one
//! thread ([`write_raw_in_place`]), with no buffer for the whole image. The viewer never reads image files: it
//! decodes instances held in memory with [`decode_image`].

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::declared_lengths::find_declared_native_pixel_data;
use super::error::ImagingError;
use super::frame::{assemble_image, decode_image, DecodedImage, GraySamples};
use super::pixel_module::{DecodeLimits, PixelModule};

/// Bytes read first to find the Pixel Data element: far more than a header takes.
const HEADER_PREFIX: u64 = 1 << 20;

fn read_error(error: std::io::Error) -> ImagingError {
    ImagingError::Parse(error.to_string())
}

/// Decode the image in `path` (every frame, or only `frame`). A file larger than everything
/// `limits` lets it decode to, plus room for headers, is refused before it is read.
pub fn decode_file(
    path: &Path,
    limits: &DecodeLimits,
    frame: Option<u32>,
) -> Result<DecodedImage, ImagingError> {
    let (mut file, size, mut bytes) = open_with_prefix(path, limits)?;
    if let Some(image) = frames_read_in_place(&file, size, &bytes, limits, frame) {
        return image;
    }
    // The rest of the file, up to the size that was checked against the limits.
    if bytes.len() as u64 == HEADER_PREFIX {
        bytes.reserve(size.saturating_sub(HEADER_PREFIX) as usize);
        (&mut file)
            .take(size.saturating_sub(HEADER_PREFIX))
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
    }
    decode_image(&bytes, limits, frame)
}

/// Opens `path`, refuses it if it is larger than everything `limits` lets it decode to
/// (plus room for headers) before reading anything, and reads its first bytes: the file,
/// its size and those bytes.
fn open_with_prefix(
    path: &Path,
    limits: &DecodeLimits,
) -> Result<(File, u64, Vec<u8>), ImagingError> {
    let mut file = File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    let limit = limits.max_decoded_bytes + (64 << 20);
    if size > limit {
        return Err(ImagingError::TooLarge {
            what: "file size in bytes",
            value: size,
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(size.min(HEADER_PREFIX) as usize);
    (&mut file)
        .take(HEADER_PREFIX)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok((file, size, bytes))
}

/// A file whose frames can be read in place: where its Pixel Data value starts, its
/// header, what its pixels are, and the frames asked for.
#[cfg(unix)]
struct InPlace {
    value_start: u64,
    image: super::source::ParsedImage,
    module: PixelModule,
    selection: Vec<u32>,
}

/// Whether the file of `size` bytes starting with `prefix` can be read in place (see the
/// module doc), and how.
#[cfg(unix)]
fn in_place(
    size: u64,
    prefix: &[u8],
    limits: &DecodeLimits,
    frame: Option<u32>,
) -> Option<InPlace> {
    use super::native::{is_gray16, is_gray8_unsigned, native_total_bytes};
    use super::source::parse_image_header;

    let declared = find_declared_native_pixel_data(prefix).ok()??;
    let image = parse_image_header(prefix, &declared).ok()?;
    let module = PixelModule::from_image(&image, limits).ok()?;
    // The value must hold every frame (PS3.5 8.1.1: frames follow each other with no
    // padding between them) and end the file: elements after it (padding, a signature, or
    // attributes out of order) are never read here, so such a file is decoded whole, with
    // every declared length checked, as the viewer decodes it.
    let fits = (declared.declared_length as u64) >= native_total_bytes(&module) as u64
        && (declared.value_start as u64).saturating_add(declared.declared_length as u64) == size;
    let selection: Vec<u32> = match frame {
        Some(frame) if frame < module.frames => vec![frame],
        Some(_) => return None,
        None => (0..module.frames).collect(),
    };
    if !fits || !(is_gray8_unsigned(&module) || is_gray16(&module)) {
        return None;
    }
    Some(InPlace {
        value_start: declared.value_start as u64,
        image,
        module,
        selection,
    })
}

/// The image with its frames read from `file` in place, or `None` to decode the whole file
/// instead (see the module doc); `prefix` is the file's first bytes, `size` its length.
#[cfg(unix)]
fn frames_read_in_place(
    file: &File,
    size: u64,
    prefix: &[u8],
    limits: &DecodeLimits,
    frame: Option<u32>,
) -> Option<Result<DecodedImage, ImagingError>> {
    use rayon::prelude::*;

    use super::decode::{DecodedFrames, FrameValues};
    use super::native::{
        gray16_frame, is_gray8_unsigned, native_frame_bytes, unsigned16, unsigned8,
    };

    let InPlace {
        value_start,
        image,
        module,
        selection,
    } = in_place(size, prefix, limits, frame)?;
    let eight_bit = is_gray8_unsigned(&module);
    let frame_bytes = native_frame_bytes(&module);
    let read_frame = |index: u32| -> Result<FrameValues, ImagingError> {
        let offset = value_start + u64::from(index) * frame_bytes as u64;
        let samples = if eight_bit {
            // Zeroed blocks of this size are fresh pages: no pass to clear them.
            let mut values = vec![0u8; frame_bytes];
            let spare = 8 - module.bits_stored;
            read_in_pieces(file, &mut values, offset, |piece| {
                if spare > 0 {
                    for value in piece {
                        *value = unsigned8(*value, spare);
                    }
                }
            })?;
            GraySamples::Unsigned8(values)
        } else {
            let mut words = vec![0u16; frame_bytes / 2];
            let spare = 16 - module.bits_stored;
            let signed = module.signed;
            read_in_pieces(file, &mut words, offset, |piece| {
                for word in piece {
                    // Stored little endian (a no-op on little-endian machines); Bits
                    // Stored masks unsigned values here, signed ones are extended below.
                    let value = u16::from_le(*word);
                    *word = if signed {
                        value
                    } else {
                        unsigned16(value, spare)
                    };
                }
            })?;
            if signed {
                gray16_frame(words, &module)?
            } else {
                GraySamples::Unsigned16(words)
            }
        };
        Ok(FrameValues::Gray(samples))
    };
    let frames = selection
        .par_iter()
        .map(|&index| read_frame(index))
        .collect::<Result<Vec<_>, _>>();
    Some(frames.and_then(|frames| {
        let decoded = DecodedFrames {
            frames,
            photometric: module.photometric,
        };
        assemble_image(&image.object.dataset, &module, &selection, decoded)
    }))
}

/// A large frame is read in pieces of this size side by side, each finished (masked) by
/// the thread that read it while it is still in cache: a single 14 MB CR frame would
/// otherwise be read and masked on one core.
#[cfg(unix)]
const PIECE_BYTES: usize = 1 << 20;

/// Fills `buffer` from `file` at `offset`, in pieces side by side, passing each piece to
/// `finish` once it has arrived. A file that ends early is an error.
#[cfg(unix)]
fn read_in_pieces<T: bytemuck::Pod + Send>(
    file: &File,
    buffer: &mut [T],
    offset: u64,
    finish: impl Fn(&mut [T]) + Sync,
) -> Result<(), ImagingError> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;

    let size = std::mem::size_of::<T>();
    let per_piece = (PIECE_BYTES / size).max(1);
    buffer
        .par_chunks_mut(per_piece)
        .enumerate()
        .try_for_each(|(index, piece)| {
            let at = offset + (index * per_piece * size) as u64;
            file.read_exact_at(bytemuck::cast_slice_mut(piece), at)
                .map_err(read_error)?;
            finish(piece);
            Ok(())
        })
}

/// Writes the stored values of the image in `path` (every frame, or only `frame`) to `out`
/// as `render --format raw` writes a decoded image (little-endian, at their stored width),
/// read from the file in place a piece at a time: each piece read, masked to Bits Stored
/// and written out at its place by the same thread while it is in cache, several pieces
/// side by side, with no buffer for the whole image. `None` when the file cannot be read
/// in place (see the module doc) or its samples are signed (decoding widens those): it is
/// then decoded whole. On an error nothing is left at `out`.
#[cfg(all(unix, target_endian = "little"))]
pub fn write_raw_in_place(
    path: &Path,
    limits: &DecodeLimits,
    frame: Option<u32>,
    out: &Path,
) -> Option<Result<(), ImagingError>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;

    use super::native::{is_gray8_unsigned, native_frame_bytes, unsigned16, unsigned8};

    let (file, size, prefix) = open_with_prefix(path, limits).ok()?;
    let InPlace {
        value_start,
        module,
        selection,
        ..
    } = in_place(size, &prefix, limits, frame)?;
    if module.signed {
        return None;
    }
    let eight_bit = is_gray8_unsigned(&module);
    let width = if eight_bit { 8 } else { 16 };
    let spare = width - module.bits_stored;
    let frame_bytes = native_frame_bytes(&module) as u64;
    // Every frame, or one: a single run of bytes in the file.
    let start = value_start + u64::from(*selection.first()?) * frame_bytes;
    let total = frame_bytes * selection.len() as u64;
    let output_error = |error: std::io::Error| ImagingError::Output {
        path: out.display().to_string(),
        reason: error.to_string(),
    };
    let written = File::create(out).map_err(output_error).and_then(|output| {
        let piece_bytes = PIECE_BYTES as u64;
        (0..total.div_ceil(piece_bytes))
            .into_par_iter()
            .try_for_each_init(
                || vec![0u16; PIECE_BYTES / 2],
                |words, piece| {
                    let at = piece * piece_bytes;
                    let len = (total - at).min(piece_bytes) as usize;
                    file.read_exact_at(&mut bytemuck::cast_slice_mut(words)[..len], start + at)
                        .map_err(read_error)?;
                    if eight_bit && spare > 0 {
                        for byte in &mut bytemuck::cast_slice_mut::<u16, u8>(words)[..len] {
                            *byte = unsigned8(*byte, spare);
                        }
                    } else if !eight_bit && spare > 0 {
                        // A little-endian machine: the words are the stored values.
                        for word in &mut words[..len / 2] {
                            *word = unsigned16(*word, spare);
                        }
                    }
                    output
                        .write_all_at(&bytemuck::cast_slice(words)[..len], at)
                        .map_err(output_error)
                },
            )
    });
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    Some(written)
}

/// Elsewhere every file is decoded whole before it is written.
#[cfg(not(all(unix, target_endian = "little")))]
pub fn write_raw_in_place(
    _path: &Path,
    _limits: &DecodeLimits,
    _frame: Option<u32>,
    _out: &Path,
) -> Option<Result<(), ImagingError>> {
    None
}

#[cfg(not(unix))]
fn frames_read_in_place(
    _file: &File,
    _size: u64,
    _prefix: &[u8],
    _limits: &DecodeLimits,
    _frame: Option<u32>,
) -> Option<Result<DecodedImage, ImagingError>> {
    None
}

#[cfg(test)]
mod tests {
    use super::super::frame::stored_gray_values;
    use super::super::raw_element::MonochromeImage;
    use super::*;

    /// Writes each file in a directory of its own and decodes it both ways.
    struct Files(std::path::PathBuf);

    impl Files {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("nir-file-image-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn write(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Four frames of 3 × 5, 12 of 16 bits stored, with high bits set that must be masked
    /// off: the file's bytes.
    fn masked_sixteen_bit() -> Vec<u8> {
        let mut sixteen = MonochromeImage::little_endian(3, 5, 4, 16);
        sixteen.bits_stored = 12;
        let words: Vec<u8> = (0..60u16)
            .flat_map(|v| v.wrapping_mul(1111).to_le_bytes())
            .collect();
        sixteen.file(&words)
    }

    /// One 8-bit frame of 1.1 MB (more than a piece), 7 of 8 bits stored: the file's bytes
    /// and the values written in it.
    fn large_masked_eight_bit() -> (Vec<u8>, Vec<u8>) {
        let mut image = MonochromeImage::little_endian(1100, 1000, 1, 8);
        image.bits_stored = 7;
        let values: Vec<u8> = (0..1_100_000u32).map(|v| (v * 31 % 256) as u8).collect();
        (image.file(&values), values)
    }

    /// The file read frame by frame gives what the whole file held in memory gives.
    fn assert_same_both_ways(path: &Path, bytes: &[u8], frame: Option<u32>) {
        let limits = DecodeLimits::default();
        let from_file = decode_file(path, &limits, frame).unwrap();
        let from_memory = decode_image(bytes, &limits, frame).unwrap();
        assert_eq!(
            stored_gray_values(&from_file),
            stored_gray_values(&from_memory)
        );
        assert_eq!(from_file.frames_in_object, from_memory.frames_in_object);
    }

    #[test]
    fn frames_read_from_the_file_equal_the_whole_file_decoded() {
        let files = Files::new("same");
        let bytes = masked_sixteen_bit();
        let path = files.write("sixteen.dcm", &bytes);
        assert_same_both_ways(&path, &bytes, None);
        assert_same_both_ways(&path, &bytes, Some(3));
        let first =
            stored_gray_values(&decode_file(&path, &DecodeLimits::default(), Some(1)).unwrap());
        assert_eq!(first[0][0], i64::from(15u16.wrapping_mul(1111) & 0x0FFF));

        let mut eight = MonochromeImage::little_endian(4, 4, 3, 8);
        eight.bits_stored = 6;
        eight.after_pixel_data = eight.element(0xFFFC, 0xFFFC, b"OB", &[0; 8]);
        let values: Vec<u8> = (0..48u8).map(|v| v.wrapping_mul(37)).collect();
        let bytes = eight.file(&values);
        let path = files.write("eight.dcm", &bytes);
        assert_same_both_ways(&path, &bytes, None);
        assert!(
            stored_gray_values(&decode_file(&path, &DecodeLimits::default(), None).unwrap())
                .iter()
                .flatten()
                .all(|&v| v < 64)
        );
    }

    #[test]
    fn frames_larger_than_a_piece_are_read_and_masked_whole() {
        let files = Files::new("pieces");
        // 16-bit: 1.2 MB a frame (two pieces, the second short), 12 of 16 bits stored;
        // then signed.
        for signed in [false, true] {
            let mut image = MonochromeImage::little_endian(600, 1000, 2, 16);
            image.bits_stored = 12;
            let mut bytes = image.file(&vec![0; 600 * 1000 * 2 * 2]);
            if signed {
                // Pixel Representation 1: the value of (0028,0103), two bytes before Pixel Data.
                let at = bytes.len() - 600 * 1000 * 4 - 12 - 2;
                bytes[at] = 1;
            }
            let pixels = bytes.len() - 600 * 1000 * 4;
            for (index, byte) in bytes[pixels..].iter_mut().enumerate() {
                *byte = (index * 7919 % 251) as u8;
            }
            let path = files.write("sixteen.dcm", &bytes);
            assert_same_both_ways(&path, &bytes, None);
        }
        // 8-bit: 1.1 MB, 7 of 8 bits stored.
        let (bytes, values) = large_masked_eight_bit();
        let path = files.write("eight.dcm", &bytes);
        assert_same_both_ways(&path, &bytes, None);
        let decoded =
            stored_gray_values(&decode_file(&path, &DecodeLimits::default(), None).unwrap());
        assert_eq!(decoded[0][1_099_999], i64::from(values[1_099_999] & 0x7F));
    }

    /// What `write_raw_in_place` writes for `path` is what the decoded image writes.
    #[cfg(all(unix, target_endian = "little"))]
    fn assert_raw_in_place_as_decoded(files: &Files, path: &Path, frame: Option<u32>) {
        let limits = DecodeLimits::default();
        let out = files.0.join("in-place.raw");
        write_raw_in_place(path, &limits, frame, &out)
            .expect("read in place")
            .unwrap();
        let mut expected = Vec::new();
        for decoded in &decode_file(path, &limits, frame).unwrap().frames {
            decoded.write_stored_le(&mut expected).unwrap();
        }
        assert_eq!(std::fs::read(&out).unwrap(), expected);
    }

    #[test]
    #[cfg(all(unix, target_endian = "little"))]
    fn raw_output_written_in_place_equals_the_decoded_image_written() {
        let files = Files::new("raw");
        // 12 of 16 bits stored with high bits set, four frames; then one of them.
        let path = files.write("sixteen.dcm", &masked_sixteen_bit());
        assert_raw_in_place_as_decoded(&files, &path, None);
        assert_raw_in_place_as_decoded(&files, &path, Some(2));
        // 16-bit frames of 1.2 MB (two pieces, the second short), 12 bits stored.
        let mut large = MonochromeImage::little_endian(600, 1000, 2, 16);
        large.bits_stored = 12;
        let pixels: Vec<u8> = (0..600 * 1000 * 4usize)
            .map(|i| (i * 7919 % 251) as u8)
            .collect();
        let path = files.write("large.dcm", &large.file(&pixels));
        assert_raw_in_place_as_decoded(&files, &path, None);
        assert_raw_in_place_as_decoded(&files, &path, Some(1));
        // 8-bit, 7 of 8 bits stored, 1.1 MB.
        let path = files.write("eight.dcm", &large_masked_eight_bit().0);
        assert_raw_in_place_as_decoded(&files, &path, None);
    }

    #[test]
    #[cfg(all(unix, target_endian = "little"))]
    fn signed_samples_and_files_not_read_in_place_are_left_to_the_decoder() {
        let files = Files::new("raw-left");
        let limits = DecodeLimits::default();
        let out = files.0.join("never.raw");
        let image = MonochromeImage::little_endian(2, 2, 1, 16);
        let mut bytes = image.file(&[1, 0, 2, 0, 3, 0, 4, 0]);
        // Pixel Representation 1: the value of (0028,0103), two bytes before Pixel Data.
        let at = bytes.len() - 8 - 12 - 2;
        bytes[at] = 1;
        let signed = files.write("signed.dcm", &bytes);
        assert!(write_raw_in_place(&signed, &limits, None, &out).is_none());
        let mut long = MonochromeImage::little_endian(2, 2, 1, 16);
        long.before_pixel_data =
            long.element(0x0009, 0x1010, b"OB", &vec![7; HEADER_PREFIX as usize]);
        let long = files.write("long.dcm", &long.file(&[1, 0, 2, 0, 3, 0, 4, 0]));
        assert!(write_raw_in_place(&long, &limits, None, &out).is_none());
        assert!(
            !out.exists(),
            "nothing is written for a file left to the decoder"
        );
    }

    #[test]
    fn a_header_longer_than_the_first_read_is_decoded_from_the_whole_file() {
        let files = Files::new("long");
        let mut image = MonochromeImage::little_endian(2, 2, 1, 16);
        let private = vec![7u8; HEADER_PREFIX as usize + 10];
        image.before_pixel_data = image.element(0x0009, 0x1010, b"OB", &private);
        let bytes = image.file(&[1, 0, 2, 0, 3, 0, 4, 0]);
        let path = files.write("long.dcm", &bytes);
        assert_same_both_ways(&path, &bytes, None);
        assert_eq!(
            stored_gray_values(&decode_file(&path, &DecodeLimits::default(), None).unwrap()),
            vec![vec![1, 2, 3, 4]]
        );
    }

    #[test]
    fn lies_and_wrong_frames_are_refused_as_the_whole_file_refuses_them() {
        let files = Files::new("lies");
        let limits = DecodeLimits::default();
        let image = MonochromeImage::little_endian(2, 2, 2, 16);
        // Too few bytes for two frames.
        let short = files.write("short.dcm", &image.file(&[1, 0, 2, 0, 3, 0, 4, 0]));
        assert!(matches!(
            decode_file(&short, &limits, None),
            Err(ImagingError::PixelDataTooShort { .. })
        ));
        // A Pixel Data declaring a gibibyte in a small file.
        let mut lying = image.file(&[]);
        let at = lying.len() - 4;
        lying[at..].copy_from_slice(&(1u32 << 30).to_le_bytes());
        lying.extend_from_slice(&[0; 16]);
        let lying = files.write("lying.dcm", &lying);
        assert!(matches!(
            decode_file(&lying, &limits, None),
            Err(ImagingError::DeclaredLength(_))
        ));
        let whole = files.write("whole.dcm", &image.file(&[0; 16]));
        assert!(matches!(
            decode_file(&whole, &limits, Some(2)),
            Err(ImagingError::FrameOutOfRange {
                frame: 2,
                frames: 2
            })
        ));
    }
}
