//! Provenance: every decided fact carries a [`By`] naming the input that decided it. `inspect`
//! shows it to the user and error messages quote it, so its `Display` is the one spelling of
//! "where this came from"; `--json` prints the same text.

use std::fmt;

use serde::{Serialize, Serializer};

/// A value and the input that decided it (shown by `inspect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub by: By,
}

impl<T> Fact<T> {
    pub fn new(value: T, by: By) -> Self {
        Fact { value, by }
    }
}

/// Where a fact came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum By {
    /// A command-line option, spelled as the user typed it (`--ade aad` includes its value,
    /// because the value is the decision).
    Flag(&'static str),
    /// A field of the config blob, at a JSON path in Azure's spelling.
    Config { origin: String, path: String },
    /// The ADE extension in the config's `resources[]`, by its `typeHandlerVersion`.
    AdeExtension { origin: String, index: usize },
    /// A field of the restore job's property bag.
    Job { origin: String, path: String },
    /// The job names an encryption-info blob that was not read: its existence is the evidence.
    JobNamesEncryptionInfo { origin: String },
    /// The encryption-info blob, or one field of it.
    EncryptionInfo {
        origin: String,
        path: Option<&'static str>,
    },
    /// Azure Backup's own template of the restore (`azuredeploy<job id>.json`), at a JSON path.
    Template { origin: String, path: String },
    /// A rule applied because no input decided (the sentence says which rule and why).
    Default(&'static str),
    /// The KEK's vault taken from the BEK's vault, because both URLs name the same vault host.
    SameVaultAsSecret(Box<By>),
}

impl By {
    /// The input a problem with this fact is reported against, when it came from one.
    pub fn origin(&self) -> Option<&str> {
        match self {
            By::Config { origin, .. }
            | By::AdeExtension { origin, .. }
            | By::Job { origin, .. }
            | By::JobNamesEncryptionInfo { origin }
            | By::Template { origin, .. }
            | By::EncryptionInfo { origin, .. } => Some(origin),
            By::SameVaultAsSecret(inner) => inner.origin(),
            By::Flag(_) | By::Default(_) => None,
        }
    }

    /// The JSON path inside [`By::origin`] a problem is reported at.
    pub fn path(&self) -> Option<String> {
        match self {
            By::Config { path, .. } | By::Job { path, .. } | By::Template { path, .. } => {
                Some(path.clone())
            }
            By::AdeExtension { index, .. } => Some(extension_version_path(*index)),
            By::EncryptionInfo { path, .. } => path.map(str::to_owned),
            By::SameVaultAsSecret(inner) => inner.path(),
            By::Flag(_) | By::JobNamesEncryptionInfo { .. } | By::Default(_) => None,
        }
    }

    pub fn is_flag(&self) -> bool {
        matches!(self, By::Flag(_))
    }
}

fn extension_version_path(index: usize) -> String {
    format!("$.resources[{index}].properties.typeHandlerVersion")
}

impl fmt::Display for By {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            By::Flag(flag) => f.write_str(flag),
            By::Config { origin, path } => write!(f, "config {origin} at {path}"),
            By::AdeExtension { origin, index } => write!(
                f,
                "ADE extension in config {origin} at {}",
                extension_version_path(*index)
            ),
            By::Job { origin, path } => write!(f, "job {origin} at {path}"),
            By::Template { origin, path } => {
                write!(f, "Azure Backup's template {origin} at {path}")
            }
            // Only the flavour is decided by a blob's mere presence; the blob names no flavour.
            By::JobNamesEncryptionInfo { origin } => write!(
                f,
                "job {origin} names an encryption-info blob, which alone names no flavour: single-pass assumed"
            ),
            By::EncryptionInfo { origin, path: None } => write!(
                f,
                "encryption-info blob {origin} alone, which names no flavour: single-pass assumed"
            ),
            By::EncryptionInfo {
                origin,
                path: Some(path),
            } => write!(f, "encryption-info blob {origin} at {path}"),
            By::Default(why) => f.write_str(why),
            By::SameVaultAsSecret(inner) => {
                write!(f, "{inner} (the KEK is in the same vault as the secret)")
            }
        }
    }
}

/// Tools reading `inspect --json` get the same sentence people read.
impl Serialize for By {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(path: &str) -> By {
        By::Config {
            origin: "config.json".into(),
            path: path.into(),
        }
    }

    /// These sentences are what `inspect` has always printed; scripts may match on them.
    #[test]
    fn every_spelling() {
        let cases = [
            (By::Flag("--ade no-aad"), "--ade no-aad"),
            (config("$.name"), "config config.json at $.name"),
            (
                By::AdeExtension {
                    origin: "c.json".into(),
                    index: 2,
                },
                "ADE extension in config c.json at $.resources[2].properties.typeHandlerVersion",
            ),
            (
                By::Job {
                    origin: "job.json".into(),
                    path: "$[\"Recovery point time \"]".into(),
                },
                "job job.json at $[\"Recovery point time \"]",
            ),
            (
                By::JobNamesEncryptionInfo {
                    origin: "job.json".into(),
                },
                "job job.json names an encryption-info blob, which alone names no flavour: single-pass assumed",
            ),
            (
                By::EncryptionInfo {
                    origin: "ei.json".into(),
                    path: None,
                },
                "encryption-info blob ei.json alone, which names no flavour: single-pass assumed",
            ),
            (
                By::EncryptionInfo {
                    origin: "ei.json".into(),
                    path: Some("$.OsDiskKeyAndSecretDetails.KeyUrl"),
                },
                "encryption-info blob ei.json at $.OsDiskKeyAndSecretDetails.KeyUrl",
            ),
            (
                By::Template {
                    origin: "azuredeploy1.json".into(),
                    path: "$.parameters.Subnet.defaultValue".into(),
                },
                "Azure Backup's template azuredeploy1.json at $.parameters.Subnet.defaultValue",
            ),
            (By::Default("a rule"), "a rule"),
            (
                By::SameVaultAsSecret(Box::new(By::Flag("--key-vault-id"))),
                "--key-vault-id (the KEK is in the same vault as the secret)",
            ),
        ];
        for (by, text) in cases {
            assert_eq!(by.to_string(), text);
            assert_eq!(
                serde_json::to_value(&by).expect("serializes"),
                serde_json::Value::String(text.into())
            );
        }
    }

    #[test]
    fn problems_point_at_the_deciding_input() {
        let by = By::SameVaultAsSecret(Box::new(config("$.x")));
        assert_eq!(by.origin(), Some("config.json"));
        assert_eq!(by.path().as_deref(), Some("$.x"));
        assert_eq!(By::Flag("--key-url").origin(), None);
        assert!(By::Flag("--key-url").is_flag());
        assert!(!config("$.x").is_flag());
    }
}
