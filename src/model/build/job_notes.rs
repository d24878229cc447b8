//! What the job and the source's placement say that the operator must know before deploying,
//! yet that does not stop the restore:
//!
//! - a job that `CompletedWithWarnings` (Backup's REST docs: the job details are complete once
//!   the job is `Completed` or `CompletedWithWarnings`);
//! - a job whose `Config Blob Uri` and `Config Blob Name` disagree, when `--config` settled which
//!   blob is the config (reading from storage, the disagreement is refused in `source::locate`);
//! - a VHD source's availability set: it held VMs on unmanaged disks, so unless it was migrated
//!   it is a Classic set, and Azure refuses a VM on managed (imported) disks in it ("Addition of
//!   a VM with managed disks to non-managed Availability Set … is not supported"; the fix is
//!   `Update-AzAvailabilitySet -Sku Aligned`, MicrosoftDocs/azure-compute-docs
//!   `articles/virtual-machines/windows/convert-unmanaged-to-managed-disks.md` @1827cf35). Whether
//!   it still is Classic is Azure's live state: the scripts check it; here the operator is told.

use crate::input::Inputs;

use crate::model::disk::DiskKind;
use crate::model::restore::Restore;

pub(super) fn warnings(r: &Restore, inputs: &Inputs) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(j) = &inputs.job {
        if let Some(s) = j
            .raw
            .status
            .as_ref()
            .filter(|s| s.value.eq_ignore_ascii_case("CompletedWithWarnings"))
        {
            out.push(format!(
                "warning: the restore job's status is `{}` ({}): read its warnings (`az backup job show`, or the job in the portal) before deploying; a disk may not have been restored",
                s.value, s.path
            ));
        }
        // The job names the blob the keys can be restored from, and it was not read (row 4).
        if let (Some(blob), None, true) = (
            j.raw.encryption_info_blob_name.as_deref(),
            &inputs.encryption_info,
            matches!(r.encryption, crate::model::encryption::Encryption::Ade(_)),
        ) {
            out.push(format!(
                "warning: the job names the encryption-info blob `{blob}`, which this run did not read: pass it with `--encryption-info` so that the keys can be restored from it (`--restore-keys-into <vault id>`) if they no longer exist"
            ));
        }
        if let Some((uri_blob, name)) = disagreeing_names(&j.raw) {
            out.push(format!(
                "warning: the job's `Config Blob Uri` names `{uri_blob}` but its `Config Blob Name` names `{name}`: check that `--config` is the config blob of this restore"
            ));
        }
    }
    if let Some((group, set)) = classic_set(r) {
        out.push(format!(
            "warning: the availability set `{set}` held the source VM on VHDs, so it is a Classic (unmanaged) set unless it was migrated, and Azure refuses a VM on managed disks in it: convert it first (`Update-AzAvailabilitySet -AvailabilitySet (Get-AzAvailabilitySet -ResourceGroupName {} -Name {}) -Sku Aligned`; the fault domain count may have to drop to 2), or pass `--no-availability-set`",
            crate::quote::powershell(group),
            crate::quote::powershell(set)
        ));
    }
    out
}

/// The group and name of the source's own availability set when the source ran on VHDs: the set
/// the new VM on imported managed disks would join, which Azure refuses while it is Classic.
pub fn classic_set(r: &Restore) -> Option<(&str, &str)> {
    let set = r.availability_set_id.as_ref()?;
    if r.disks.kind() != DiskKind::Unmanaged || set.by.is_flag() {
        return None;
    }
    let parts: Vec<&str> = set.value.split('/').filter(|s| !s.is_empty()).collect();
    let group = parts
        .iter()
        .position(|s| s.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| parts.get(i + 1))?;
    Some((group, parts.last()?))
}

/// The blob names of `Config Blob Uri` and `Config Blob Name`, when they name different blobs.
fn disagreeing_names(job: &crate::input::job::RawJob) -> Option<(String, String)> {
    let uri = url::Url::parse(job.config_blob_uri.as_deref()?).ok()?;
    let name = job.config_blob_name.as_deref()?;
    let blob = uri.path_segments()?.next_back()?.to_owned();
    let blob = percent_encoding::percent_decode_str(&blob)
        .decode_utf8_lossy()
        .into_owned();
    (blob != name).then(|| (blob, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use crate::model::test_inputs::{config, extension, inputs, CONFIG_PLAIN, KV, SECRET};
    use crate::model::{build, Overrides};

    /// The job names an encryption-info blob this run did not read: the warning says what it
    /// would add (newcomer row 4).
    #[test]
    fn an_unread_encryption_info_blob_is_said() {
        let cfg = config(
            "Windows",
            "",
            &extension("AzureDiskEncryption", "2.2", r#""VolumeType": "All""#),
        );
        let job = r#"{"Config Blob Name": "config-vm1-1.json", "Recovery point time ": "3/1/2024 10:15:00 AM",
            "Encryption Info Blob Name": "encryptioninfo-vm1-1.json", "Target resource group": "rg"}"#;
        // The references given by hand: the run succeeds without the blob.
        let ov = Overrides {
            secret_url: Some(SECRET.into()),
            key_vault_id: Some(KV.into()),
            ..Overrides::default()
        };
        let r = build(&inputs(&cfg, None, Some(job), ov)).expect("builds");
        assert!(
            r.warnings.iter().any(|w| w
                .contains("`encryptioninfo-vm1-1.json`, which this run did not read")
                && w.contains("--encryption-info")),
            "{:?}",
            r.warnings
        );
        // With the blob read, nothing is said.
        let info = r#"{"OsDiskKeyAndSecretDetails": {"SecretUrl": "https://kv1.vault.azure.net/secrets/bek/0123"}}"#;
        let ov = Overrides {
            key_vault_id: Some(KV.into()),
            ..Overrides::default()
        };
        let r = build(&inputs(&cfg, Some(info), Some(job), ov)).expect("builds with the blob");
        assert!(
            !r.warnings.iter().any(|w| w.contains("did not read")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn completed_with_warnings_and_disagreeing_names_are_said() {
        let job = r#"{"properties": {"jobType": "AzureIaaSVMJob", "status": "CompletedWithWarnings",
            "extendedInfo": {"propertyBag": {"Job Type": "Recover disks",
              "Config Blob Name": "config-myVM-1fc2d55d-f0dc-4ca6-ad48-aca0fe5d0414.json",
              "Config Blob Uri": "https://mystorageaccount.blob.core.windows.net/myVM-daa1931199fd4a22ae601f46d8812276/config-appvm8-1fc2d55d-f0dc-4ca6-ad48-aca0519c0232.json"}}}}"#;
        let r = build(&inputs(CONFIG_PLAIN, None, Some(job), Overrides::default())).expect("ok");
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("`CompletedWithWarnings`")),
            "{:?}",
            r.warnings
        );
        assert!(
            r.warnings.iter().any(|w| w.contains("config-appvm8-")
                && w.contains("config-myVM-1fc2d55d-f0dc-4ca6-ad48-aca0fe5d0414.json")),
            "{:?}",
            r.warnings
        );
    }
}
