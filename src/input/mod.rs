//! Raw inputs: bytes → text (the encodings Azure writes) → JSON → keys normalised → serde types.
//!
//! Normalisation is what lets the typed layer stay simple: keys are lower-cased (Azure and
//! PowerShell match them case-insensitively), a dotted `properties.x` key is folded into a nested
//! `properties` object (Azure's .NET serializer flattens `properties`), and two keys that collapse
//! into one must agree, so a hostile document cannot smuggle a second, different value past us.
//! Tag names are user data and keep their case.

pub(crate) mod config;
mod decode;
pub(crate) mod encinfo;
pub mod job;
pub(crate) mod read;
pub mod sniff;
mod strict;
pub(crate) mod template;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::overrides::Overrides;
use crate::source::Loaded;
pub(crate) use decode::decode;

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
    pub(crate) config: Option<Input<config::RawVm>>,
    pub(crate) job: Option<Input<job::RawJob>>,
    pub(crate) encryption_info: Option<Input<encinfo::RawEncryptionInfo>>,
    /// Azure Backup's own template of the restore (`--template`, or the job's `Template Blob Uri`).
    pub(crate) template: Option<Input<template::RawTemplate>>,
    /// The job names a template that was not read: what was looked for and why ("`<path or
    /// URL>` was not found", "was not read: <refusal>"); said as a warning, and the run goes on.
    pub(crate) template_missing: Option<String>,
    pub(crate) overrides: Overrides,
}

/// The recovery point time that counts, and where it was read.
#[derive(Debug, Clone, Copy)]
pub enum RecoveryPointTime<'a> {
    /// `--recovery-point-time`.
    Flag(&'a str),
    /// The job's `Recovery point time `.
    Job {
        raw: &'a str,
        job: &'a Input<job::RawJob>,
    },
}

impl RecoveryPointTime<'_> {
    pub fn raw(&self) -> &str {
        match self {
            RecoveryPointTime::Flag(raw) | RecoveryPointTime::Job { raw, .. } => raw,
        }
    }
}

impl Inputs {
    /// Which recovery point time counts: `--recovery-point-time`, else the job's. The one home of
    /// this rule: the model's recovery point, the single-pass date check and `check`'s date
    /// verdict all ask here.
    pub fn recovery_point_time(&self) -> Option<RecoveryPointTime<'_>> {
        match (&self.overrides.recovery_point_time, &self.job) {
            (Some(t), _) => Some(RecoveryPointTime::Flag(t)),
            (None, Some(j)) => j
                .raw
                .recovery_point_time
                .as_deref()
                .map(|raw| RecoveryPointTime::Job { raw, job: j }),
            (None, None) => None,
        }
    }
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
        if let Some(format) = sniff::other_az_output(&text).filter(|_| code == Code::InvalidJson) {
            return Error::new(
                Code::WrongInputKind,
                format!("the {what} {} `az` output in {format}, not JSON", verb(what)),
            )
            .source(&loaded.origin)
            .doing(&doing)
            .help("run the `az` command again with `-o json` (your default output format is not JSON: `az config get core.output`)");
        }
        Error::new(code, format!("the {what} {} not valid JSON", verb(what)))
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

/// Every field a config blob holds, as the not-carried table is compared with (lower-case,
/// `properties` nested, `[]` for array elements): `value` as parsed JSON, normalised here.
pub fn config_fields(value: Value) -> Result<Vec<String>> {
    Ok(config::fields_of(&normalize(value, "$")?))
}

/// The config blob, typed, with the list of fields it holds (see [`config::RawVm::fields`]).
pub(crate) fn config_blob(value: Value, origin: &str, what: &str) -> Result<config::RawVm> {
    let fields = config::fields_of(&value);
    let mut vm: config::RawVm = typed(value, origin, what)?;
    vm.fields = fields;
    Ok(vm)
}

/// "the restore job's details are", "the config blob is".
fn verb(what: &str) -> &'static str {
    if what.ends_with("details") {
        "are"
    } else {
        "is"
    }
}

/// Deserialize normalised JSON into a raw type, reporting the JSON path of a mismatch.
pub(crate) fn typed<T: DeserializeOwned>(value: Value, origin: &str, what: &str) -> Result<T> {
    // A value of the right shape (nearly always) is read without tracking its path, which copies
    // every key it passes; only a value that does not fit is read again, tracked, for the path
    // its error names.
    if let Ok(t) = <T as serde::Deserialize>::deserialize(&value) {
        return Ok(t);
    }
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
pub(crate) fn json_path(p: &str) -> String {
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
pub(crate) fn normalize(value: Value, path: &str) -> Result<Value> {
    normalize_at(value, &mut path.to_owned())
}

/// [`normalize`] with the JSON path of `value` in one buffer that each level extends and then
/// truncates back: no path and no key is allocated per value (this ran for every key of every
/// input, a tenth of a one-job run's instructions with the allocations; issue 21).
fn normalize_at(value: Value, path: &mut String) -> Result<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            let at = path.len();
            for (key, v) in map {
                path.push('.');
                path.push_str(&key);
                // Azure compares keys ordinally, ignoring ASCII case only: Unicode folding would
                // let `\u{212A}ind` (Kelvin sign) stand in for `kind`.
                let mut lower = key;
                lower.make_ascii_lowercase();
                // Tag names are data: keep them verbatim.
                let v = if lower == "tags" {
                    distinct_tag_names(&v, path, "tag names")?;
                    v
                } else if lower == "userassignedidentities" {
                    // Keyed by resource id: the ids keep their spelling, their values do not.
                    distinct_tag_names(&v, path, "identity ids")?;
                    match v {
                        Value::Object(m) => {
                            let mut ids = Map::new();
                            let here = path.len();
                            for (k, v) in m {
                                path.push('.');
                                path.push_str(&k);
                                let v = normalize_at(v, path)?;
                                path.truncate(here);
                                ids.insert(k, v);
                            }
                            Value::Object(ids)
                        }
                        other => other,
                    }
                } else {
                    normalize_at(v, path)?
                };
                match lower.strip_prefix("properties.") {
                    Some(rest) if !rest.is_empty() => {
                        let props = out
                            .entry("properties")
                            .or_insert_with(|| Value::Object(Map::new()));
                        let Value::Object(props) = props else {
                            return Err(conflict(path, "properties"));
                        };
                        insert_merged(props, rest.to_owned(), v, path)?;
                    }
                    _ => insert_merged(&mut out, lower, v, path)?,
                }
                path.truncate(at);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            let at = path.len();
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                use std::fmt::Write as _;
                let _ = write!(path, "[{i}]");
                out.push(normalize_at(v, path)?);
                path.truncate(at);
            }
            Ok(Value::Array(out))
        }
        other => Ok(other),
    }
}

/// Azure treats tag names (and identity ids) case-insensitively and a PowerShell hash literal
/// cannot hold two names that differ only in case, so such a pair is refused rather than one
/// silently dropped.
fn distinct_tag_names(tags: &Value, path: &str, what: &str) -> Result<()> {
    let Value::Object(map) = tags else {
        return Ok(());
    };
    let mut seen: Vec<&str> = Vec::with_capacity(map.len());
    for name in map.keys() {
        if let Some(first) = seen.iter().find(|s| s.eq_ignore_ascii_case(name)) {
            return Err(Error::new(
                Code::DuplicateKey,
                format!("the {what} `{first}` and `{name}` differ only in case"),
            )
            .at(path.to_owned())
            .help(format!(
                "Azure treats {what} case-insensitively: keep one of the two {}",
                if what == "tag names" {
                    "tags"
                } else {
                    "identities"
                }
            )));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
