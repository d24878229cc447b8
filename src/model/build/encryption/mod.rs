//! Which Azure Disk Encryption case the source VM is in. The evidence sources, strongest first:
//! the command line (`--ade`), the VM model's `osDisk.encryptionSettings` (only dual-pass, with
//! Azure AD, stamps settings on the VM), an ADE extension in `resources[]` (its version says the
//! flavour), an encryption-info blob (Azure Backup writes one for single-pass VMs), else not
//! encrypted. The key references are then taken from the same sources (`references`, `keys`).

use crate::error::Code;
use crate::input::Inputs;

use super::context::enc_path;
use super::context::Problems;
use crate::model::encryption::{Encryption, Flavour};
use crate::model::provenance::{By, Fact};
use crate::model::time;
use crate::overrides::AdeChoice;
use evidence::Evidence;

mod ade_settings;
mod evidence;
mod key_refs;
mod precedence;

/// The flavour decision.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Encrypted(Fact<Flavour>),
    NotEncrypted(By),
    /// The evidence disagrees; the problem is reported.
    Conflict,
}

/// Whether the recovery point (the flag's, else the job's, when it parses) predates single-pass
/// ADE, so that an encryption-info blob alone cannot say the flavour.
fn before_single_pass(inputs: &Inputs) -> bool {
    inputs
        .recovery_point_time()
        .and_then(|t| time::parse(t.raw()).ok())
        .is_some_and(|at| at < time::single_pass_from())
}

fn decide(
    (choice, before_single_pass): (AdeChoice, bool),
    ev: &Evidence,
    config: Option<&str>,
    p: &mut Problems,
) -> Decision {
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
                (true, Some(e)) if e.value.is_single_pass() => {
                    p.add(Code::ConflictingEncryptionEvidence, "the VM model has encryption settings (encrypted with Azure AD) but its ADE extension is a version without Azure AD", config, Some(enc_path()), "pass `--ade aad` or `--ade no-aad` to say which flavour the source VM used; never switch flavours");
                    Decision::Conflict
                }
                (true, _) => {
                    Decision::Encrypted(Fact::new(Flavour::Aad, ev.config_by(enc_path())))
                }
                (false, Some(e)) => Decision::Encrypted(e),
                (false, None) if before_single_pass && (ev.info.is_some() || ev.job_names_info.is_some()) => {
                    let origin = ev.info.map(|i| i.0).or(ev.job_names_info);
                    p.add(Code::ConflictingEncryptionEvidence, "only an encryption-info blob says the VM is encrypted, and its recovery point predates single-pass ADE (documented from 2018-09-19): Azure Backup wrote that blob for VMs encrypted with Azure AD too, so the flavour is unknown", origin, None, "pass `--ade aad` if the source VM was encrypted with an Azure AD app, else `--ade no-aad`; never switch flavours");
                    Decision::Conflict
                }
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
    managed: bool,
    p: &mut Problems,
) -> Option<Encryption> {
    let ev = Evidence::gather(inputs, p);
    let config = inputs.config.as_ref().map(|c| c.origin.as_str());
    match decide(
        (inputs.overrides.ade, before_single_pass(inputs)),
        &ev,
        config,
        p,
    ) {
        Decision::NotEncrypted(by) => Some(Encryption::None { by }),
        Decision::Conflict => None,
        Decision::Encrypted(flavour) => {
            key_refs::resolve(&inputs.overrides, &ev, flavour, (subscription, managed), p)
                .map(|ade| Encryption::Ade(Box::new(ade)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_inputs::{config, extension, info, inputs, settings, KV, SECRET};
    use crate::model::Overrides;

    const WIN: &str = "AzureDiskEncryption";
    const LINUX: &str = "AzureDiskEncryptionForLinux";

    /// The decision and the codes of the problems reported on the way.
    fn decided(
        cfg: &str,
        info: Option<&str>,
        job: Option<&str>,
        ade: AdeChoice,
    ) -> (Decision, Vec<Code>) {
        let ov = Overrides {
            ade,
            ..Overrides::default()
        };
        let i = inputs(cfg, info, job, ov);
        let mut p = Problems::new();
        let ev = Evidence::gather(&i, &mut p);
        let d = decide(
            (i.overrides.ade, before_single_pass(&i)),
            &ev,
            Some("config.json"),
            &mut p,
        );
        (d, p.list.iter().map(|e| e.code).collect())
    }

    /// The decision as text (provenance as users read it) and the problems' codes.
    fn shown(d: (Decision, Vec<Code>)) -> (String, Vec<Code>) {
        let text = match d.0 {
            Decision::Encrypted(f) => format!("{:?} by {}", f.value, f.by),
            Decision::NotEncrypted(by) => format!("none by {by}"),
            Decision::Conflict => "conflict".to_owned(),
        };
        (text, d.1)
    }

    fn expect(d: (Decision, Vec<Code>), text: &str, codes: &[Code]) {
        assert_eq!(shown(d), (text.to_owned(), codes.to_vec()));
    }

    const ENC: &str = "config config.json at $.properties.storageProfile.osDisk.encryptionSettings";
    const EXT0: &str =
        "ADE extension in config config.json at $.resources[0].properties.typeHandlerVersion";
    const JOB_WITH_INFO: &str =
        r#"{"Encryption Info Blob Name": "ei.json", "Job Type": "Restore"}"#;

    #[test]
    fn no_evidence_is_not_encrypted() {
        let (d, codes) = decided(&config("Windows", "", ""), None, None, AdeChoice::Auto);
        assert_eq!(
            d,
            Decision::NotEncrypted(By::Default(
                "no encryption settings, ADE extension or encryption-info blob in the inputs"
            ))
        );
        assert!(codes.is_empty());
    }

    #[test]
    fn each_source_alone() {
        let s = settings(SECRET, KV, None);
        expect(
            decided(&config("Windows", &s, ""), None, None, AdeChoice::Auto),
            &format!("Aad by {ENC}"),
            &[],
        );
        let ext = extension(WIN, "2.2", "");
        expect(
            decided(&config("Windows", "", &ext), None, None, AdeChoice::Auto),
            &format!("NoAad by {EXT0}"),
            &[],
        );
        let plain = config("Windows", "", "");
        expect(
            decided(&plain, Some(&info(SECRET, None)), None, AdeChoice::Auto),
            "NoAad by encryption-info blob ei.json alone, which names no flavour: single-pass assumed",
            &[],
        );
        expect(
            decided(&plain, None, Some(JOB_WITH_INFO), AdeChoice::Auto),
            "NoAad by job job.json names an encryption-info blob, which alone names no flavour: single-pass assumed",
            &[],
        );
        expect(
            decided(&plain, None, None, AdeChoice::Aad),
            "Aad by --ade aad",
            &[],
        );
        expect(
            decided(&plain, None, None, AdeChoice::NoAad),
            "NoAad by --ade no-aad",
            &[],
        );
    }

    #[test]
    fn extension_version_gives_the_flavour_per_os() {
        for (kind, version, flavour) in [
            (WIN, "1.1", "Aad"),
            (WIN, "2.2", "NoAad"),
            (LINUX, "0.1", "Aad"),
            (LINUX, "1.1", "NoAad"),
        ] {
            // The extension's own type says the OS, whatever the disk says.
            let cfg = config("Windows", "", &extension(kind, version, ""));
            expect(
                decided(&cfg, None, None, AdeChoice::Auto),
                &format!("{flavour} by {EXT0}"),
                &[],
            );
        }
        // Other extensions are no evidence; the first ADE one counts.
        let other = r#"{"properties": {"publisher": "Microsoft.Azure.Security", "type": "IaaSAntimalware", "typeHandlerVersion": "1.1"}}"#;
        let cfg = config(
            "Linux",
            "",
            &format!("{other}, {}", extension(LINUX, "1.1", "")),
        );
        let (d, _) = decided(&cfg, None, None, AdeChoice::Auto);
        assert_eq!(
            shown((d, vec![])).0,
            "NoAad by ADE extension in config config.json at $.resources[1].properties.typeHandlerVersion"
        );
    }

    #[test]
    fn each_pair_in_precedence_order() {
        let s = settings(SECRET, KV, None);
        let aad_ext = extension(WIN, "1.1", "");
        let ei = info(SECRET, None);
        // Command line over settings, and `--ade none` over everything.
        let cfg = config("Windows", &s, &aad_ext);
        expect(
            decided(&cfg, Some(&ei), None, AdeChoice::NoAad),
            "NoAad by --ade no-aad",
            &[],
        );
        expect(
            decided(&cfg, Some(&ei), None, AdeChoice::None),
            "none by --ade none",
            &[],
        );
        // Settings over the extension.
        expect(
            decided(&cfg, None, None, AdeChoice::Auto),
            &format!("Aad by {ENC}"),
            &[],
        );
        // The extension over the encryption-info blob.
        let cfg = config("Windows", "", &aad_ext);
        expect(
            decided(&cfg, Some(&ei), None, AdeChoice::Auto),
            &format!("Aad by {EXT0}"),
            &[],
        );
        // The blob itself over the job naming one.
        let plain = config("Windows", "", "");
        expect(
            decided(&plain, Some(&ei), Some(JOB_WITH_INFO), AdeChoice::Auto),
            "NoAad by encryption-info blob ei.json alone, which names no flavour: single-pass assumed",
            &[],
        );
    }

    #[test]
    fn conflicting_flavours_are_refused_unless_the_user_decides() {
        let cfg = config(
            "Windows",
            &settings(SECRET, KV, None),
            &extension(WIN, "2.2", ""),
        );
        let (d, codes) = decided(&cfg, None, None, AdeChoice::Auto);
        assert_eq!(d, Decision::Conflict);
        assert_eq!(codes, vec![Code::ConflictingEncryptionEvidence]);
        expect(
            decided(&cfg, None, None, AdeChoice::Aad),
            "Aad by --ade aad",
            &[],
        );
    }

    #[test]
    fn a_blob_alone_before_single_pass_existed_leaves_the_flavour_to_the_user() {
        let cfg = config("Linux", "", "");
        let blob = info(SECRET, None);
        let job =
            |rp: &str| format!(r#"{{"Recovery point time ": "{rp}", "Job Type": "Restore"}}"#);
        let before = job("9/18/2018 11:59:59 PM");
        let d = decided(&cfg, Some(&blob), Some(&before), AdeChoice::Auto);
        assert_eq!(d.0, Decision::Conflict);
        assert_eq!(d.1, vec![Code::ConflictingEncryptionEvidence]);
        let d = decided(&cfg, Some(&blob), Some(&before), AdeChoice::Aad);
        assert!(matches!(d.0, Decision::Encrypted(f) if f.value == Flavour::Aad));
        let after = job("9/19/2018 12:00:00 AM");
        let d = decided(&cfg, Some(&blob), Some(&after), AdeChoice::Auto);
        assert!(matches!(d.0, Decision::Encrypted(f) if f.value == Flavour::NoAad));
        assert!(d.1.is_empty());
    }
}
