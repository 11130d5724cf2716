//! What a compressed frame's own header says about the image it decodes to, compared with
//! the DICOM Image Pixel module before any codec allocates for it: a codec sizes its output
//! and working planes from its frame header, which a hostile file may set to anything
//! within 65535×65535 whatever Rows and Columns say. Read here: the JPEG frame header (SOFn,
//! ISO 10918-1 B.2.2), the JPEG-LS frame header (SOF55, ISO 14495-1 C.2.2, same layout) and
//! the JPEG 2000 image and tile size marker (SIZ, ISO 15444-1 A.5.1). For Huffman-coded
//! JPEG the header must also be plausible for the bytes present: every 8×8 block of a DCT
//! frame costs at least one bit of entropy-coded data and every lossless sample at least
//! one bit (B.2.4 and annex C code each block's DC difference and each lossless difference
//! with a code of one bit or more), so a few hundred bytes cannot hold a 16384×16384 frame.

use super::error::ImagingError;
use super::jpeg_markers::MarkerReader;
use super::pixel_module::PixelModule;

/// The size a codestream declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodestreamSize {
    /// Frame header marker (0xC0..0xCF JPEG, 0xF7 JPEG-LS), 0 for JPEG 2000.
    pub marker: u8,
    /// Lines.
    pub rows: u32,
    /// Samples per line.
    pub columns: u32,
    /// Components.
    pub components: u32,
}

fn fail(reason: String) -> ImagingError {
    ImagingError::Codec {
        frame: 0,
        transfer_syntax: String::new(),
        reason,
    }
}

/// The frame header of a JPEG or JPEG-LS codestream, if one precedes the first scan.
pub fn jpeg_frame_size(data: &[u8]) -> Option<CodestreamSize> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut markers = MarkerReader::after_start(data);
    while let Some((marker, segment)) = markers.next_segment() {
        let is_frame = matches!(marker, 0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
            || marker == 0xF7;
        if is_frame {
            let field = |at: usize| {
                segment
                    .get(at..at + 2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
            };
            return Some(CodestreamSize {
                marker,
                rows: u32::from(field(1)?),
                columns: u32::from(field(3)?),
                components: u32::from(*segment.get(5)?),
            });
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
    }
    None
}

/// The SIZ marker segment of a JPEG 2000 codestream (bare, or inside a JP2 file).
pub fn jpeg2000_size(data: &[u8]) -> Option<CodestreamSize> {
    let start = memchr::memmem::find(data, &[0xFF, 0x4F, 0xFF, 0x51])?;
    let siz = data.get(start + 4..)?;
    let word = |at: usize| {
        siz.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (width, height) = (word(4)?, word(8)?);
    let (x_offset, y_offset) = (word(12)?, word(16)?);
    let components = siz.get(36..38).map(|b| u16::from_be_bytes([b[0], b[1]]))?;
    Some(CodestreamSize {
        marker: 0,
        rows: height.checked_sub(y_offset)?,
        columns: width.checked_sub(x_offset)?,
        components: u32::from(components),
    })
}

/// Refuses a codestream whose declared size differs from the Image Pixel module, or (for
/// Huffman-coded JPEG) could not be held by `data`'s length. `None` (no readable header) is
/// refused too: no codec should be handed a stream whose size cannot be known beforehand.
pub fn check_codestream_size(
    size: Option<CodestreamSize>,
    data_len: usize,
    module: &PixelModule,
) -> Result<(), ImagingError> {
    let size = size.ok_or_else(|| fail("no readable frame header".to_owned()))?;
    if size.rows != module.rows
        || size.columns != module.columns
        || size.components != module.samples_per_pixel
    {
        return Err(fail(format!(
            "the codestream's header declares {}x{} with {} component(s), the DICOM attributes \
             {}x{} with {}; refused before decoding",
            size.columns,
            size.rows,
            size.components,
            module.columns,
            module.rows,
            module.samples_per_pixel
        )));
    }
    let rows = u64::from(size.rows);
    let columns = u64::from(size.columns);
    let least_bits = match size.marker {
        // Huffman-coded DCT (sequential, extended, progressive; differential ones too).
        0xC0 | 0xC1 | 0xC2 | 0xC5 | 0xC6 => rows.div_ceil(8) * columns.div_ceil(8),
        // Huffman-coded lossless: one difference per sample.
        0xC3 | 0xC7 => rows * columns * u64::from(size.components),
        _ => 0,
    };
    let available_bits = (data_len as u64).saturating_mul(8);
    if least_bits > available_bits {
        return Err(fail(format!(
            "a {}x{} frame needs at least {} bytes of coded data, the codestream has {data_len}; \
             refused before decoding",
            size.columns,
            size.rows,
            least_bits.div_ceil(8)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(rows: u32, columns: u32) -> PixelModule {
        PixelModule::mono12(rows, columns)
    }

    fn jpeg(marker: u8, rows: u16, columns: u16) -> Vec<u8> {
        let mut data = vec![0xFF, 0xD8, 0xFF, marker, 0x00, 0x0B, 12];
        data.extend_from_slice(&rows.to_be_bytes());
        data.extend_from_slice(&columns.to_be_bytes());
        data.extend_from_slice(&[1, 1, 0x11, 0]);
        data.extend_from_slice(&[0xFF, 0xD9]);
        data
    }

    #[test]
    fn jpeg_and_jpeg_ls_frame_headers_are_read() {
        let size = jpeg_frame_size(&jpeg(0xC1, 16384, 300)).unwrap();
        assert_eq!(
            (size.marker, size.rows, size.columns, size.components),
            (0xC1, 16384, 300, 1)
        );
        assert_eq!(jpeg_frame_size(&jpeg(0xF7, 5, 6)).unwrap().rows, 5);
        assert_eq!(jpeg_frame_size(b"not a jpeg"), None);
    }

    #[test]
    fn a_header_larger_than_the_attributes_is_refused() {
        let data = jpeg(0xC1, 16384, 16384);
        let outcome = check_codestream_size(jpeg_frame_size(&data), data.len(), &module(8, 8));
        assert!(
            matches!(outcome, Err(ImagingError::Codec { reason, .. }) if reason.contains("16384x16384"))
        );
    }

    #[test]
    fn a_huffman_frame_too_large_for_its_bytes_is_refused_even_when_attributes_agree() {
        let data = jpeg(0xC1, 16384, 16384);
        let outcome = check_codestream_size(jpeg_frame_size(&data), 460, &module(16384, 16384));
        assert!(
            matches!(outcome, Err(ImagingError::Codec { reason, .. }) if reason.contains("needs at least"))
        );
        // 4 MiB of coded data could hold it.
        assert!(
            check_codestream_size(jpeg_frame_size(&data), 4 << 20, &module(16384, 16384)).is_ok()
        );
        // Lossless needs a bit per sample.
        let lossless = jpeg(0xC3, 1000, 1000);
        assert!(
            check_codestream_size(jpeg_frame_size(&lossless), 1000, &module(1000, 1000)).is_err()
        );
        assert!(
            check_codestream_size(jpeg_frame_size(&lossless), 125_000, &module(1000, 1000)).is_ok()
        );
    }

    #[test]
    fn jpeg_2000_size_is_read_from_siz() {
        let mut data = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
        for value in [612u32, 512, 100, 0, 612, 512, 0, 0] {
            data.extend_from_slice(&value.to_be_bytes());
        }
        data.extend_from_slice(&[0x00, 0x01, 0x0B, 0x01, 0x01]);
        let size = jpeg2000_size(&data).unwrap();
        assert_eq!((size.rows, size.columns, size.components), (512, 512, 1));
        assert!(check_codestream_size(Some(size), data.len(), &module(512, 512)).is_ok());
        assert!(check_codestream_size(Some(size), data.len(), &module(512, 511)).is_err());
        assert!(check_codestream_size(None, 10, &module(1, 1)).is_err());
    }
}
