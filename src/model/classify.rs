//! Which Azure Disk Encryption case the source VM is in. The evidence sources, strongest first:
//! the command line (`--ade`), the VM model's `osDisk.encryptionSettings` (only dual-pass, with
//! Azure AD, stamps settings on the VM), an ADE extension in `resources[]` (its version says the
//! flavour), an encryption-info blob (Azure Backup writes one for single-pass VMs), else not
//! encrypted. The key references are then taken from the same sources (`references`, `keys`).

use crate::error::Code;
use crate::input::Inputs;

use super::evidence::{enc_path, Evidence};
use super::keys;
use super::provenance::{By, Fact};
use super::types::{AdeChoice, Encryption, Flavour};
use super::validate::Problems;

/// The flavour decision.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Encrypted(Fact<Flavour>),
    NotEncrypted(By),
    /// The evidence disagrees; the problem is reported.
    Conflict,
}

fn decide(choice: AdeChoice, ev: &Evidence, config: Option<&str>, p: &mut Problems) -> Decision {
    let flag = |f, text| Decision::Encrypted(Fact::new(f, By::Flag(text)));
    match choice {
        AdeChoice::None => Decision::NotEncrypted(By::Flag("--ade none")),
        AdeChoice::Aad => flag(Flavour::Aad, "--ade aad"),
        AdeChoice::NoAad => flag(Flavour::NoAad, "--ade no-aad"),
        AdeChoice::Auto => {
            let ext = ev.extension.as_ref().map(|e| {
                let by = By::AdeExtension {
                    origin: ev.config.to_owned(),
                    index: e.index,
                };
                Fact::new(e.flavour, by)
            });
            match (ev.settings.is_some(), ext) {
                (true, Some(e)) if e.value == Flavour::NoAad => {
                    p.add(Code::ConflictingEncryptionEvidence, "the VM model has encryption settings (encrypted with Azure AD) but its ADE extension is a version without Azure AD", config, Some(enc_path()), "pass `--ade aad` or `--ade no-aad` to say which flavour the source VM used; never switch flavours");
                    Decision::Conflict
                }
                (true, _) => {
                    Decision::Encrypted(Fact::new(Flavour::Aad, ev.config_by(enc_path())))
                }
                (false, Some(e)) => Decision::Encrypted(e),
                (false, None) => match (ev.info, ev.job_names_info) {
                    (Some((origin, _)), _) => {
                        let by = By::EncryptionInfo {
                            origin: origin.to_owned(),
                            path: None,
                        };
                        Decision::Encrypted(Fact::new(Flavour::NoAad, by))
                    }
                    (None, Some(origin)) => {
                        let by = By::JobNamesEncryptionInfo {
                            origin: origin.to_owned(),
                        };
                        Decision::Encrypted(Fact::new(Flavour::NoAad, by))
                    }
                    (None, None) => Decision::NotEncrypted(By::Default(
                        "no encryption settings, ADE extension or encryption-info blob in the inputs",
                    )),
                },
            }
        }
    }
}

pub(super) fn classify(
    inputs: &Inputs,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<Encryption> {
    let ev = Evidence::gather(inputs, p);
    let config = inputs.config.as_ref().map(|c| c.origin.as_str());
    match decide(inputs.overrides.ade, &ev, config, p) {
        Decision::NotEncrypted(by) => Some(Encryption::None { by }),
        Decision::Conflict => None,
        Decision::Encrypted(flavour) => {
            keys::resolve(&inputs.overrides, &ev, flavour, subscription, p)
                .map(|ade| Encryption::Ade(Box::new(ade)))
        }
    }
}

