//! Where each key reference of an encrypted VM (BEK secret URL, its vault, KEK URL, its vault)
//! can be read: one table, a [`Row`] per reference with the flag and the field of each input
//! source, and one precedence, [`PRECEDENCE`], that every reference is read through.

use crate::input::config::{RawAdeSettings, RawEncryptionSettings};
use crate::input::encinfo::RawKeyAndSecretDetails;

use super::super::context::enc_path;
use super::evidence::Evidence;
use crate::model::provenance::By;
use crate::overrides::Overrides;

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
                let by = ev.config_by(format!("{}.{path}", enc_path()));
                (v, by)
            }
            Source::Extension => {
                let (get, path) = self.extension?;
                let e = ev.extension.as_ref()?;
                let v = non_empty(get(e.settings))?;
                let by = ev.config_by(format!(
                    "$.resources[{}].properties.settings.{path}",
                    e.index
                ));
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

#[cfg(test)]
mod tests {
    use super::super::super::context::Problems;
    use super::*;
    use crate::input::Inputs;
    use crate::model::test_inputs::{config, extension, info, inputs, settings, KEK, KV, SECRET};

    /// Every source names every reference it can, with values telling the sources apart.
    fn everything(flags: bool, with_settings: bool, with_extension: bool) -> Inputs {
        let s = if with_settings {
            settings(SECRET, KV, Some((KEK, KV)))
        } else {
            String::new()
        };
        let e = if with_extension {
            extension(
                "AzureDiskEncryption",
                "1.1",
                &format!(
                    r#""KeyVaultResourceId": "{KV}", "KeyEncryptionKeyURL": "{KEK}", "KekVaultResourceId": "{KV}""#
                ),
            )
        } else {
            String::new()
        };
        let ov = if flags {
            Overrides {
                secret_url: Some(SECRET.into()),
                key_vault_id: Some(KV.into()),
                key_url: Some(KEK.into()),
                kek_vault_id: Some(KV.into()),
                ..Overrides::default()
            }
        } else {
            Overrides::default()
        };
        inputs(
            &config("Windows", &s, &e),
            Some(&info(SECRET, Some(KEK))),
            None,
            ov,
        )
    }

    fn with_evidence<T>(i: &Inputs, f: impl FnOnce(&Evidence) -> T) -> T {
        let mut p = Problems::new();
        let ev = Evidence::gather(i, &mut p);
        f(&ev)
    }

    /// Which source can name which reference: the table itself.
    #[test]
    fn each_source_alone() {
        let i = everything(true, true, true);
        let named = |row: &Row| {
            with_evidence(&i, |ev| {
                PRECEDENCE.map(|s| row.candidate(s, &i.overrides, ev).is_some())
            })
        };
        //                                 flag  settings extension info
        assert_eq!(named(&SECRET_URL), [true, true, false, true]);
        assert_eq!(named(&KEY_VAULT), [true, true, true, false]);
        assert_eq!(named(&KEK_URL), [true, true, true, true]);
        assert_eq!(named(&KEK_VAULT), [true, true, true, false]);
    }

    /// Removing the strongest source each time shows every pair in order.
    #[test]
    fn each_pair_in_precedence_order() {
        let enc = "config config.json at $.properties.storageProfile.osDisk.encryptionSettings";
        let ext = "config config.json at $.resources[0].properties.settings";
        let info = "encryption-info blob ei.json at $.OsDiskKeyAndSecretDetails";
        let cases: [(Inputs, [String; 4]); 4] = [
            (
                everything(true, true, true),
                [
                    "--secret-url",
                    "--key-vault-id",
                    "--key-url",
                    "--kek-vault-id",
                ]
                .map(String::from),
            ),
            (
                everything(false, true, true),
                [
                    format!("{enc}.diskEncryptionKey.secretUrl"),
                    format!("{enc}.diskEncryptionKey.sourceVault.id"),
                    format!("{enc}.keyEncryptionKey.keyUrl"),
                    format!("{enc}.keyEncryptionKey.sourceVault.id"),
                ],
            ),
            (
                everything(false, false, true),
                [
                    format!("{info}.SecretUrl"),
                    format!("{ext}.KeyVaultResourceId"),
                    format!("{ext}.KeyEncryptionKeyURL"),
                    format!("{ext}.KekVaultResourceId"),
                ],
            ),
            (
                everything(false, false, false),
                [
                    format!("{info}.SecretUrl"),
                    "none".into(),
                    format!("{info}.KeyUrl"),
                    "none".into(),
                ],
            ),
        ];
        for (i, expected) in cases {
            let got = with_evidence(&i, |ev| {
                [&SECRET_URL, &KEY_VAULT, &KEK_URL, &KEK_VAULT].map(|row| {
                    row.first(&i.overrides, ev)
                        .map_or("none".to_owned(), |c| c.by.to_string())
                })
            });
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn a_blank_input_value_is_no_value() {
        let cfg = config("Windows", &settings("  ", KV, None), "");
        let i = inputs(&cfg, Some(&info(SECRET, None)), None, Overrides::default());
        let c = with_evidence(&i, |ev| SECRET_URL.first(&i.overrides, ev)).expect("from info");
        assert_eq!(c.value, SECRET);
        assert!(matches!(c.by, By::EncryptionInfo { .. }));
    }
}
