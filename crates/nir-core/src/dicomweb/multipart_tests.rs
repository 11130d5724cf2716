use proptest::prelude::*;

use super::*;

/// A received part as (headers, body).
type Received = (Vec<(String, String)>, Vec<u8>);

/// Feeds `body` in chunks of `chunk` bytes and returns the parts and the end result.
fn parse_in_chunks(
    content_type: &str,
    body: &[u8],
    chunk: usize,
) -> (Vec<Received>, Result<(), MultipartError>) {
    let mut parser = MultipartParser::for_content_type(content_type).unwrap();
    let mut parts = Vec::new();
    for piece in body.chunks(chunk.max(1)) {
        match parser.push(piece) {
            Ok(done) => parts.extend(done.into_iter().map(|p| (p.headers, p.body.to_vec()))),
            Err(error) => return (parts, Err(error)),
        }
    }
    (parts, parser.finish())
}

fn bodies(parts: &[Received]) -> Vec<Vec<u8>> {
    parts.iter().map(|(_, body)| body.clone()).collect()
}

const CT: &str = "multipart/related; type=\"application/dicom\"; boundary=\"xyz\"";

#[test]
fn parses_parts_with_preamble_and_epilogue_in_any_chunking() {
    let body = b"this is a preamble\r\n--xyz\r\nContent-Type: application/dicom\r\n\r\nfirst\r\n\
--xyz\r\nContent-Type: application/dicom; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\nsecond part\r\n\
--xyz--\r\nan epilogue that is ignored\r\n--xyz\r\n";
    for chunk in [1, 2, 3, 7, 1000] {
        let (parts, end) = parse_in_chunks(CT, body, chunk);
        end.unwrap();
        assert_eq!(
            bodies(&parts),
            vec![b"first".to_vec(), b"second part".to_vec()]
        );
        assert_eq!(parts[1].0[0].0, "content-type");
    }
}

#[test]
fn accepts_lf_only_line_ends_and_an_unquoted_boundary() {
    let body = b"--b1\nContent-Type: application/dicom\n\nabc\n--b1\n\ndef\n--b1--";
    let (parts, end) = parse_in_chunks(
        "multipart/related; type=application/dicom; boundary=b1",
        body,
        5,
    );
    end.unwrap();
    assert_eq!(bodies(&parts), vec![b"abc".to_vec(), b"def".to_vec()]);
    assert!(parts[1].0.is_empty(), "a part may have no headers at all");
}

#[test]
fn boundary_like_bytes_inside_binary_data_are_content() {
    let payload: &[u8] = b"\x00\r\n--xyzz\r\n--xyz-\r\n--xyz\tX--xyz\r\n\xff";
    let mut body = b"--xyz\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    body.extend_from_slice(payload);
    body.extend_from_slice(b"\r\n--xyz--\r\n");
    for chunk in [1, 4, 64] {
        let (parts, end) = parse_in_chunks(CT, &body, chunk);
        end.unwrap();
        assert_eq!(bodies(&parts), vec![payload.to_vec()]);
    }
}

#[test]
fn transport_padding_after_the_boundary_is_allowed() {
    let body = b"--xyz  \t\r\n\r\npadded\r\n--xyz--";
    let (parts, end) = parse_in_chunks(CT, body, 3);
    end.unwrap();
    assert_eq!(bodies(&parts), vec![b"padded".to_vec()]);
}

#[test]
fn a_body_cut_inside_a_part_is_reported_as_truncated() {
    let body =
        b"--xyz\r\nContent-Type: application/dicom\r\n\r\ncomplete\r\n--xyz\r\n\r\nhalf of it";
    let (parts, end) = parse_in_chunks(CT, body, 8);
    assert_eq!(bodies(&parts), vec![b"complete".to_vec()]);
    assert_eq!(
        end,
        Err(MultipartError::Truncated {
            complete_parts: 1,
            inside_part: true
        })
    );
}

#[test]
fn a_body_without_the_closing_delimiter_is_truncated_even_between_parts() {
    let (parts, end) = parse_in_chunks(CT, b"--xyz\r\n\r\nonly\r\n--xyz\r\n", 100);
    assert_eq!(bodies(&parts), vec![b"only".to_vec()]);
    assert!(matches!(
        end,
        Err(MultipartError::Truncated {
            complete_parts: 1,
            ..
        })
    ));
    let (parts, end) = parse_in_chunks(CT, b"", 1);
    assert!(parts.is_empty());
    assert!(matches!(
        end,
        Err(MultipartError::Truncated {
            complete_parts: 0,
            inside_part: false
        })
    ));
}

#[test]
fn folded_headers_are_joined_and_names_lower_cased() {
    let body = b"--xyz\r\nContent-Type: application/dicom;\r\n transfer-syntax=1.2.3\r\n\
Content-Location: /x\r\n\r\nz\r\n--xyz--";
    let mut parser = MultipartParser::for_content_type(CT).unwrap();
    let parts = parser.push(body).unwrap();
    assert_eq!(parts.len(), 1);
    let media = parts[0].content_type().unwrap();
    assert_eq!(media.parameter("transfer-syntax"), Some("1.2.3"));
    assert_eq!(parts[0].header("CONTENT-LOCATION"), Some("/x"));
    parser.finish().unwrap();
}

#[test]
fn malformed_or_oversized_headers_are_errors() {
    let mut parser = MultipartParser::for_content_type(CT).unwrap();
    assert_eq!(
        parser.push(b"--xyz\r\nno colon here\r\n\r\n").unwrap_err(),
        MultipartError::MalformedHeader { part: 0 }
    );
    let mut parser = MultipartParser::for_content_type(CT).unwrap();
    let long = vec![b'a'; MAX_HEADER_BYTES + 10];
    let mut body = b"--xyz\r\n".to_vec();
    body.extend_from_slice(&long);
    assert_eq!(
        parser.push(&body).unwrap_err(),
        MultipartError::HeadersTooLong { part: 0 }
    );
}

#[test]
fn non_multipart_content_types_are_refused() {
    for value in [
        "application/dicom",
        "multipart/related; type=application/dicom",
        "",
        "x",
    ] {
        assert!(matches!(
            MultipartParser::for_content_type(value),
            Err(MultipartError::NotMultipart(_))
        ));
    }
}

/// Encodes parts the way a server would, with CRLF or LF line ends.
#[test]
fn a_part_declaring_a_huge_length_reserves_only_what_arrived_and_a_little_more() {
    let mut parser = MultipartParser::new("b1").unwrap();
    let head = b"--b1\r\nContent-Type: application/dicom\r\nContent-Length: 268435456\r\n\r\n";
    assert!(parser.push(head).unwrap().is_empty());
    assert!(parser.push(&[7u8; 4096]).unwrap().is_empty());
    assert!(
        parser.body.capacity() <= parser.body.len() + zeroizing_vec::MAX_AHEAD,
        "{} bytes reserved for {} received",
        parser.body.capacity(),
        parser.body.len()
    );
    // The part still completes with what was sent.
    let parts = parser.push(b"\r\n--b1--\r\n").unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].body.len(), 4096);
    assert!(parser.finish().is_ok());
}

fn encode(boundary: &str, parts: &[Vec<u8>], crlf: bool, preamble: &[u8]) -> Vec<u8> {
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut out = preamble.to_vec();
    if !preamble.is_empty() {
        out.extend_from_slice(eol);
    }
    for part in parts {
        out.extend_from_slice(format!("--{boundary}").as_bytes());
        out.extend_from_slice(eol);
        out.extend_from_slice(b"Content-Type: application/dicom");
        out.extend_from_slice(eol);
        out.extend_from_slice(eol);
        out.extend_from_slice(part);
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(format!("--{boundary}--").as_bytes());
    out.extend_from_slice(eol);
    out
}

fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(b"\r\n-bq\x00\xff".to_vec()), 0..120)
}

proptest! {
    #[test]
    fn round_trips_any_parts_in_any_chunking(
        parts in prop::collection::vec(tricky_bytes(), 0..5),
        chunk in 1usize..40,
        crlf in any::<bool>(),
        preamble in prop::collection::vec(prop::sample::select(b"ab -".to_vec()), 0..20),
    ) {
        let boundary = "bq-b";
        let needle = format!("\n--{boundary}");
        for part in &parts {
            prop_assume!(!part.windows(needle.len()).any(|w| w == needle.as_bytes()));
            prop_assume!(crlf || !part.ends_with(b"\r"));
        }
        let body = encode(boundary, &parts, crlf, &preamble);
        let content_type = format!("multipart/related; boundary={boundary}");
        let (got, end) = parse_in_chunks(&content_type, &body, chunk);
        prop_assert!(end.is_ok(), "{:?}", end);
        prop_assert_eq!(bodies(&got), parts);
    }

    #[test]
    fn round_trips_large_parts_in_uneven_chunks(
        parts in prop::collection::vec(prop::collection::vec(prop::sample::select(b"\r\n-bq\x00\xff".to_vec()), 0..2000), 1..4),
        sizes in prop::collection::vec(1usize..700, 1..8),
        crlf in any::<bool>(),
    ) {
        // Chunks of changing sizes, most far longer than a delimiter, so body bytes go
        // straight from the chunk into the part and delimiters land anywhere in a chunk,
        // across two, or just after what was kept of the one before.
        let boundary = "bq-b";
        let needle = format!("\n--{boundary}");
        for part in &parts {
            prop_assume!(!part.windows(needle.len()).any(|w| w == needle.as_bytes()));
            prop_assume!(crlf || !part.ends_with(b"\r"));
        }
        let body = encode(boundary, &parts, crlf, b"");
        let mut parser = MultipartParser::for_content_type(&format!("multipart/related; boundary={boundary}")).unwrap();
        let mut got = Vec::new();
        let mut at = 0;
        for size in sizes.iter().cycle() {
            if at >= body.len() {
                break;
            }
            let end = (at + size).min(body.len());
            got.extend(parser.push(&body[at..end]).unwrap().into_iter().map(|p| p.body.to_vec()));
            at = end;
        }
        prop_assert!(parser.finish().is_ok());
        prop_assert_eq!(got, parts);
    }

    #[test]
    fn arbitrary_input_never_panics(input in prop::collection::vec(any::<u8>(), 0..600), chunk in 1usize..50) {
        let mut parser = MultipartParser::new("ab").unwrap();
        for piece in input.chunks(chunk) {
            if parser.push(piece).is_err() {
                return Ok(());
            }
        }
        let _ = parser.finish();
    }

    #[test]
    fn any_cut_of_a_valid_body_is_reported_as_truncated(
        parts in prop::collection::vec(prop::collection::vec(b'a'..=b'z', 1..50), 1..4),
        cut_fraction in 0.0f64..1.0,
    ) {
        let body = encode("zz9", &parts, true, b"");
        // Cutting anywhere before the closing `--` of the final delimiter must be noticed.
        let last_delimiter = body.len() - b"--zz9--\r\n".len();
        let cut = ((last_delimiter + 6) as f64 * cut_fraction) as usize;
        let (_, end) = parse_in_chunks("multipart/related; boundary=zz9", &body[..cut], 7);
        let is_truncated = matches!(end, Err(MultipartError::Truncated { .. }));
        prop_assert!(is_truncated);
    }
}
