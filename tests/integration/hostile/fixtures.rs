//! The hostile inputs, built byte by byte at test time so no binary fixture is committed:
//! a small Part-10 file whose Pixel Data declares 1 GiB, and 12-bit JPEG files (JPEG
//! Extended, DICOM-encapsulated) whose frame header claims 16384×16384. Elements follow
//! PS3.5 7.1.2 (explicit VR little endian), the meta group PS3.10 7.1, the encapsulation
//! PS3.5 A.4 and the JPEG marker segments ISO 10918-1 B.2.

// One explicit VR little endian element declaring `length` (whatever `value` holds).
use nir_viewer::imaging::raw_element::{explicit_le_declaring as element_declaring, part10_file};

/// Explicit VR Little Endian.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
/// JPEG Extended (Process 2 & 4): 12-bit DCT.
pub const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";
/// One GiB.
pub const GIBIBYTE: u32 = 1 << 30;

fn element(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut value = value.to_vec();
    if value.len() % 2 == 1 {
        value.push(if vr == b"UI" { 0 } else { b' ' });
    }
    element_declaring(group, element, vr, value.len() as u32, &value)
}

fn us(group: u16, tag: u16, value: u16) -> Vec<u8> {
    element(group, tag, b"US", &value.to_le_bytes())
}

/// Preamble, `DICM`, the meta group and `dataset`.
fn part10(sop_instance: &str, transfer_syntax: &str, dataset: &[u8]) -> Vec<u8> {
    let meta = [
        element(0x0002, 0x0001, b"OB", &[0, 1]),
        element(0x0002, 0x0002, b"UI", b"1.2.840.10008.5.1.4.1.1.7"),
        element(0x0002, 0x0003, b"UI", sop_instance.as_bytes()),
        element(0x0002, 0x0010, b"UI", transfer_syntax.as_bytes()),
    ]
    .concat();
    part10_file(&meta, dataset)
}

/// The Image Pixel module of a 16-bit (12 stored) grayscale image.
fn image_pixel(sop_instance: &str, rows: u16, columns: u16, frames: &str) -> Vec<u8> {
    [
        element(0x0008, 0x0016, b"UI", b"1.2.840.10008.5.1.4.1.1.7"),
        element(0x0008, 0x0018, b"UI", sop_instance.as_bytes()),
        element(0x0008, 0x0060, b"CS", b"OT"),
        us(0x0028, 0x0002, 1),
        element(0x0028, 0x0004, b"CS", b"MONOCHROME2"),
        element(0x0028, 0x0008, b"IS", frames.as_bytes()),
        us(0x0028, 0x0010, rows),
        us(0x0028, 0x0011, columns),
        us(0x0028, 0x0100, 16),
        us(0x0028, 0x0101, 12),
        us(0x0028, 0x0102, 11),
        us(0x0028, 0x0103, 0),
    ]
    .concat()
}

/// A few hundred bytes whose native Pixel Data declares 1 GiB (two 16384×16384 16-bit
/// frames, within the decoder's attribute limits) and holds 16 bytes.
pub fn pixel_data_declaring_a_gibibyte() -> Vec<u8> {
    let sop = "2.25.1808";
    let dataset = [
        image_pixel(sop, 16384, 16384, "2"),
        element_declaring(0x7FE0, 0x0010, b"OW", GIBIBYTE, &[0x5A; 16]),
    ]
    .concat();
    part10(sop, EXPLICIT_LE, &dataset)
}

/// A 12-bit sequential JPEG (SOF1) whose frame header claims `rows`×`columns`: quantisation
/// and Huffman tables, the frame and scan headers, a few bytes of entropy-coded data, EOI.
pub fn twelve_bit_jpeg(rows: u16, columns: u16) -> Vec<u8> {
    let segment = |marker: u8, body: &[u8]| {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
        out
    };
    // 8-bit quantisation table 0, all ones.
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1; 64]);
    // DC table 0: one code of length 1 for category 0. AC table 0: one code for EOB.
    let mut dht = vec![0x00, 1];
    dht.extend_from_slice(&[0; 15]);
    dht.push(0x00);
    dht.extend_from_slice(&[0x10, 1]);
    dht.extend_from_slice(&[0; 15]);
    dht.push(0x00);
    let mut sof = vec![12];
    sof.extend_from_slice(&rows.to_be_bytes());
    sof.extend_from_slice(&columns.to_be_bytes());
    sof.extend_from_slice(&[1, 1, 0x11, 0]);
    let sos = [1, 1, 0x00, 0, 63, 0];
    let mut data = vec![0xFF, 0xD8];
    data.extend_from_slice(&segment(0xDB, &dqt));
    data.extend_from_slice(&segment(0xC4, &dht));
    data.extend_from_slice(&segment(0xC1, &sof));
    data.extend_from_slice(&segment(0xDA, &sos));
    // Entropy-coded data: a few blocks' worth of zero bits, then the end of the image.
    data.extend_from_slice(&[0x00; 24]);
    data.extend_from_slice(&[0xFF, 0xD9]);
    data
}

/// A Part-10 JPEG Extended file with Rows × Columns `dicom_size` holding `jpeg` as the one
/// fragment of its one frame.
pub fn encapsulated(jpeg: &[u8], dicom_rows: u16, dicom_columns: u16) -> Vec<u8> {
    let sop = "2.25.1809";
    let item = |element: u16, value: &[u8]| {
        let mut out = vec![0xFE, 0xFF];
        out.extend_from_slice(&element.to_le_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
        out
    };
    let mut fragment = jpeg.to_vec();
    if fragment.len() % 2 == 1 {
        fragment.push(0);
    }
    let dataset = [
        image_pixel(sop, dicom_rows, dicom_columns, "1"),
        element_declaring(0x7FE0, 0x0010, b"OB", u32::MAX, &[]),
        item(0xE000, &[]),
        item(0xE000, &fragment),
        item(0xE0DD, &[]),
    ]
    .concat();
    part10(sop, JPEG_EXTENDED, &dataset)
}
