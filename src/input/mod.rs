//! Raw inputs: bytes → text (the encodings Azure writes) → JSON → keys normalised → serde types.
//!
//! Normalisation is what lets the typed layer stay simple: keys are lower-cased (Azure and
//! PowerShell match them case-insensitively), a dotted `properties.x` key is folded into a nested
//! `properties` object (Azure's .NET serializer flattens `properties`), and two keys that collapse
//! into one must agree, so a hostile document cannot smuggle a second, different value past us.
//! Tag names are user data and keep their case.

pub mod config;
pub mod encinfo;
pub mod job;
pub mod read;
mod strict;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::model::Overrides;
use crate::source::Loaded;

/// One parsed input and where it came from (a path or a redacted URL), so every message about it
/// can name it.
#[derive(Debug)]
pub struct Input<T> {
    pub origin: String,
    pub raw: T,
}

/// Everything one run read, plus the command line's overrides: what the model is built from.
#[derive(Debug, Default)]
pub struct Inputs {
    pub config: Option<Input<config::RawVm>>,
    pub job: Option<Input<job::RawJob>>,
    pub encryption_info: Option<Input<encinfo::RawEncryptionInfo>>,
    pub overrides: Overrides,
}

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

/// Decode and parse one input into normalised JSON.
pub fn parse_json(loaded: &Loaded, what: &str) -> Result<Value> {
    let doing = format!("reading the {what}");
    let text = decode(&loaded.bytes).map_err(|e| e.in_source(&loaded.origin, &doing))?;
    let value: Value = strict::parse(&text).map_err(|(e, refusal)| {
        if refusal == Some(strict::Refusal::TooManyValues) {
            return Error::new(
                Code::InputTooLarge,
                format!("the {what} holds more than {} JSON values", strict::MAX_VALUES),
            )
            .source(&loaded.origin)
            .doing(&doing)
            .at(format!("line {}, column {}", e.line(), e.column()))
            .help("a config blob or job document holds a few hundred values: check that this is the right file");
        }
        let code = match e.classify() {
            serde_json::error::Category::Data => Code::DuplicateKey,
            _ => Code::InvalidJson,
        };
        Error::new(code, format!("the {what} is not valid JSON"))
            .source(&loaded.origin)
            .doing(&doing)
            .at(format!("line {}, column {}", e.line(), e.column()))
            .cause(e.to_string())
            .help(format!(
                "check that this is the {what} as Azure wrote it, not an HTML error page or a truncated download"
            ))
    })?;
    normalize(value, "$").map_err(|e| e.in_source(&loaded.origin, &doing))
}

/// Deserialize normalised JSON into a raw type, reporting the JSON path of a mismatch.
pub fn typed<T: DeserializeOwned>(value: Value, origin: &str, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        Error::new(
            Code::UnexpectedValue,
            format!("unexpected value in the {what}"),
        )
        .source(origin)
        .doing(format!("reading the {what}"))
        .at(json_path(&path))
        .cause(inner)
        .help("fix or remove this value; restore-deploy reads the fields listed in README")
    })
}

/// serde_path_to_error prints the normalised (lower-case) path `a.b[0].c`; we show it as
/// `$.a.b[0].c` in Azure's own spelling, so it can be found in the file.
pub fn json_path(p: &str) -> String {
    if p == "." || p.is_empty() {
        return "$".to_owned();
    }
    let spelled: Vec<String> = p
        .split('.')
        .map(|seg| {
            let (name, index) = seg.split_at(seg.find('[').unwrap_or(seg.len()));
            let known = AZURE_SPELLING.iter().find(|k| k.eq_ignore_ascii_case(name));
            format!("{}{index}", known.copied().unwrap_or(name))
        })
        .collect();
    format!("$.{}", spelled.join("."))
}

/// The keys restore-deploy reads, as Azure spells them.
const AZURE_SPELLING: &[&str] = &[
    "hardwareProfile",
    "vmSize",
    "storageProfile",
    "osDisk",
    "dataDisks",
    "osType",
    "managedDisk",
    "storageAccountType",
    "diskEncryptionSet",
    "securityProfile",
    "securityType",
    "diskSizeGB",
    "encryptionSettings",
    "diskEncryptionKey",
    "keyEncryptionKey",
    "secretUrl",
    "keyUrl",
    "sourceVault",
    "networkProfile",
    "networkInterfaces",
    "availabilitySet",
    "licenseType",
    "typeHandlerVersion",
    "KeyVaultURL",
    "KeyVaultResourceId",
    "KeyEncryptionKeyURL",
    "KekVaultResourceId",
    "AADClientID",
    "VolumeType",
    "OsDiskKeyAndSecretDetails",
    "SecretUrl",
    "KeyUrl",
    "SecretData",
    "KeyBackupData",
    "KeyVaultSecretBackupData",
];

/// Lower-case keys, fold `properties.x` into `properties: {x}`, and reject keys that collapse
/// together with different values.
pub fn normalize(value: Value, path: &str) -> Result<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, v) in map {
                // Azure compares keys ordinally, ignoring ASCII case only: Unicode folding would
                // let `\u{212A}ind` (Kelvin sign) stand in for `kind`.
                let lower = key.to_ascii_lowercase();
                let child_path = format!("{path}.{key}");
                // Tag names are data: keep them verbatim.
                let v = if lower == "tags" {
                    distinct_tag_names(&v, &child_path)?;
                    v
                } else {
                    normalize(v, &child_path)?
                };
                match lower.strip_prefix("properties.") {
                    Some(rest) if !rest.is_empty() => {
                        let props = out
                            .entry("properties")
                            .or_insert_with(|| Value::Object(Map::new()));
                        let Value::Object(props) = props else {
                            return Err(conflict(&child_path, "properties"));
                        };
                        insert_merged(props, rest.to_owned(), v, &child_path)?;
                    }
                    _ => insert_merged(&mut out, lower, v, &child_path)?,
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| normalize(v, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

/// Azure treats tag names case-insensitively and a PowerShell hash literal cannot hold two names
/// that differ only in case, so such a pair is refused rather than one silently dropped.
fn distinct_tag_names(tags: &Value, path: &str) -> Result<()> {
    let Value::Object(map) = tags else {
        return Ok(());
    };
    let mut seen: Vec<&str> = Vec::with_capacity(map.len());
    for name in map.keys() {
        if let Some(first) = seen.iter().find(|s| s.eq_ignore_ascii_case(name)) {
            return Err(Error::new(
                Code::DuplicateKey,
                format!("the tag names `{first}` and `{name}` differ only in case"),
            )
            .at(path.to_owned())
            .help("Azure treats tag names case-insensitively: keep one of the two tags"));
        }
        seen.push(name);
    }
    Ok(())
}

fn insert_merged(map: &mut Map<String, Value>, key: String, v: Value, path: &str) -> Result<()> {
    match map.get_mut(&key) {
        None => {
            map.insert(key, v);
            Ok(())
        }
        Some(existing) if *existing == v => Ok(()),
        // `properties: {a}` beside `properties.b`: both are parts of one object.
        Some(Value::Object(existing)) => match v {
            Value::Object(incoming) => {
                for (k, iv) in incoming {
                    insert_merged(existing, k, iv, path)?;
                }
                Ok(())
            }
            _ => Err(conflict(path, &key)),
        },
        Some(_) => Err(conflict(path, &key)),
    }
}

fn conflict(path: &str, key: &str) -> Error {
    Error::new(
        Code::DuplicateKey,
        format!("`{key}` is given twice with different values (keys are matched case-insensitively, and `properties.{key}` is the same as `properties: {{ {key} }}`)"),
    )
    .at(path.to_owned())
    .help("keep one of the two values")
}

/// Look up a key case-insensitively in a raw (not normalised) JSON object.
pub fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn dotted_and_nested_properties_are_the_same() {
        let a = normalize(json!({"Properties.StorageProfile": {"OsDisk": 1}}), "$").expect("ok");
        let b = normalize(
            json!({"properties": {"storageProfile": {"osdisk": 1}}}),
            "$",
        )
        .expect("ok");
        assert_eq!(a, b);
        let merged =
            normalize(json!({"properties.a": 1, "properties": {"b": 2}}), "$").expect("ok");
        assert_eq!(merged, json!({"properties": {"a": 1, "b": 2}}));
    }

    #[test]
    fn colliding_keys_must_agree() {
        let e = normalize(json!({"name": "a", "NAME": "b"}), "$").expect_err("conflict");
        assert_eq!(e.code, Code::DuplicateKey);
        assert!(normalize(json!({"name": "a", "NAME": "a"}), "$").is_ok());
        let e = normalize(json!({"properties.x": 1, "properties": {"X": 2}}), "$").expect_err("c");
        assert_eq!(e.code, Code::DuplicateKey);
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

    #[test]
    fn keys_fold_ascii_case_only() {
        // The Kelvin sign folds to `k` under Unicode rules, but Azure compares ordinally.
        let v = normalize(json!({"\u{212A}ind": 1, "kind": 2}), "$").expect("distinct keys");
        assert_eq!(v.as_object().map(|m| m.len()), Some(2));
    }

    #[test]
    fn tag_names_differing_only_in_case_are_refused() {
        let e = normalize(json!({"tags": {"Env": "a", "ENV": "b"}}), "$").expect_err("case");
        assert_eq!(e.code, Code::DuplicateKey);
        assert!(e.message.contains("`Env` and `ENV`"), "{}", e.message);
        assert!(normalize(
            json!({"tags": {"Env": "a", "\u{212A}": "b", "k": "c"}}),
            "$"
        )
        .is_ok());
    }

    #[test]
    fn tag_names_keep_their_case() {
        let v = normalize(json!({"Tags": {"CostCenter": "A"}}), "$").expect("ok");
        assert_eq!(v, json!({"tags": {"CostCenter": "A"}}));
    }
}
