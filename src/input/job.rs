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
        bag_path,
    };
    if let Some(t) = &job.job_type {
        let lower = t.to_ascii_lowercase();
        if !(lower.contains("recover") || lower.contains("restore")) {
            return Err(Error::new(
                Code::NotARestoreJob,
                format!("the job's type is `{t}`, not a restore"),
            )
            .source(origin)
            .doing(doing)
            .at(format!("{}[\"Job Type\"]", job.bag_path))
            .help("pass the details of the `Recover disks` job that restored this VM's disks"));
        }
    }
    Ok(job)
}

/// The property bag, wherever the shape puts it.
fn find_bag(doc: &Value) -> Option<(&Map<String, Value>, String)> {
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
            target_storage_account: self.target_storage_account.as_deref(),
        }
    }

    /// Whether this job implies that blob: its config blob always, its encryption-info blob
    /// when it names one. The one home of that rule: a single run reading from storage and each
    /// `--jobs` entry (from storage or `--config-dir`) ask here.
    pub fn implies(&self, which: JobBlob) -> bool {
        match which {
            JobBlob::Config => true,
            JobBlob::EncryptionInfo => self.encryption_info_blob_name.is_some(),
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

    #[test]
    fn a_backup_job_is_not_a_restore_job() {
        let e = parse_doc(json!({"Job Type": "Backup", "Config Blob Name": "x"})).expect_err("no");
        assert_eq!(e.code, Code::NotARestoreJob);
    }
}
