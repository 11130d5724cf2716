use super::*;
use crate::imaging::raw_element::{explicit_le_declaring as explicit_declaring, part10_file};
use proptest::prelude::*;

/// An explicit VR little endian element with a 2- or 4-byte length, as its VR requires.
fn explicit(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    explicit_declaring(group, element, vr, value.len() as u32, value)
}

fn item(tag_element: u16, length: u32, value: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    out.extend_from_slice(&tag_element.to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(value);
    out
}

/// Preamble, DICM and a meta group naming `transfer_syntax`, then `dataset`.
fn part10(transfer_syntax: &str, dataset: &[u8]) -> Vec<u8> {
    let mut uid = transfer_syntax.as_bytes().to_vec();
    if uid.len() % 2 == 1 {
        uid.push(0);
    }
    let meta = [
        explicit(0x0002, 0x0001, b"OB", &[0, 1]),
        explicit(0x0002, 0x0010, b"UI", &uid),
    ]
    .concat();
    part10_file(&meta, dataset)
}

const EXPLICIT: &str = "1.2.840.10008.1.2.1";

fn small_image_header() -> Vec<u8> {
    [
        explicit(0x0008, 0x0060, b"CS", b"CT"),
        explicit(0x0028, 0x0010, b"US", &2u16.to_le_bytes()),
    ]
    .concat()
}

fn small_image() -> Vec<u8> {
    [
        small_image_header(),
        explicit(0x7FE0, 0x0010, b"OW", &[1, 0, 2, 0, 3, 0, 4, 0]),
    ]
    .concat()
}

#[test]
fn a_well_formed_object_passes() {
    let file = part10(EXPLICIT, &small_image());
    assert_eq!(check_declared_lengths(&file, Scope::Whole), Ok(()));
    let parsed = dicom_object::from_reader(&file[128..]);
    assert!(parsed.is_ok(), "the test object is real DICOM");
}

#[test]
fn pixel_data_declaring_a_gibibyte_in_a_small_file_is_refused() {
    let dataset = [
        explicit(0x0008, 0x0060, b"CS", b"CT"),
        explicit_declaring(0x7FE0, 0x0010, b"OW", 1 << 30, &[0; 16]),
    ]
    .concat();
    let file = part10(EXPLICIT, &dataset);
    assert!(file.len() < 512);
    assert_eq!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData {
            group: 0x7FE0,
            element: 0x0010,
            declared: 1 << 30,
            available: 16,
        })
    );
    // A reader that stops before Pixel Data has nothing to fear from it.
    assert_eq!(
        check_declared_lengths(&file, Scope::BeforePixelData),
        Ok(())
    );
}

#[test]
fn an_element_before_pixel_data_is_checked_in_either_scope() {
    let dataset = [
        explicit_declaring(0x0009, 0x1010, b"UN", 500_000_000, b"abcd"),
        explicit(0x7FE0, 0x0010, b"OW", &[0; 4]),
    ]
    .concat();
    let file = part10(EXPLICIT, &dataset);
    for scope in [Scope::Whole, Scope::BeforePixelData] {
        assert!(matches!(
            check_declared_lengths(&file, scope),
            Err(DeclaredLengthError::BeyondData { group: 0x0009, .. })
        ));
    }
}

#[test]
fn an_unknown_vr_is_read_with_a_four_byte_length_as_the_parser_does() {
    // "C\x86" is no VR: the parser reads it as UN, with reserved bytes and a 32-bit length.
    let mut dataset = explicit(0x0008, 0x0060, b"CS", b"CT");
    dataset.extend_from_slice(&[0x08, 0x00, 0x64, 0x00, b'C', 0x86, 0x04, 0x00]);
    dataset.extend_from_slice(&541_348_695u32.to_le_bytes());
    dataset.extend_from_slice(&[0; 32]);
    let file = part10(EXPLICIT, &dataset);
    assert!(matches!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData {
            declared: 541_348_695,
            ..
        })
    ));
}

#[test]
fn a_meta_element_longer_than_the_file_is_refused() {
    let mut file = vec![0u8; 128];
    file.extend_from_slice(b"DICM");
    file.extend_from_slice(&explicit(0x0002, 0x0000, b"UL", &20u32.to_le_bytes()));
    file.extend_from_slice(&explicit_declaring(0x0002, 0x0002, b"UI", 60_000, b"1.2"));
    assert!(matches!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData { group: 0x0002, .. })
    ));
}

#[test]
fn elements_nested_in_sequences_are_checked_against_their_item() {
    // A defined-length item of 12 bytes holding an element that claims 100.
    let inner = explicit_declaring(0x0008, 0x0100, b"SH", 100, b"abcd");
    let sequence_value = item(0xE000, inner.len() as u32, &inner);
    let dataset = [
        explicit(0x0008, 0x1032, b"SQ", &sequence_value),
        vec![0; 200],
    ]
    .concat();
    let file = part10(EXPLICIT, &dataset);
    assert!(matches!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData {
            group: 0x0008,
            element: 0x0100,
            declared: 100,
            available: 4,
        })
    ));
    // Undefined-length sequence and item: the nested element is checked against the file.
    let inner = explicit_declaring(0x0008, 0x0100, b"UT", 1 << 28, b"abcd");
    let dataset = [
        explicit_declaring(0x0008, 0x1032, b"SQ", u32::MAX, &[]),
        item(0xE000, u32::MAX, &inner),
    ]
    .concat();
    let file = part10(EXPLICIT, &dataset);
    assert!(matches!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData {
            declared: 268_435_456,
            ..
        })
    ));
}

#[test]
fn well_formed_undefined_length_sequences_pass() {
    let inner = explicit(0x0008, 0x0100, b"SH", b"ab");
    let dataset = [
        explicit_declaring(0x0008, 0x1032, b"SQ", u32::MAX, &[]),
        item(0xE000, u32::MAX, &inner),
        item(0xE00D, 0, &[]),
        item(0xE0DD, 0, &[]),
        explicit(0x0010, 0x0020, b"LO", b"1234"),
    ]
    .concat();
    let file = part10(EXPLICIT, &dataset);
    assert_eq!(check_declared_lengths(&file, Scope::Whole), Ok(()));
    assert!(dicom_object::from_reader(&file[128..]).is_ok());
}

#[test]
fn encapsulated_fragments_are_checked() {
    let good = [
        explicit_declaring(0x7FE0, 0x0010, b"OB", u32::MAX, &[]),
        item(0xE000, 0, &[]),
        item(0xE000, 4, &[0xFF, 0xD8, 0xFF, 0xD9]),
        item(0xE0DD, 0, &[]),
    ]
    .concat();
    let file = part10("1.2.840.10008.1.2.4.50", &good);
    assert_eq!(check_declared_lengths(&file, Scope::Whole), Ok(()));
    let bad = [
        explicit_declaring(0x7FE0, 0x0010, b"OB", u32::MAX, &[]),
        item(0xE000, 0, &[]),
        item(0xE000, 1 << 30, &[0xFF, 0xD8, 0xFF, 0xD9]),
    ]
    .concat();
    let file = part10("1.2.840.10008.1.2.4.50", &bad);
    assert!(matches!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData { group: 0xFFFE, .. })
    ));
}

#[test]
fn implicit_vr_data_sets_are_walked_with_four_byte_lengths() {
    let element = |group: u16, element: u16, length: u32, value: &[u8]| {
        let mut out = Vec::new();
        out.extend_from_slice(&group.to_le_bytes());
        out.extend_from_slice(&element.to_le_bytes());
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(value);
        out
    };
    let good = [
        element(0x0008, 0x0060, 2, b"MR"),
        element(0x7FE0, 0x0010, 4, &[0; 4]),
    ]
    .concat();
    assert_eq!(check_declared_lengths(&good, Scope::Whole), Ok(()));
    assert_eq!(
        check_declared_lengths(&part10("1.2.840.10008.1.2", &good), Scope::Whole),
        Ok(())
    );
    let bad = [
        element(0x0008, 0x0060, 2, b"MR"),
        element(0x7FE0, 0x0010, 1 << 30, &[0; 4]),
    ]
    .concat();
    assert!(check_declared_lengths(&bad, Scope::Whole).is_err());
    // A defined-length sequence (the dictionary says SQ) is walked into.
    let inner = element(0x0008, 0x0100, 9999, b"ab");
    let items = item(0xE000, inner.len() as u32, &inner);
    let nested = element(0x0008, 0x1032, items.len() as u32, &items);
    assert!(matches!(
        check_declared_lengths(&nested, Scope::Whole),
        Err(DeclaredLengthError::BeyondData {
            element: 0x0100,
            ..
        })
    ));
}

#[test]
fn big_endian_lengths_are_read_big_endian() {
    let mut dataset = Vec::new();
    dataset.extend_from_slice(&0x7FE0u16.to_be_bytes());
    dataset.extend_from_slice(&0x0010u16.to_be_bytes());
    dataset.extend_from_slice(b"OW\0\0");
    dataset.extend_from_slice(&4u32.to_be_bytes());
    dataset.extend_from_slice(&[0; 4]);
    let file = part10("1.2.840.10008.1.2.2", &dataset);
    assert_eq!(check_declared_lengths(&file, Scope::Whole), Ok(()));
    let last = dataset.len() - 5;
    dataset[last] = 0xFF; // the length's low byte, big endian
    let file = part10("1.2.840.10008.1.2.2", &dataset);
    assert!(check_declared_lengths(&file, Scope::Whole).is_err());
}

#[cfg(feature = "deflate")]
#[test]
fn deflated_data_sets_are_inflated_and_walked() {
    let adapter = match TransferSyntaxRegistry
        .get("1.2.840.10008.1.2.1.99")
        .map(|ts| ts.codec())
    {
        Some(Codec::Dataset(Some(adapter))) => adapter,
        _ => panic!("deflate is built in"),
    };
    let deflate = |plain: &[u8]| {
        let mut out = Vec::new();
        {
            let mut writer = adapter.adapt_writer(Box::new(&mut out));
            std::io::Write::write_all(&mut writer, plain).unwrap();
        }
        out
    };
    let good = deflate(&small_image());
    let file = part10("1.2.840.10008.1.2.1.99", &good);
    assert_eq!(check_declared_lengths(&file, Scope::Whole), Ok(()));
    let hostile = [
        explicit(0x0008, 0x0060, b"CS", b"CT"),
        explicit_declaring(0x7FE0, 0x0010, b"OW", 1 << 30, &[0; 16]),
    ]
    .concat();
    let file = part10("1.2.840.10008.1.2.1.99", &deflate(&hostile));
    assert!(matches!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::BeyondData { group: 0x7FE0, .. })
    ));
}

#[test]
fn nesting_without_end_is_refused() {
    let mut dataset = Vec::new();
    for _ in 0..100 {
        dataset.extend_from_slice(&explicit_declaring(0x0008, 0x1032, b"SQ", u32::MAX, &[]));
        dataset.extend_from_slice(&item(0xE000, u32::MAX, &[]));
    }
    let file = part10(EXPLICIT, &dataset);
    assert_eq!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::TooDeep)
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = check_declared_lengths(&tail, Scope::Whole);
        let _ = check_declared_lengths(&part10(EXPLICIT, &tail), Scope::Whole);
        let _ = check_declared_lengths(&part10("1.2.840.10008.1.2", &tail), Scope::BeforePixelData);
    }

    #[test]
    fn what_passes_the_check_never_declares_more_than_the_file(
        value in proptest::collection::vec(any::<u8>(), 0..64),
        declared in prop_oneof![0u32..80, any::<u32>()],
    ) {
        let dataset = explicit_declaring(0x0009, 0x1010, b"OB", declared, &value);
        let file = part10(EXPLICIT, &dataset);
        let outcome = check_declared_lengths(&file, Scope::Whole);
        if declared != u32::MAX && declared as usize > value.len() {
            prop_assert!(outcome.is_err());
        }
        if declared as usize == value.len() {
            prop_assert!(outcome.is_ok());
        }
    }
}

#[cfg(not(feature = "deflate"))]
#[test]
fn a_deflated_data_set_is_refused_by_name_when_deflate_is_left_out() {
    let file = part10("1.2.840.10008.1.2.1.99", &[0x63, 0x60, 0x00, 0x00]);
    assert_eq!(
        check_declared_lengths(&file, Scope::Whole),
        Err(DeclaredLengthError::NotInThisBuild(
            "Deflated Explicit VR Little Endian".to_owned()
        ))
    );
    assert!(matches!(
        crate::imaging::decode_image(&file, &crate::imaging::DecodeLimits::default(), None),
        Err(crate::imaging::ImagingError::NotInThisBuild { .. })
    ));
}

#[test]
fn native_pixel_data_is_found_in_place_only_where_its_bytes_are_the_stored_values() {
    let file = part10(EXPLICIT, &small_image());
    let place = check_and_find_native_pixel_data(&file)
        .unwrap()
        .expect("native Pixel Data in explicit VR little endian");
    assert_eq!(&file[place.value.clone()], &[1, 0, 2, 0, 3, 0, 4, 0]);
    assert_eq!(
        &file[place.element_start..place.element_start + 4],
        &[0xE0, 0x7F, 0x10, 0x00]
    );
    assert_eq!(place.value.start, place.element_start + 12);

    // Encapsulated Pixel Data (undefined length) is parsed, not read in place.
    let encapsulated = [
        explicit_declaring(0x7FE0, 0x0010, b"OB", u32::MAX, &[]),
        item(0xE000, 0, &[]),
        item(0xE000, 4, &[0xFF, 0xD8, 0xFF, 0xD9]),
        item(0xE0DD, 0, &[]),
    ]
    .concat();
    let file = part10("1.2.840.10008.1.2.4.50", &encapsulated);
    assert_eq!(check_and_find_native_pixel_data(&file), Ok(None));

    // Big endian words are not the stored values as they lie.
    let big_endian = [
        0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0, 0, 0, 0, 4, 0, 1, 0, 2,
    ]
    .to_vec();
    let file = part10("1.2.840.10008.1.2.2", &big_endian);
    assert_eq!(check_and_find_native_pixel_data(&file), Ok(None));

    // Pixel Data nested in an item (an icon image) is not the image's.
    let icon = explicit(0x7FE0, 0x0010, b"OB", &[9, 9]);
    let nested = [
        explicit_declaring(0x0088, 0x0200, b"SQ", u32::MAX, &[]),
        item(0xE000, icon.len() as u32, &icon),
        item(0xE0DD, 0, &[]),
    ]
    .concat();
    let file = part10(EXPLICIT, &nested);
    assert_eq!(check_and_find_native_pixel_data(&file), Ok(None));

    // A lie is refused as by the plain check.
    let lying = explicit_declaring(0x7FE0, 0x0010, b"OW", 1 << 30, &[0; 16]);
    assert!(check_and_find_native_pixel_data(&part10(EXPLICIT, &lying)).is_err());
}

#[test]
fn a_bare_implicit_data_set_gives_its_native_pixel_data_in_place() {
    let mut dataset = Vec::new();
    for (group, element, value) in [
        (0x0008u16, 0x0060u16, &b"MR"[..]),
        (0x7FE0, 0x0010, &[5, 0, 6, 0][..]),
    ] {
        dataset.extend_from_slice(&group.to_le_bytes());
        dataset.extend_from_slice(&element.to_le_bytes());
        dataset.extend_from_slice(&(value.len() as u32).to_le_bytes());
        dataset.extend_from_slice(value);
    }
    let place = check_and_find_native_pixel_data(&dataset).unwrap().unwrap();
    assert_eq!(place.element_start, 10);
    assert_eq!(&dataset[place.value], &[5, 0, 6, 0]);
}

#[test]
fn elements_out_of_order_after_pixel_data_leave_it_to_the_parser() {
    let pixel_data = explicit(0x7FE0, 0x0010, b"OW", &[1, 0, 2, 0]);
    let padding = explicit(0xFFFC, 0xFFFC, b"OB", &[0, 0]);
    let rescale = explicit(0x0028, 0x1053, b"DS", b"2 ");
    let in_order = part10(
        EXPLICIT,
        &[small_image_header(), pixel_data.clone(), padding].concat(),
    );
    assert!(check_and_find_native_pixel_data(&in_order)
        .unwrap()
        .is_some());
    let late = part10(
        EXPLICIT,
        &[small_image_header(), pixel_data.clone(), rescale].concat(),
    );
    assert_eq!(check_and_find_native_pixel_data(&late), Ok(None));
    let twice = part10(
        EXPLICIT,
        &[small_image_header(), pixel_data.clone(), pixel_data].concat(),
    );
    assert_eq!(check_and_find_native_pixel_data(&twice), Ok(None));
}

#[test]
fn a_prefix_of_a_deflated_or_big_endian_object_is_not_walked() {
    // Not deflate data at all: walking (inflating) it would be an error.
    let deflated = part10("1.2.840.10008.1.2.1.99", &[0xFF; 64]);
    assert_eq!(find_declared_native_pixel_data(&deflated), Ok(None));
    let big_endian = part10("1.2.840.10008.1.2.2", &[0xFF; 64]);
    assert_eq!(find_declared_native_pixel_data(&big_endian), Ok(None));
    let little = part10(EXPLICIT, &small_image());
    let found = find_declared_native_pixel_data(&little).unwrap().unwrap();
    assert_eq!(found.declared_length, 8);
    assert_eq!(
        &little[found.value_start..found.value_start + 8],
        &[1, 0, 2, 0, 3, 0, 4, 0]
    );
}
