//! The restore job's details, in any of the shapes Azure prints them: the flat property bag
//! (`az backup job show --query properties.extendedInfo.propertyBag`, or PowerShell's
//! `$details.Properties | ConvertTo-Json`), a whole job resource (REST / `az backup job show`),
//! or PowerShell's job-detail object serialized whole (a `Properties` member).
//!
//! Keys arrive already lower-cased by [`super::normalize`]; here they are also trimmed, because
//! Azure prints `Recovery point time ` with a trailing space.

use serde_json::{Map, Value};

use crate::error::{Code, Error, Result};
use crate::source::locate::{JobBlob, JobFields};

/// The keys we use. Everything else in the bag is ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RawJob {
    pub(crate) config_blob_uri: Option<String>,
    pub(crate) config_blob_name: Option<String>,
    pub(crate) config_blob_container: Option<String>,
    pub(crate) target_storage_account: Option<String>,
    /// Not read: kept because its key is one of [`KEYS`] (it helps find the bag) and `parse`
    /// fills the fields by position in that list.
    pub(crate) template_blob_uri: Option<String>,
    pub(crate) encryption_info_blob_name: Option<String>,
    pub(crate) secured_encryption_info_blob_name: Option<String>,
    pub recovery_point_time: Option<String>,
    pub(crate) job_type: Option<String>,
    /// Where Azure Backup put the restored managed disks.
    pub(crate) target_resource_group: Option<String>,
    /// JSON path of the bag inside the document, for messages.
    pub(crate) bag_path: String,
    /// The job's state outside the bag (`properties.status`, or PowerShell's `Status`), when the
    /// shape carries it. Only a completed job passes; `CompletedWithWarnings` is said.
    pub(crate) status: Option<Located>,
    /// The source VM's name outside the bag (`properties.entityFriendlyName` of the job
    /// resource, or PowerShell's `WorkloadName`): what `{source}` in `--vm-name` stands for when
    /// the config names no VM, as a real managed restore's does not.
    pub(crate) source_vm: Option<Located>,
}

/// A value read outside the property bag, with its JSON path for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub(crate) value: String,
    pub(crate) path: String,
}

const KEYS: &[&str] = &[
    "config blob uri",
    "config blob name",
    "config blob container name",
    "target storage account name",
    "template blob uri",
    "encryption info blob name",
    "secured encryption info blob name",
    "recovery point time",
    "job type",
    "target resource group",
];

pub fn parse(doc: &Value, origin: &str) -> Result<RawJob> {
    let doing = "reading the restore job's details";
    let (bag, bag_path) = find_bag(doc).ok_or_else(|| {
        Error::new(
            Code::NotARestoreJob,
            "no restore job property bag found",
        )
        .source(origin)
        .doing(doing)
        .at("$")
        .help("pass the output of `az backup job show ... --query properties.extendedInfo.propertyBag`, the whole job, or PowerShell's `Get-AzRecoveryServicesBackupJobDetail` object as JSON")
    })?;

    let mut found: Vec<Option<String>> = vec![None; KEYS.len()];
    for (key, value) in bag {
        let trimmed = key.trim();
        let Some(slot) = KEYS.iter().position(|k| *k == trimmed) else {
            continue;
        };
        let path = format!("{bag_path}[\"{key}\"]");
        let Value::String(s) = value else {
            return Err(Error::new(
                Code::UnexpectedValue,
                format!("`{trimmed}` must be a string"),
            )
            .source(origin)
            .doing(doing)
            .at(path)
            .help("the property bag maps names to strings; check that the file was not edited"));
        };
        match &found[slot] {
            Some(prev) if prev != s => {
                return Err(Error::new(
                    Code::DuplicateKey,
                    format!("`{trimmed}` is given twice with different values"),
                )
                .source(origin)
                .doing(doing)
                .at(path)
                .help("keys are matched case-insensitively and trimmed; keep one of the two"))
            }
            _ => found[slot] = Some(s.clone()),
        }
    }
    let mut it = found.into_iter();
    let mut next = || it.next().flatten().filter(|s| !s.trim().is_empty());
    let job = RawJob {
        config_blob_uri: next(),
        config_blob_name: next(),
        config_blob_container: next(),
        target_storage_account: next(),
        template_blob_uri: next(),
        encryption_info_blob_name: next(),
        secured_encryption_info_blob_name: next(),
        recovery_point_time: next(),
        job_type: next(),
        target_resource_group: next(),
        status: outside(doc, &bag_path, "status", "status"),
        source_vm: outside(doc, &bag_path, "entityfriendlyname", "entityFriendlyName")
            .or_else(|| outside(doc, &bag_path, "workloadname", "WorkloadName")),
        bag_path,
    };
    kind(doc, &job).map_err(|e| e.source(origin).doing(doing))?;
    state(&job).map_err(|e| e.source(origin).doing(doing))?;
    Ok(job)
}

/// A string member of the job resource beside the bag: `$.properties.<key>` for the REST shape,
/// `$.<key>` for PowerShell's object (whose `Properties` is the bag). The flat bag has none.
fn outside(doc: &Value, bag_path: &str, key: &str, shown: &str) -> Option<Located> {
    let (holder, path) = match bag_path {
        "$.properties.extendedInfo.propertyBag" => (doc.get("properties")?, "$.properties"),
        "$.Properties" => (doc, "$"),
        _ => return None,
    };
    let value = holder.get(key)?.as_str()?.trim();
    (!value.is_empty()).then(|| Located {
        value: value.to_owned(),
        path: format!("{path}.{shown}"),
    })
}

/// Job types of restores that leave nothing for restore-deploy to deploy, by the name Azure
/// Backup gives them: workload (SQL / SAP HANA) restores, and the in-place VM restore.
const NOT_DISK_RESTORES: &[(&str, &str)] = &[
    (
        "restore as files",
        "restores a database's backup as files, not a VM's disks",
    ),
    (
        "recovery to the original database",
        "restores a database in place, not a VM's disks",
    ),
    (
        "replace disks",
        "replaces disks in place: nothing to deploy",
    ),
];

/// Only a restore of a VM's disks passes: a workload (SQL, SAP HANA) restore job or an in-place
/// "Replace disks" restore is refused by name, before anything is looked for in storage.
fn kind(doc: &Value, job: &RawJob) -> Result<()> {
    let refuse = |what: String, at: String, help: &str| {
        Err(Error::new(Code::UnsupportedRestoreJob, what)
            .at(at)
            .help(help))
    };
    const HELP: &str = "pass the details of the `Recover disks` job (Restore → Restore disks, or `Restore-AzRecoveryServicesBackupItem -TargetResourceGroupName`) that restored this VM's disks";
    if let Some(t) = outside(doc, &job.bag_path, "jobtype", "jobType") {
        if !t.value.eq_ignore_ascii_case("AzureIaaSVMJob") {
            let workload = outside(doc, &job.bag_path, "workloadtype", "workloadType")
                .map(|w| format!(" for a `{}`", w.value))
                .unwrap_or_default();
            let named = job
                .job_type
                .as_ref()
                .map(|n| format!(" (`{n}`{workload})"))
                .unwrap_or(workload);
            return refuse(
                format!(
                    "the job is an `{}` job{named}: it restores a workload such as a database, not a VM's disks",
                    t.value
                ),
                t.path,
                HELP,
            );
        }
    }
    let type_path = format!("{}[\"Job Type\"]", job.bag_path);
    if let Some(t) = &job.job_type {
        let lower = t.trim().to_ascii_lowercase();
        if let Some((_, why)) = NOT_DISK_RESTORES.iter().find(|(name, _)| *name == lower) {
            return refuse(
                format!("the job is a `{t}` job, which {why}"),
                type_path,
                HELP,
            );
        }
    }
    let internal = doc
        .get("properties")
        .and_then(|p| p.get("extendedinfo"))
        .and_then(|e| e.get("internalpropertybag"))
        .and_then(|b| b.get("restorelocationtype"))
        .and_then(Value::as_str);
    if internal.is_some_and(|l| l.eq_ignore_ascii_case("OriginalLocation")) {
        return refuse(
            "the job restored to the original location, which replaces disks in place: nothing to deploy".into(),
            "$.properties.extendedInfo.internalPropertyBag.restoreLocationType".into(),
            HELP,
        );
    }
    if let Some(t) = &job.job_type {
        let lower = t.to_ascii_lowercase();
        if !(lower.contains("recover") || lower.contains("restore")) {
            return Err(Error::new(
                Code::NotARestoreJob,
                format!("the job's type is `{t}`, not a restore"),
            )
            .at(type_path)
            .help("pass the details of the `Recover disks` job that restored this VM's disks"));
        }
    }
    Ok(())
}

/// The job's state: only a finished restore has written its blobs. `CompletedWithWarnings`
/// passes (the model says so); a job still running or that failed is refused with that reason.
fn state(job: &RawJob) -> Result<()> {
    let Some(s) = &job.status else {
        return Ok(());
    };
    let why = match s.value.to_ascii_lowercase().as_str() {
        "completed" | "completedwithwarnings" => return Ok(()),
        "inprogress" | "cancelling" => "is still running: Azure Backup has not written the restored disks and the config blob yet",
        "failed" => "failed: its disks and config blob may be missing or incomplete",
        "cancelled" => "was cancelled: its disks and config blob may be missing or incomplete",
        _ => "has not completed",
    };
    Err(Error::new(
        Code::RestoreJobNotCompleted,
        format!("the restore job's status is `{}`: the job {why}", s.value),
    )
    .at(s.path.clone())
    .help("wait for the job to complete (`az backup job wait`, `Wait-AzRecoveryServicesBackupJob`) and pass its details again; for a failed job, read its error (`az backup job show`) and run the restore again"))
}

/// The property bag, wherever the shape puts it.
pub(crate) fn find_bag(doc: &Value) -> Option<(&Map<String, Value>, String)> {
    let root = doc.as_object()?;
    let props = root.get("properties").and_then(Value::as_object);
    if let Some(bag) = props
        .and_then(|p| p.get("extendedinfo"))
        .and_then(Value::as_object)
        .and_then(|e| e.get("propertybag"))
        .and_then(Value::as_object)
    {
        return Some((bag, "$.properties.extendedInfo.propertyBag".to_owned()));
    }
    if let Some(p) = props.filter(|p| has_known_key(p)) {
        return Some((p, "$.Properties".to_owned()));
    }
    if has_known_key(root) {
        return Some((root, "$".to_owned()));
    }
    None
}

fn has_known_key(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| KEYS.contains(&k.trim()))
}

impl RawJob {
    /// The names `source::locate` reads to find this job's blobs.
    pub fn blob_fields<'a>(&'a self, origin: &'a str) -> JobFields<'a> {
        JobFields {
            origin,
            bag_path: &self.bag_path,
            config_blob_uri: self.config_blob_uri.as_deref(),
            config_blob_container: self.config_blob_container.as_deref(),
            config_blob_name: self.config_blob_name.as_deref(),
            encryption_info_blob_name: self.encryption_info_blob_name.as_deref(),
            template_blob_uri: self.template_blob_uri.as_deref(),
            target_storage_account: self.target_storage_account.as_deref(),
        }
    }

    /// Whether this job implies that blob: its config blob always, its encryption-info blob and
    /// Backup's template each when it names one. The one home of that rule: a single run reading
    /// from storage and each `--jobs` entry (from storage or `--config-dir`) ask here.
    pub fn implies(&self, which: JobBlob) -> bool {
        match which {
            JobBlob::Config => true,
            JobBlob::EncryptionInfo => self.encryption_info_blob_name.is_some(),
            JobBlob::Template => self.template_blob_uri.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::normalize;
    use serde_json::json;

    fn parse_doc(v: Value) -> Result<RawJob> {
        parse(&normalize(v, "$")?, "test")
    }

    /// The real recorded `Recover disks` job (tests/data/PROVENANCE.md) names its source VM
    /// outside the bag, at `properties.entityFriendlyName`.
    #[test]
    fn the_source_vm_is_read_from_the_job_resource() {
        let doc: Value = serde_json::from_str(include_str!(
            "../../tests/data/recorded/job-restore-disks-msi.json"
        ))
        .expect("recorded job");
        let j = parse_doc(doc).expect("a restore job");
        let vm = j.source_vm.expect("the source VM");
        assert_eq!(
            (vm.value.as_str(), vm.path.as_str()),
            ("hiagavm", "$.properties.entityFriendlyName")
        );
        // The bare property bag names no source VM.
        let bag = parse_doc(
            serde_json::json!({"Config Blob Uri": "https://a.blob.core.windows.net/c/config.json"}),
        )
        .expect("bag");
        assert!(bag.source_vm.is_none());
    }

    #[test]
    fn three_shapes_give_the_same_job() {
        let bag = json!({"Recovery point time ": "1/7/2021 10:11:19 AM", "Config Blob Name": "c.json", "Job Type": "Recover disks"});
        let flat = parse_doc(bag.clone()).expect("flat");
        let rest = parse_doc(
            json!({"id": "x", "properties": {"extendedInfo": {"propertyBag": bag.clone()}}}),
        )
        .expect("rest");
        let ps = parse_doc(json!({"JobId": "x", "Properties": bag})).expect("ps");
        assert_eq!(
            flat.recovery_point_time.as_deref(),
            Some("1/7/2021 10:11:19 AM")
        );
        assert_eq!(flat.config_blob_name, rest.config_blob_name);
        assert_eq!(rest.config_blob_name, ps.config_blob_name);
    }

    #[test]
    fn trailing_space_variants_must_agree() {
        let e = parse_doc(json!({"Recovery point time ": "a", "recovery point time": "b"}))
            .expect_err("conflict");
        assert_eq!(e.code, Code::DuplicateKey);
    }

    /// The body of job-1's source (Azure/azure-powershell `TestAzureVMRestoreWithMSI.json`
    /// @10072744), with its status and bag as given.
    fn recorded(status: &str, bag: Value, location: &str) -> Value {
        json!({"id": "/subscriptions/38304e13-357e-405e-9e9a-220351dcce8c/resourceGroups/hiagarg/providers/Microsoft.RecoveryServices/vaults/hiagaVault/backupJobs/cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607",
            "properties": {"jobType": "AzureIaaSVMJob", "extendedInfo": {"propertyBag": bag,
                "internalPropertyBag": {"restoreLocationType": location}},
                "backupManagementType": "AzureIaasVM", "operation": "Restore", "status": status}})
    }

    #[test]
    fn only_a_completed_job_passes_and_its_status_is_kept() {
        // The recorded GET of 2021-10-26T04:23:40Z: still running, no blob names yet.
        let running = json!({"Job Type": "Recover disks", "Target VM Name": "vmName",
            "Target Storage Account Name": "hiagasa", "Recovery point time ": "10/26/2021 3:58:47 AM",
            "Target resource group": "hiagarg"});
        let e = parse_doc(recorded("InProgress", running.clone(), "RestoreDisks"))
            .expect_err("running");
        assert_eq!(e.code, Code::RestoreJobNotCompleted);
        assert!(
            e.message.contains("`InProgress`") && e.message.contains("still running"),
            "{}",
            e.message
        );
        assert_eq!(e.location.as_deref(), Some("$.properties.status"));
        let e = parse_doc(recorded("Failed", running.clone(), "RestoreDisks")).expect_err("failed");
        assert_eq!(e.code, Code::RestoreJobNotCompleted);
        assert!(e.message.contains("failed"), "{}", e.message);
        let j = parse_doc(recorded(
            "CompletedWithWarnings",
            running.clone(),
            "RestoreDisks",
        ))
        .expect("passes");
        assert_eq!(
            j.status.map(|s| s.value).as_deref(),
            Some("CompletedWithWarnings")
        );
        let j = parse_doc(recorded("Completed", running.clone(), "RestoreDisks")).expect("passes");
        assert_eq!(
            j.status.map(|s| s.path).as_deref(),
            Some("$.properties.status")
        );
        // PowerShell's job-detail object carries `Status` beside `Properties`.
        let e =
            parse_doc(json!({"JobId": "x", "Status": "InProgress", "Properties": running.clone()}))
                .expect_err("running");
        assert_eq!(e.location.as_deref(), Some("$.status"));
        // The flat bag has no status: nothing to judge.
        assert!(parse_doc(running).expect("bag").status.is_none());
    }

    #[test]
    fn only_a_restore_of_a_vms_disks_passes() {
        // job-3: an original-location "Replace disks" restore.
        let replace = json!({"Job Type": "Replace disks", "Target VM Name": "hiagavm"});
        let e =
            parse_doc(recorded("Completed", replace, "OriginalLocation")).expect_err("in place");
        assert_eq!(e.code, Code::UnsupportedRestoreJob);
        assert!(
            e.message
                .contains("replaces disks in place: nothing to deploy"),
            "{}",
            e.message
        );
        let e = parse_doc(recorded(
            "Completed",
            json!({"Job Type": "Recover disks"}),
            "OriginalLocation",
        ))
        .expect_err("in place");
        assert_eq!(
            e.location.as_deref(),
            Some("$.properties.extendedInfo.internalPropertyBag.restoreLocationType")
        );
        // SAP HANA (tutorial-sap-hana-restore-cli.md) and SQL (restore-azure-sql-vm-rest-api.md).
        let hana = json!({"properties": {"jobType": "AzureWorkloadJob", "workloadType": "SAPHanaDatabase",
            "extendedInfo": {"propertyBag": {"Job Type": "Restore as files"}}, "operation": "Restore", "status": "InProgress"}});
        let e = parse_doc(hana).expect_err("workload");
        assert_eq!(
            e.code,
            Code::UnsupportedRestoreJob,
            "the type is said before the state"
        );
        assert!(
            e.message.contains("`AzureWorkloadJob`") && e.message.contains("`SAPHanaDatabase`"),
            "{}",
            e.message
        );
        for name in [
            "Restore as files",
            "Recovery to the original database",
            "Replace disks",
        ] {
            let e = parse_doc(json!({"Job Type": name})).expect_err(name);
            assert_eq!(e.code, Code::UnsupportedRestoreJob, "{name}");
            assert!(e.message.contains(name), "{}", e.message);
        }
        parse_doc(recorded(
            "Completed",
            json!({"Job Type": "Recover disks"}),
            "RestoreDisks",
        ))
        .expect("a disk restore");
    }

    #[test]
    fn a_backup_job_is_not_a_restore_job() {
        let e = parse_doc(json!({"Job Type": "Backup", "Config Blob Name": "x"})).expect_err("no");
        assert_eq!(e.code, Code::NotARestoreJob);
    }
}
