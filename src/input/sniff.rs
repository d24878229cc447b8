//! What a file is, when it is given in the wrong slot: a restore job, a job list, a config blob,
//! an encryption-info blob, Azure Backup's own template, or `az` output in YAML or TSV. One
//! `WrongInputKind` error names what the file is and the flag it belongs to, instead of the
//! cascade the wrong slot's own checks would give (a job read as a config "has no VM size").
//!
//! Each shape is recognised by what only it has (keys are already normalised to lower case):
//! - a job: a property bag with `Config Blob Uri` and the like (`job::find_bag`, the same rule
//!   that reads it); a list of them is `az backup job list`'s JSON array, or a REST list's
//!   `{"value": [...]}`;
//! - a config blob (the VM model Azure Backup serialises): `properties.storageProfile`;
//! - an encryption-info blob: `OsDiskKeyAndSecretDetails`;
//! - a template: `$schema` naming `deploymentTemplate.json`, or `contentVersion` with
//!   `resources` (Azure Backup's `azuredeploy<job id>.json` has both).

use serde_json::Value;

use crate::error::{Code, Error};

/// The slots, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Config,
    Job,
    EncryptionInfo,
    Template,
}

impl Slot {
    fn flag(self) -> &'static str {
        match self {
            Slot::Config => "--config",
            Slot::Job => "--job",
            Slot::EncryptionInfo => "--encryption-info",
            Slot::Template => "--template",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Job,
    JobList(usize),
    Config,
    EncryptionInfo,
    Template,
}

impl Kind {
    /// The slot the file belongs in, if any.
    fn slot(self) -> Option<Slot> {
        match self {
            Kind::Job => Some(Slot::Job),
            Kind::JobList(_) => None,
            Kind::Config => Some(Slot::Config),
            Kind::EncryptionInfo => Some(Slot::EncryptionInfo),
            Kind::Template => Some(Slot::Template),
        }
    }
}

/// What a parsed (normalised) document is, when it is one of the shapes above.
pub fn classify(doc: &Value) -> Option<Kind> {
    if let Some(items) = doc
        .as_array()
        .or_else(|| doc.get("value").and_then(Value::as_array))
    {
        let jobs = items.iter().filter(|i| is_listed_job(i)).count();
        return (jobs > 0 && jobs == items.len()).then_some(Kind::JobList(jobs));
    }
    let map = doc.as_object()?;
    if map.contains_key("osdiskkeyandsecretdetails") {
        return Some(Kind::EncryptionInfo);
    }
    let schema = map
        .get("$schema")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if schema
        .to_ascii_lowercase()
        .contains("deploymenttemplate.json")
        || (map.contains_key("contentversion") && map.contains_key("resources"))
    {
        return Some(Kind::Template);
    }
    if is_job(doc) {
        return Some(Kind::Job);
    }
    let props = map.get("properties");
    if props.and_then(|p| p.get("storageprofile")).is_some() || map.contains_key("storageprofile") {
        return Some(Kind::Config);
    }
    None
}

fn is_job(doc: &Value) -> bool {
    super::job::find_bag(doc).is_some()
}

/// An item of a job list: a restore job, or any job resource (`az backup job list` without
/// `--operation Restore` lists backup jobs too).
fn is_listed_job(doc: &Value) -> bool {
    is_job(doc)
        || doc
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.RecoveryServices/vaults/backupJobs"))
}

/// `WrongInputKind` when `doc`, given as `slot`, is recognisably another kind of file.
pub fn check(doc: &Value, slot: Slot, origin: &str) -> Result<(), Error> {
    let Some(kind) = classify(doc) else {
        return Ok(());
    };
    if kind.slot() == Some(slot) {
        return Ok(());
    }
    let (what, help) = match kind {
        Kind::Job => (
            "the restore job's details (it has the job's `Config Blob Uri`)".to_string(),
            match slot {
                Slot::Config => "pass it with `--job`: the config blob is the one it names (or download that blob and pass it with `--config`)".to_string(),
                _ => "pass it with `--job`".to_string(),
            },
        ),
        Kind::JobList(n) => (
            format!("a list of {n} job{} (`az backup job list`)", if n == 1 { "" } else { "s" }),
            "pass one job with `--job` (`az backup job show -g <group> -v <vault> -n <job id>`), or save each job to a file and pass the folder with `--jobs`".to_string(),
        ),
        Kind::Config => (
            "a config blob (the VM's model: `properties.storageProfile`)".to_string(),
            "pass it with `--config`; `--job` takes the restore job's details (`az backup job show`)".to_string(),
        ),
        Kind::EncryptionInfo => (
            "the encryption-info blob (it has `OsDiskKeyAndSecretDetails`)".to_string(),
            "pass it with `--encryption-info`".to_string(),
        ),
        Kind::Template => (
            "an ARM template, such as Azure Backup's own `azuredeploy<job id>.json`, not the config blob".to_string(),
            "pass Backup's template with `--template`; the config blob is the job's `config-<vm>-<job id>.json`".to_string(),
        ),
    };
    Err(Error::new(
        Code::WrongInputKind,
        format!("the file given as `{}` is {what}", slot.flag()),
    )
    .source(origin)
    .doing(format!("reading the file given as `{}`", slot.flag()))
    .help(help))
}

/// `az` output in another format than JSON (`az config set core.output=yaml`, or `-o yaml` /
/// `-o tsv` / `-o table`), recognised from text that did not parse as JSON.
pub fn other_az_output(text: &str) -> Option<&'static str> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(40)
        .collect();
    let first = lines.first()?.trim_start_matches('\u{feff}');
    if first.starts_with('{') || first.starts_with('[') || first.starts_with('<') {
        return None;
    }
    // YAML as az writes it: `key: value` mappings, or `- ` list items, at the first line.
    let yaml_key = |l: &str| {
        let l = l.trim_start_matches("- ").trim_start();
        l.split_once(':').is_some_and(|(k, rest)| {
            !k.is_empty()
                && !k.contains('\t')
                && !k.contains('"')
                && (rest.is_empty() || rest.starts_with(' '))
        })
    };
    if lines.iter().filter(|l| yaml_key(l)).count() * 2 > lines.len() {
        return Some("YAML");
    }
    if lines.iter().all(|l| l.contains('\t')) {
        return Some("TSV");
    }
    if lines.len() >= 2 && lines[1].trim_start().starts_with("---") {
        return Some("a table");
    }
    None
}
