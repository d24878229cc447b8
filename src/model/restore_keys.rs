//! What has to happen before the deployment, beyond the VM itself: where `--restore-keys` puts
//! the BEK secret and KEK it restores from the encryption-info blob, and whether Azure Backup is
//! likely to have left the restored disks without their ADE settings.
//!
//! Key Vault restores a backup only into a vault of the same subscription (and geography), and
//! ADE needs the vault in the VM's subscription anyway, so a target vault elsewhere is refused
//! here rather than by a half-run script.

use serde::Serialize;

use crate::error::Code;
use crate::input::Inputs;

use super::refs::VaultId;
use super::types::{Disks, Encryption};
use super::validate::Problems;

/// Azure Backup does not restore a disk's ADE settings when the VM has more disks than this.
pub const MAX_DISKS_WITH_ADE_SETTINGS: usize = 16;
/// ... or when one of its disks is larger than this (GB).
pub const MAX_DISK_GB_WITH_ADE_SETTINGS: u32 = 4097;

/// The steps before the deployment, as far as the inputs and flags decide them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Prepare {
    /// `--restore-keys`: where the missing key and secret are restored to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_keys: Option<KeyRestore>,
    /// Why Azure Backup may have restored the disks without their ADE settings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub at_risk: Vec<AtRisk>,
}

impl Prepare {
    /// Nothing beyond the defaults: `inspect --json` then leaves the member out.
    pub fn is_empty(&self) -> bool {
        self.restore_keys.is_none() && self.at_risk.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRestore {
    pub target: VaultId,
    /// The blob URL (without its SAS) the script reads the encryption-info blob from at run
    /// time. `None` when restore-deploy read a local file, or nothing: a local path means nothing
    /// where the script runs, so the script asks for the blob.
    pub encryption_info: Option<String>,
    /// The source VM's name: Azure Disk Encryption tags a BEK secret with the machine it unlocks.
    pub machine_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum AtRisk {
    ManyDisks { disks: usize },
    LargeDisk { disk: String, size_gb: u32 },
}

impl std::fmt::Display for AtRisk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AtRisk::ManyDisks { disks } => {
                write!(f, "{disks} disks (more than {MAX_DISKS_WITH_ADE_SETTINGS})")
            }
            AtRisk::LargeDisk { disk, size_gb } => write!(
                f,
                "disk `{disk}` is {size_gb} GB (over {MAX_DISK_GB_WITH_ADE_SETTINGS} GB)"
            ),
        }
    }
}

/// The disks Azure Backup may have restored without their ADE settings.
pub fn at_risk(disks: &Disks) -> Vec<AtRisk> {
    let all: Vec<&super::types::Disk> = std::iter::once(disks.os())
        .chain(disks.data().iter().map(|d| &d.disk))
        .collect();
    let mut out = Vec::new();
    if all.len() > MAX_DISKS_WITH_ADE_SETTINGS {
        out.push(AtRisk::ManyDisks { disks: all.len() });
    }
    for d in all {
        if let Some(size_gb) = d.size_gb.filter(|s| *s > MAX_DISK_GB_WITH_ADE_SETTINGS) {
            out.push(AtRisk::LargeDisk {
                disk: d.name.clone(),
                size_gb,
            });
        }
    }
    out
}

/// A blob URL loses its query (the SAS) before it is written into a script: the script reads the
/// blob with the operator's own Az session, and a SAS in a file outlives its purpose.
fn blob_url(origin: &str) -> Option<String> {
    match url::Url::parse(origin) {
        Ok(mut u) if matches!(u.scheme(), "http" | "https") => {
            u.set_query(None);
            u.set_fragment(None);
            Some(u.to_string())
        }
        _ => None,
    }
}

pub(super) fn prepare(
    inputs: &Inputs,
    encryption: Option<&Encryption>,
    disks: Option<&Disks>,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Prepare {
    let encrypted = matches!(encryption, Some(Encryption::Ade(_)));
    let at_risk = match (encrypted, disks) {
        (true, Some(d)) => at_risk(d),
        _ => Vec::new(),
    };
    let ov = &inputs.overrides;
    let restore_keys = match (ov.restore_keys, ov.target_key_vault.as_deref()) {
        (false, _) => None,
        (true, None) => {
            p.add(
                Code::Usage,
                "`--restore-keys` needs the vault to restore into",
                None,
                None,
                "pass `--target-key-vault` with the resource id of a key vault in the VM's subscription and region",
            );
            None
        }
        (true, Some(raw)) => target(raw, encryption, subscription, p).map(|target| KeyRestore {
            target,
            encryption_info: inputs
                .encryption_info
                .as_ref()
                .and_then(|i| blob_url(&i.origin)),
            machine_name: inputs
                .config
                .as_ref()
                .and_then(|c| c.raw.name.clone())
                .filter(|n| !n.is_empty()),
        }),
    };
    Prepare {
        restore_keys,
        at_risk,
    }
}

fn target(
    raw: &str,
    encryption: Option<&Encryption>,
    subscription: Option<&str>,
    p: &mut Problems,
) -> Option<VaultId> {
    if matches!(encryption, Some(Encryption::None { .. })) {
        p.add(
            Code::Usage,
            "`--restore-keys` restores the keys of an encrypted VM, and this VM is not encrypted",
            None,
            None,
            "drop `--restore-keys`, or pass `--ade aad` or `--ade no-aad` if the VM was encrypted",
        );
        return None;
    }
    let vault = match VaultId::parse(raw) {
        Ok(v) => v,
        Err(b) => {
            p.add(
                b.code,
                b.message,
                None,
                None,
                "pass `--target-key-vault /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`",
            );
            return None;
        }
    };
    match subscription {
        Some(sub) if !sub.eq_ignore_ascii_case(vault.subscription()) => {
            p.add(
                Code::TargetVaultInAnotherSubscription,
                format!(
                    "the target key vault `{}` is in subscription `{}`, the VM in `{sub}`; Key Vault restores a backup only within one subscription and geography",
                    vault.name(),
                    vault.subscription()
                ),
                None,
                None,
                Code::TargetVaultInAnotherSubscription.default_help(),
            );
            None
        }
        _ => Some(vault),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_inputs::{config, inputs, settings, CONFIG_PLAIN, KV, SECRET};
    use super::super::{build, Overrides};
    use super::*;

    const OTHER_SUB_KV: &str = "/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvx";

    fn restore_keys(target: &str) -> Overrides {
        Overrides {
            restore_keys: true,
            target_key_vault: Some(target.to_owned()),
            ..Overrides::default()
        }
    }

    #[test]
    fn a_target_vault_in_the_vms_subscription_is_taken() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let r = build(&inputs(&cfg, None, None, restore_keys(KV))).expect("builds");
        let k = r.prepare.restore_keys.expect("restore");
        assert_eq!(k.target.as_str(), KV);
        assert_eq!(k.machine_name.as_deref(), Some("vm1"));
    }

    #[test]
    fn a_target_vault_in_another_subscription_is_refused() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let e = build(&inputs(&cfg, None, None, restore_keys(OTHER_SUB_KV))).expect_err("refused");
        assert_eq!(e.0[0].code, Code::TargetVaultInAnotherSubscription);
        assert!(e.0[0].message.contains("kvx"), "{}", e.0[0].message);
    }

    #[test]
    fn restoring_keys_of_an_unencrypted_vm_is_refused() {
        let e = build(&inputs(CONFIG_PLAIN, None, None, restore_keys(KV))).expect_err("refused");
        assert_eq!(e.0[0].code, Code::Usage);
        let e = build(&inputs(CONFIG_PLAIN, None, None, restore_keys("kv1"))).expect_err("bad");
        assert_eq!(e.0[0].code, Code::Usage, "not encrypted is said first");
    }

    #[test]
    fn a_malformed_target_is_refused() {
        let cfg = config("Windows", &settings(SECRET, KV, None), "");
        let e = build(&inputs(&cfg, None, None, restore_keys("kv1"))).expect_err("bad id");
        assert_eq!(e.0[0].code, Code::InvalidVaultId);
    }

    #[test]
    fn a_sas_is_never_kept_in_the_blob_url() {
        assert_eq!(
            blob_url("https://a.blob.core.windows.net/c/b.json?sv=1&sig=REDACTED").as_deref(),
            Some("https://a.blob.core.windows.net/c/b.json")
        );
        assert_eq!(
            blob_url("dir/encinfo.json"),
            None,
            "a local path is not carried"
        );
        assert_eq!(blob_url("C:\\restore\\encinfo.json"), None);
    }

    #[test]
    fn many_or_large_disks_are_at_risk() {
        use super::super::types::{DataDisk, Disk, DiskSource};
        let disk = |name: &str, size| Disk {
            name: name.into(),
            source: DiskSource::Managed {
                id: super::super::disk_refs::DiskId::parse(&format!(
                    "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/{name}"
                ))
                .expect("id")
                .into(),
                storage_account_type: None,
            },
            caching: None,
            size_gb: Some(size),
        };
        let data = |n: u8, size| {
            (0..n)
                .map(|lun| DataDisk {
                    lun,
                    disk: disk(&format!("d{lun}"), size),
                })
                .collect::<Vec<_>>()
        };
        let fifteen = Disks::new(disk("os", 127), data(15, 4097)).expect("disks");
        assert!(
            at_risk(&fifteen).is_empty(),
            "16 disks of 4,097 GB are fine"
        );
        let seventeen = Disks::new(disk("os", 127), data(16, 100)).expect("disks");
        assert_eq!(at_risk(&seventeen), vec![AtRisk::ManyDisks { disks: 17 }]);
        let large = Disks::new(
            disk("os", 127),
            vec![DataDisk {
                lun: 0,
                disk: disk("big", 4098),
            }],
        )
        .expect("disks");
        assert_eq!(
            at_risk(&large),
            vec![AtRisk::LargeDisk {
                disk: "big".into(),
                size_gb: 4098
            }]
        );
    }
}
