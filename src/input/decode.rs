//! Bytes to text: the encodings Azure Backup writes (UTF-16LE with or without a BOM, NUL padded;
//! UTF-8 with or without a BOM), and the ones it never writes named as such.

use crate::error::{Code, Error, Result};

/// Decode a blob's bytes: UTF-16LE (BOM or not, NUL padded) or UTF-8 (BOM or not). Trailing NULs
/// and whitespace are dropped. UTF-16BE, UTF-32 and a second BOM are refused by name: Azure never
/// writes them, and decoding them as something else would only fail later with a confusing
/// JSON error.
pub fn decode(bytes: &[u8]) -> Result<String> {
    let refuse = |what: &str| {
        Err(Error::new(
            Code::InvalidEncoding,
            format!("the input is {what}, which Azure Backup never writes"),
        )
        .help("save the input as UTF-8 or UTF-16LE (e.g. `iconv -t UTF-8`)"))
    };
    // `FF FE 00 00` is also a UTF-16LE BOM before NUL padding: UTF-32 only when text follows.
    let utf32le_bom = bytes.starts_with(&[0xFF, 0xFE, 0, 0]) && looks_utf32(&bytes[4..]);
    if utf32le_bom || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return refuse("UTF-32 (it starts with a UTF-32 byte order mark)");
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return refuse("UTF-16BE (it starts with a big-endian byte order mark)");
    }
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16le(rest, 2)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        utf8(rest, 3)?
    } else if looks_utf32(bytes) {
        return refuse("UTF-32 (every character takes four bytes)");
    } else if looks_utf16(bytes, 0) {
        return refuse("UTF-16BE (NUL bytes before each character)");
    } else if looks_utf16(bytes, 1) {
        utf16le(bytes, 0)?
    } else {
        utf8(bytes, 0)?
    };
    if text.starts_with('\u{FEFF}') {
        return refuse("encoded twice (a second byte order mark follows the first)");
    }
    let trimmed = text.trim_end_matches(|c: char| c == '\0' || c.is_whitespace());
    if trimmed.trim_start().is_empty() {
        return Err(Error::new(Code::EmptyInput, "the input is empty").help(
            "the blob or file holds no JSON; download it again or check that the right file was given",
        ));
    }
    Ok(trimmed.to_owned())
}

/// JSON text starts with ASCII (`{`, whitespace), so UTF-16 without a BOM shows NUL in the high
/// byte of the first code units: at odd offsets for little-endian (`nul_at` 1), even for
/// big-endian (0). UTF-8 JSON never has NUL there.
fn looks_utf16(bytes: &[u8], nul_at: usize) -> bool {
    let probe = &bytes[..bytes.len().min(64) & !1];
    if probe.len() < 2 {
        return false;
    }
    let nuls = |from: usize| {
        probe
            .iter()
            .skip(from)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (high, low) = (nuls(nul_at), nuls(1 - nul_at));
    high * 2 >= probe.len() / 2 && low < high
}

/// UTF-32 JSON without a BOM: ASCII characters as one byte and three NULs.
fn looks_utf32(bytes: &[u8]) -> bool {
    let probe = &bytes[..bytes.len().min(64) & !3];
    if probe.len() < 8 {
        return false;
    }
    let units = probe.chunks_exact(4);
    let n = units.len();
    let ascii = units
        .filter(|u| {
            let zeros = u.iter().filter(|b| **b == 0).count();
            zeros == 3 && (u[0] != 0 || u[3] != 0)
        })
        .count();
    ascii * 4 >= n * 3
}

/// `offset` is where these bytes start in the input (after a BOM), so errors give the byte
/// offset in the file as a hex editor shows it.
fn utf16le(bytes: &[u8], offset: usize) -> Result<String> {
    // A single trailing NUL byte is padding, not half a code unit.
    let bytes = match bytes.len() % 2 {
        1 if bytes.last() == Some(&0) => &bytes[..bytes.len() - 1],
        1 => {
            return Err(Error::new(
                Code::InvalidEncoding,
                "the input looks like UTF-16 but has an odd number of bytes",
            )
            .help("the blob may be truncated; download it again"))
        }
        _ => bytes,
    };
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut out = String::with_capacity(units.len());
    let mut at = 0;
    for r in char::decode_utf16(units.iter().copied()) {
        match r {
            Ok(c) => {
                out.push(c);
                at += c.len_utf16();
            }
            Err(_) => {
                return Err(Error::new(
                    Code::InvalidEncoding,
                    format!("invalid UTF-16 at byte offset {}", offset + at * 2),
                )
                .help("the blob is damaged or is not text; download it again"))
            }
        }
    }
    Ok(out)
}

fn utf8(bytes: &[u8], offset: usize) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        Error::new(
            Code::InvalidEncoding,
            format!(
                "invalid UTF-8 at byte offset {}",
                offset + e.utf8_error().valid_up_to()
            ),
        )
        .help("the input must be JSON in UTF-8 or UTF-16LE, as Azure Backup writes it")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool, nuls: usize) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        for u in s.encode_utf16() {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out.extend(std::iter::repeat_n(0, nuls));
        out
    }

    #[test]
    fn decodes_every_encoding_azure_writes() {
        let doc = "{\"name\":\"vé\"}";
        for bytes in [
            utf16le(doc, true, 6),
            utf16le(doc, false, 6),
            utf16le(doc, false, 1),
            utf16le(doc, true, 0),
            doc.as_bytes().to_vec(),
            [&[0xEF, 0xBB, 0xBF][..], doc.as_bytes()].concat(),
            format!("{doc}\0\0\n ").into_bytes(),
        ] {
            assert_eq!(decode(&bytes).expect("decodes"), doc);
        }
    }

    #[test]
    fn empty_and_nul_only_inputs_are_empty() {
        for bytes in [
            vec![],
            vec![0, 0, 0, 0],
            vec![0xFF, 0xFE, 0, 0],
            b"  \n".to_vec(),
        ] {
            assert_eq!(decode(&bytes).map_err(|e| e.code), Err(Code::EmptyInput));
        }
    }

    #[test]
    fn encodings_azure_never_writes_are_named() {
        let doc = "{\"name\":\"v\"}";
        let be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le32: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let be32: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        for (what, bytes, says) in [
            (
                "UTF-16BE with BOM",
                [&[0xFE, 0xFF][..], &be].concat(),
                "UTF-16BE",
            ),
            ("UTF-16BE", be.clone(), "UTF-16BE"),
            (
                "UTF-32LE with BOM",
                [&[0xFF, 0xFE, 0, 0][..], &le32].concat(),
                "UTF-32",
            ),
            ("UTF-32LE", le32.clone(), "UTF-32"),
            (
                "UTF-32BE with BOM",
                [&[0, 0, 0xFE, 0xFF][..], &be32].concat(),
                "UTF-32",
            ),
            ("UTF-32BE", be32.clone(), "UTF-32"),
            (
                "double UTF-16 BOM",
                [&[0xFF, 0xFE][..], &utf16le(doc, true, 0)].concat(),
                "twice",
            ),
            (
                "double UTF-8 BOM",
                [&[0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF][..], doc.as_bytes()].concat(),
                "twice",
            ),
        ] {
            let e = decode(&bytes).expect_err(what);
            assert_eq!(e.code, Code::InvalidEncoding, "{what}");
            assert!(e.message.contains(says), "{what}: {}", e.message);
        }
    }

    #[test]
    fn invalid_utf16_is_located_in_bytes_counting_the_bom_and_surrogate_pairs() {
        // BOM (2 bytes), `{` (2), an emoji as a surrogate pair (4), then a lone high surrogate.
        let mut bytes = vec![0xFF, 0xFE, b'{', 0];
        bytes.extend("\u{1F600}".encode_utf16().flat_map(u16::to_le_bytes));
        bytes.extend(0xD800u16.to_le_bytes());
        bytes.extend(b"}\0");
        let e = decode(&bytes).expect_err("lone surrogate");
        assert_eq!(e.message, "invalid UTF-16 at byte offset 8");
        let e = decode(&[0xEF, 0xBB, 0xBF, b'{', 0xFF]).expect_err("bad utf-8");
        assert_eq!(e.message, "invalid UTF-8 at byte offset 4");
    }

    /// The real managed-restore config blob (aollivierre/Azure @8633274c, `config-outlook1-….json`):
    /// UTF-16LE without a BOM, CRLF line ends, NUL-padded to 5,120 bytes (a page blob's 512-byte
    /// multiple). Decoded to the same JSON text; CRLF is whitespace to the parser.
    #[test]
    fn decodes_the_real_blobs_shape_without_bom_with_crlf_and_page_padding() {
        let doc = "{\r\n  \"name\": null,\r\n  \"location\": \"westeurope\"\r\n}";
        let mut bytes = utf16le(doc, false, 0);
        let text_len = bytes.len();
        bytes.resize(text_len.div_ceil(512) * 512, 0);
        assert_eq!(bytes.len() % 512, 0);
        assert!(bytes.len() > text_len, "padded");
        let text = decode(&bytes).expect("decodes");
        assert_eq!(text, doc);
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["location"], "westeurope");
        // A whole 5,120-byte page run of padding after one line, as the real blob has.
        let mut bytes = utf16le("{\"a\": 1}\r\n", false, 0);
        bytes.resize(5120, 0);
        assert_eq!(decode(&bytes).expect("decodes").trim_end(), "{\"a\": 1}");
    }
}
