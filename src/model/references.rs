//! Where each key reference of an encrypted VM (BEK secret URL, its vault, KEK URL, its vault)
//! can be read: one table, a [`Row`] per reference with the flag and the field of each input
//! source, and one precedence, [`PRECEDENCE`], that every reference is read through.

use crate::input::config::{RawAdeSettings, RawEncryptionSettings};
use crate::input::encinfo::RawKeyAndSecretDetails;

use super::evidence::{enc_path, Evidence};
use super::provenance::By;
use super::types::Overrides;

/// A source of evidence, strongest first in [`PRECEDENCE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    CommandLine,
    /// `osDisk.encryptionSettings` on the VM model.
    EncryptionSettings,
    /// The ADE extension's public settings in `resources[]`.
    Extension,
    EncryptionInfo,
}

/// The user knows best; then what Azure stamped on the VM, then what the extension was given,
/// then what Azure Backup saved beside the config.
pub(super) const PRECEDENCE: [Source; 4] = [
    Source::CommandLine,
    Source::EncryptionSettings,
    Source::Extension,
    Source::EncryptionInfo,
];

type Field<T> = Option<(fn(&T) -> Option<&String>, &'static str)>;

/// Where one reference can be read: the flag, and per input source the field and its path.
pub(super) struct Row {
    pub flag: &'static str,
    from_flag: fn(&Overrides) -> Option<&String>,
    /// Path below `osDisk.encryptionSettings`.
    settings: Field<RawEncryptionSettings>,
    /// Path below the extension's `properties.settings`.
    extension: Field<RawAdeSettings>,
    /// Full path in the encryption-info blob.
    info: Field<RawKeyAndSecretDetails>,
}

pub(super) const SECRET_URL: Row = Row {
    flag: "--secret-url",
    from_flag: |o| o.secret_url.as_ref(),
    settings: Some((
        |s| s.diskencryptionkey.as_ref()?.secreturl.as_ref(),
        "diskEncryptionKey.secretUrl",
    )),
    extension: None,
    info: Some((
        |d| d.secreturl.as_ref(),
        "$.OsDiskKeyAndSecretDetails.SecretUrl",
    )),
};

pub(super) const KEY_VAULT: Row = Row {
    flag: "--key-vault-id",
    from_flag: |o| o.key_vault_id.as_ref(),
    settings: Some((
        |s| {
            s.diskencryptionkey
                .as_ref()?
                .sourcevault
                .as_ref()?
                .id
                .as_ref()
        },
        "diskEncryptionKey.sourceVault.id",
    )),
    extension: Some((|e| e.keyvaultresourceid.as_ref(), "KeyVaultResourceId")),
    info: None,
};

pub(super) const KEK_URL: Row = Row {
    flag: "--key-url",
    from_flag: |o| o.key_url.as_ref(),
    settings: Some((
        |s| s.keyencryptionkey.as_ref()?.keyurl.as_ref(),
        "keyEncryptionKey.keyUrl",
    )),
    extension: Some((|e| e.keyencryptionkeyurl.as_ref(), "KeyEncryptionKeyURL")),
    info: Some((|d| d.keyurl.as_ref(), "$.OsDiskKeyAndSecretDetails.KeyUrl")),
};

pub(super) const KEK_VAULT: Row = Row {
    flag: "--kek-vault-id",
    from_flag: |o| o.kek_vault_id.as_ref(),
    settings: Some((
        |s| {
            s.keyencryptionkey
                .as_ref()?
                .sourcevault
                .as_ref()?
                .id
                .as_ref()
        },
        "keyEncryptionKey.sourceVault.id",
    )),
    extension: Some((|e| e.kekvaultresourceid.as_ref(), "KekVaultResourceId")),
    info: None,
};

/// A value and where it was found, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Candidate {
    pub value: String,
    pub by: By,
}

/// A value in an input counts only when it is not blank; a flag counts as given.
pub(super) fn non_empty(v: Option<&String>) -> Option<String> {
    v.filter(|v| !v.trim().is_empty()).cloned()
}

impl Row {
    pub fn candidate(&self, source: Source, ov: &Overrides, ev: &Evidence) -> Option<Candidate> {
        let (value, by) = match source {
            Source::CommandLine => ((self.from_flag)(ov).cloned()?, By::Flag(self.flag)),
            Source::EncryptionSettings => {
                let (get, path) = self.settings?;
                let v = non_empty(get(ev.settings?))?;
                let by = By::Config {
                    origin: ev.config.to_owned(),
                    path: format!("{}.{path}", enc_path()),
                };
                (v, by)
            }
            Source::Extension => {
                let (get, path) = self.extension?;
                let e = ev.extension.as_ref()?;
                let v = non_empty(get(e.settings))?;
                let by = By::Config {
                    origin: ev.config.to_owned(),
                    path: format!("$.resources[{}].properties.settings.{path}", e.index),
                };
                (v, by)
            }
            Source::EncryptionInfo => {
                let (get, path) = self.info?;
                let (origin, details) = ev.info?;
                let v = non_empty(get(details))?;
                let by = By::EncryptionInfo {
                    origin: origin.to_owned(),
                    path: Some(path),
                };
                (v, by)
            }
        };
        Some(Candidate { value, by })
    }

    /// The strongest source that names this reference.
    pub fn first(&self, ov: &Overrides, ev: &Evidence) -> Option<Candidate> {
        PRECEDENCE
            .into_iter()
            .find_map(|source| self.candidate(source, ov, ev))
    }
}

