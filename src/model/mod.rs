//! The validated restore: a VM whose disks are all managed or all unmanaged, whose encryption is
//! one legal ADE case, and whose every decided fact remembers which input decided it.
//!
//! `build` is the one step from raw inputs to this model. It collects every problem it finds and
//! returns them together, so the user fixes a config in one round trip.

pub mod classify;
pub mod refs;
pub mod time;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Code, Error, Errors};
use crate::input::config::{RawDisk, RawVm};
use crate::input::encinfo::RawEncryptionInfo;
use crate::input::job::RawJob;
pub use classify::{Ade, Encryption, Flavour, Kek, VolumeType};

/// A value and the input that decided it (shown by `inspect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub by: String,
}

impl<T> Fact<T> {
    pub fn new(value: T, by: impl Into<String>) -> Self {
        Fact {
            value,
            by: by.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OsType {
    Windows,
    Linux,
}

impl OsType {
    pub fn as_str(self) -> &'static str {
        match self {
            OsType::Windows => "Windows",
            OsType::Linux => "Linux",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DiskKind {
    Managed,
    Unmanaged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DiskSource {
    Managed {
        id: String,
        storage_account_type: Option<String>,
    },
    Vhd {
        uri: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disk {
    pub name: String,
    pub source: DiskSource,
    pub caching: Option<String>,
    pub size_gb: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataDisk {
    pub lun: u8,
    pub disk: Disk,
}

/// All disks of one VM. Fields are private: the only way to build one is [`Disks::new`], which
/// refuses a mix of managed and unmanaged disks and duplicate LUNs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disks {
    kind: DiskKind,
    os: Disk,
    data: Vec<DataDisk>,
}

impl Disks {
    fn new(os: Disk, mut data: Vec<DataDisk>) -> Result<Self, Code> {
        let kind = kind_of(&os.source);
        if data.iter().any(|d| kind_of(&d.disk.source) != kind) {
            return Err(Code::MixedDiskKinds);
        }
        data.sort_by_key(|d| d.lun);
        if data.windows(2).any(|w| w[0].lun == w[1].lun) {
            return Err(Code::DuplicateLun);
        }
        Ok(Disks { kind, os, data })
    }
    pub fn kind(&self) -> DiskKind {
        self.kind
    }
    pub fn os(&self) -> &Disk {
        &self.os
    }
    /// Data disks in LUN order.
    pub fn data(&self) -> &[DataDisk] {
        &self.data
    }
}

fn kind_of(s: &DiskSource) -> DiskKind {
    match s {
        DiskSource::Managed { .. } => DiskKind::Managed,
        DiskSource::Vhd { .. } => DiskKind::Unmanaged,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveryPoint {
    pub at: DateTime<Utc>,
    pub raw: String,
}

impl RecoveryPoint {
    pub fn supports_templates(&self) -> bool {
        self.at >= time::template_support_from()
    }
}

/// Encryption choice from `--ade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdeChoice {
    #[default]
    Auto,
    Aad,
    NoAad,
    None,
}

/// Command-line values that override what the inputs say (SPEC §2 DEPLOYMENT OPTIONS).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub vm_name: Option<String>,
    pub location: Option<String>,
    pub vm_size: Option<String>,
    pub virtual_network: Option<String>,
    pub virtual_network_resource_group: Option<String>,
    pub subnet: Option<String>,
    pub public_ip: Option<bool>,
    pub availability_set_id: Option<String>,
    pub ade: AdeChoice,
    pub secret_url: Option<String>,
    pub key_url: Option<String>,
    pub key_vault_id: Option<String>,
    pub kek_vault_id: Option<String>,
    pub volume_type: Option<VolumeType>,
    pub recovery_point_time: Option<String>,
}

/// One parsed input and where it came from.
#[derive(Debug)]
pub struct Input<T> {
    pub origin: String,
    pub raw: T,
}

#[derive(Debug, Default)]
pub struct Inputs {
    pub config: Option<Input<RawVm>>,
    pub job: Option<Input<RawJob>>,
    pub encryption_info: Option<Input<RawEncryptionInfo>>,
    pub overrides: Overrides,
}

/// Where the new VM goes. Values are defaults for template/script parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    pub virtual_network: Option<String>,
    pub virtual_network_resource_group: Option<String>,
    pub subnet: Option<String>,
    pub public_ip: bool,
}

/// The validated restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restore {
    pub name: Fact<String>,
    pub location: Option<Fact<String>>,
    pub vm_size: Fact<String>,
    pub os: Fact<OsType>,
    pub license_type: Option<String>,
    pub zones: Vec<String>,
    /// In the source's order; names and values are user data, kept byte for byte.
    pub tags: Vec<(String, String)>,
    pub availability_set_id: Option<Fact<String>>,
    /// From the source VM's id; the key vault must be in it.
    pub subscription: Option<String>,
    pub disks: Disks,
    pub encryption: Encryption,
    pub recovery_point: Option<Fact<RecoveryPoint>>,
    pub network: Network,
}

/// Collects problems with their source, so all are reported together.
pub(crate) struct Problems {
    pub list: Vec<Error>,
    doing: &'static str,
}

impl Problems {
    fn new() -> Self {
        Problems {
            list: Vec::new(),
            doing: "validating the restore",
        }
    }
    pub(crate) fn add(
        &mut self,
        code: Code,
        message: impl Into<String>,
        source: Option<&str>,
        at: Option<String>,
        help: impl Into<String>,
    ) {
        let mut e = Error::new(code, message).doing(self.doing).help(help);
        if let Some(s) = source {
            e = e.source(s);
        }
        if let Some(a) = at {
            e = e.at(a);
        }
        self.list.push(e);
    }
}

const OS_DISK: &str = "$.properties.storageProfile.osDisk";

pub fn build(inputs: &Inputs) -> Result<Restore, Errors> {
    let mut p = Problems::new();
    let ov = &inputs.overrides;
    let empty = RawVm::default();
    let (vm, cfg_origin) = match &inputs.config {
        Some(c) => (&c.raw, Some(c.origin.as_str())),
        None => (&empty, None),
    };
    let cfg = |path: &str| match cfg_origin {
        Some(o) => format!("config {o} at {path}"),
        None => format!("config at {path}"),
    };
    let props = vm.properties.as_ref();

    unsupported_security(vm, cfg_origin, inputs.job.as_ref(), &mut p);

    let name = pick(
        ov.vm_name.as_deref(),
        "--vm-name",
        vm.name.as_deref(),
        cfg("$.name"),
    );
    let name = name.unwrap_or_else(|| {
        p.add(
            Code::MissingVmName,
            "the config names no VM",
            cfg_origin,
            Some("$.name".into()),
            "pass `--vm-name NAME`",
        );
        Fact::new(String::new(), "")
    });
    let location = pick(
        ov.location.as_deref(),
        "--location",
        vm.location.as_deref(),
        cfg("$.location"),
    );
    let size = props
        .and_then(|p| p.hardwareprofile.as_ref())
        .and_then(|h| h.vmsize.as_deref());
    let vm_size = pick(
        ov.vm_size.as_deref(),
        "--vm-size",
        size,
        cfg("$.properties.hardwareProfile.vmSize"),
    )
    .unwrap_or_else(|| {
        p.add(
            Code::MissingVmSize,
            "the config has no VM size",
            cfg_origin,
            Some("$.properties.hardwareProfile.vmSize".into()),
            "pass `--vm-size SIZE`, e.g. `--vm-size Standard_D2s_v3`",
        );
        Fact::new(String::new(), "")
    });
    let av_raw = props
        .and_then(|p| p.availabilityset.as_ref())
        .and_then(|a| a.id.as_deref());
    let availability_set_id = pick(
        ov.availability_set_id.as_deref(),
        "--availability-set-id",
        av_raw,
        cfg("$.properties.availabilitySet.id"),
    );

    let mut tags = Vec::new();
    for (k, v) in vm.tags.iter().flatten() {
        match v {
            serde_json::Value::String(s) => tags.push((k.clone(), s.clone())),
            _ => p.add(
                Code::UnexpectedValue,
                format!("the value of tag `{k}` is not a string"),
                cfg_origin,
                Some(format!("$.tags[{}]", serde_json::Value::String(k.clone()))),
                "tag values are strings; fix the config",
            ),
        }
    }

    let storage = props.and_then(|p| p.storageprofile.as_ref());
    let os_raw = storage.and_then(|s| s.osdisk.as_ref());
    let os = os_raw.and_then(|d| os_type(d, cfg_origin, &mut p));
    let os_disk = match os_raw {
        Some(d) => disk(d, OS_DISK, cfg_origin, &mut p),
        None => {
            p.add(Code::MissingOsDisk, "the config has no OS disk", cfg_origin, Some(OS_DISK.into()), "this does not look like a complete config blob; use the `Config Blob Uri` of the restore job");
            None
        }
    };
    let mut data = Vec::new();
    for (i, d) in storage
        .and_then(|s| s.datadisks.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = format!("$.properties.storageProfile.dataDisks[{i}]");
        let lun = match d.lun {
            Some(l) if (0..=63).contains(&l) => Some(l as u8),
            Some(l) => {
                p.add(
                    Code::InvalidLun,
                    format!("data disk LUN `{l}` is outside 0..=63"),
                    cfg_origin,
                    Some(format!("{path}.lun")),
                    "fix the LUN in the config",
                );
                None
            }
            None => {
                p.add(
                    Code::InvalidLun,
                    "a data disk has no LUN",
                    cfg_origin,
                    Some(format!("{path}.lun")),
                    "every data disk needs its LUN; fix the config",
                );
                None
            }
        };
        if let (Some(lun), Some(disk)) = (lun, disk(d, &path, cfg_origin, &mut p)) {
            data.push(DataDisk { lun, disk });
        }
    }
    let disks = match os_disk {
        Some(os_disk) => match Disks::new(os_disk, data) {
            Ok(d) => Some(d),
            Err(Code::MixedDiskKinds) => {
                p.add(Code::MixedDiskKinds, "the VM mixes managed disks and unmanaged (VHD) disks", cfg_origin, Some("$.properties.storageProfile".into()), "a VM's disks are all managed or all unmanaged; check that the config is not edited");
                None
            }
            Err(code) => {
                p.add(
                    code,
                    "two data disks share one LUN",
                    cfg_origin,
                    Some("$.properties.storageProfile.dataDisks".into()),
                    "each data disk needs its own LUN; fix the config",
                );
                None
            }
        },
        None => None,
    };

    let subscription = vm
        .id
        .as_deref()
        .and_then(refs::ArmId::subscription_of)
        .or_else(|| match disks.as_ref().map(|d| &d.os().source) {
            Some(DiskSource::Managed { id, .. }) => refs::ArmId::subscription_of(id),
            _ => None,
        });

    let encryption = classify::classify(inputs, subscription.as_deref(), &mut p);

    let recovery_point = recovery_point(inputs, &mut p);

    let network = Network {
        virtual_network: ov.virtual_network.clone(),
        virtual_network_resource_group: ov.virtual_network_resource_group.clone(),
        subnet: ov.subnet.clone(),
        public_ip: ov.public_ip.unwrap_or(true),
    };

    match (os, disks, encryption) {
        (Some(os), Some(disks), Some(encryption)) if p.list.is_empty() => Ok(Restore {
            name,
            location,
            vm_size,
            os,
            license_type: props.and_then(|p| p.licensetype.clone()),
            zones: vm.zones.clone().unwrap_or_default(),
            tags,
            availability_set_id,
            subscription,
            disks,
            encryption,
            recovery_point,
            network,
        }),
        _ => {
            if p.list.is_empty() {
                p.list
                    .push(Error::internal("validation failed without a reason"));
            }
            Err(Errors(p.list))
        }
    }
}

/// The first of: the command line, then the input.
fn pick(
    flag: Option<&str>,
    flag_name: &str,
    input: Option<&str>,
    input_by: String,
) -> Option<Fact<String>> {
    match (flag, input) {
        (Some(f), _) => Some(Fact::new(f.to_owned(), flag_name)),
        (None, Some(v)) if !v.is_empty() => Some(Fact::new(v.to_owned(), input_by)),
        _ => None,
    }
}

fn os_type(d: &RawDisk, origin: Option<&str>, p: &mut Problems) -> Option<Fact<OsType>> {
    let at = format!("{OS_DISK}.osType");
    let by = format!("config {} at {at}", origin.unwrap_or("-"));
    match d.ostype.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("windows") => Some(Fact::new(OsType::Windows, by)),
        Some("linux") => Some(Fact::new(OsType::Linux, by)),
        other => {
            let msg = match other {
                Some(_) => format!(
                    "unknown OS type `{}`",
                    d.ostype.as_deref().unwrap_or_default()
                ),
                None => "the OS disk has no OS type".to_owned(),
            };
            p.add(
                Code::UnknownOsType,
                msg,
                origin,
                Some(at),
                "the OS disk's `osType` must be `Windows` or `Linux`; fix the config",
            );
            None
        }
    }
}

fn disk(d: &RawDisk, path: &str, origin: Option<&str>, p: &mut Problems) -> Option<Disk> {
    let managed_id = d.manageddisk.as_ref().and_then(|m| m.id.as_deref());
    let vhd = d.vhd.as_ref().and_then(|v| v.uri.as_deref());
    let source = match (managed_id, vhd) {
        (Some(_), Some(_)) => {
            p.add(
                Code::DiskHasBothVhdAndManagedDisk,
                "the disk has both `vhd.uri` and `managedDisk.id`",
                origin,
                Some(path.to_owned()),
                "a disk is either managed or a VHD blob; check that the config is not edited",
            );
            return None;
        }
        (None, None) => {
            p.add(
                Code::DiskHasNoSource,
                "the disk has neither `managedDisk.id` nor `vhd.uri`",
                origin,
                Some(path.to_owned()),
                "the config must name the restored disk; use the config blob of the restore job",
            );
            return None;
        }
        (Some(id), None) => {
            let ok = refs::ArmId::parse(id).is_some_and(|a| {
                a.provider.eq_ignore_ascii_case("Microsoft.Compute")
                    && a.types.len() == 1
                    && a.types[0].0.eq_ignore_ascii_case("disks")
            });
            if !ok {
                p.add(Code::InvalidManagedDiskId, format!("`{id}` is not a managed disk resource id"), origin, Some(format!("{path}.managedDisk.id")), "expected `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/disks/<name>`");
                return None;
            }
            DiskSource::Managed {
                id: id.to_owned(),
                storage_account_type: d
                    .manageddisk
                    .as_ref()
                    .and_then(|m| m.storageaccounttype.clone()),
            }
        }
        (None, Some(uri)) => {
            let ok = url::Url::parse(uri).is_ok_and(|u| {
                matches!(u.scheme(), "https" | "http")
                    && u.host_str().is_some_and(|h| !h.is_empty())
            });
            if !ok {
                p.add(
                    Code::InvalidVhdUri,
                    format!("`{uri}` is not a VHD blob URL"),
                    origin,
                    Some(format!("{path}.vhd.uri")),
                    "expected `https://<account>.blob.core.windows.net/<container>/<disk>.vhd`",
                );
                return None;
            }
            DiskSource::Vhd {
                uri: uri.to_owned(),
            }
        }
    };
    let size_gb = match d.disksizegb {
        None => None,
        Some(s) if (1..=65536).contains(&s) => Some(s as u32),
        Some(s) => {
            p.add(
                Code::InvalidDiskSize,
                format!("disk size `{s}` GB is not possible"),
                origin,
                Some(format!("{path}.diskSizeGB")),
                "fix or remove `diskSizeGB`",
            );
            return None;
        }
    };
    let name = d
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| default_disk_name(&source));
    Some(Disk {
        name,
        source,
        caching: d.caching.clone(),
        size_gb,
    })
}

/// A disk with no `name`: the last segment of its id or blob name without `.vhd`.
fn default_disk_name(s: &DiskSource) -> String {
    match s {
        DiskSource::Managed { id, .. } => id.rsplit('/').next().unwrap_or_default().to_owned(),
        DiskSource::Vhd { uri } => {
            let last = uri.split(['?', '#']).next().unwrap_or_default();
            let last = last.rsplit('/').next().unwrap_or_default();
            last.strip_suffix(".vhd").unwrap_or(last).to_owned()
        }
    }
}

fn unsupported_security(
    vm: &RawVm,
    origin: Option<&str>,
    job: Option<&Input<RawJob>>,
    p: &mut Problems,
) {
    let props = vm.properties.as_ref();
    let cvm = props
        .and_then(|p| p.securityprofile.as_ref())
        .and_then(|s| s.securitytype.as_deref())
        .is_some_and(|t| t.eq_ignore_ascii_case("ConfidentialVM"));
    if cvm {
        p.add(Code::UnsupportedConfidentialVm, "the source is a Confidential VM", origin, Some("$.properties.securityProfile.securityType".into()), "Confidential VM restores use a disk encryption set, not ADE; follow Azure's Confidential VM restore guide");
    }
    if let Some(j) = job.filter(|j| j.raw.secured_encryption_info_blob_name.is_some()) {
        p.add(Code::UnsupportedConfidentialVm, "the job names a `Secured Encryption Info Blob Name` (a Confidential VM restore)", Some(&j.origin), Some(format!("{}[\"Secured Encryption Info Blob Name\"]", j.raw.bag_path)), "Confidential VM restores use a disk encryption set, not ADE; follow Azure's Confidential VM restore guide");
    }
    let storage = props.and_then(|p| p.storageprofile.as_ref());
    let disks = storage
        .and_then(|s| s.osdisk.as_ref())
        .map(|d| (OS_DISK.to_owned(), d))
        .into_iter()
        .chain(
            storage
                .and_then(|s| s.datadisks.as_ref())
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, d)| (format!("$.properties.storageProfile.dataDisks[{i}]"), d)),
        );
    for (path, d) in disks {
        let Some(m) = d.manageddisk.as_ref() else {
            continue;
        };
        if m.diskencryptionset
            .as_ref()
            .and_then(|s| s.id.as_ref())
            .is_some()
        {
            p.add(Code::UnsupportedDiskEncryptionSet, "the disk is encrypted with a disk encryption set (SSE with a customer-managed key)", origin, Some(format!("{path}.managedDisk.diskEncryptionSet")), "restore-deploy handles Azure Disk Encryption only; restore SSE+CMK disks with the template Azure Backup generated");
        }
        if m.securityprofile.is_some() && !cvm {
            p.add(Code::UnsupportedConfidentialVm, "the disk has a security profile (a Confidential VM disk)", origin, Some(format!("{path}.managedDisk.securityProfile")), "Confidential VM restores use a disk encryption set, not ADE; follow Azure's Confidential VM restore guide");
        }
    }
}

fn recovery_point(inputs: &Inputs, p: &mut Problems) -> Option<Fact<RecoveryPoint>> {
    let (raw, by, source, at) = match (&inputs.overrides.recovery_point_time, &inputs.job) {
        (Some(t), _) => (t.clone(), "--recovery-point-time".to_owned(), None, None),
        (None, Some(j)) => {
            let t = j.raw.recovery_point_time.clone()?;
            let at = format!("{}[\"Recovery point time \"]", j.raw.bag_path);
            (
                t,
                format!("job {} at {at}", j.origin),
                Some(j.origin.clone()),
                Some(at),
            )
        }
        (None, None) => return None,
    };
    match time::parse(&raw) {
        Ok(at) => Some(Fact::new(RecoveryPoint { at, raw }, by)),
        Err(msg) => {
            p.add(
                Code::InvalidRecoveryPointTime,
                msg,
                source.as_deref(),
                at,
                "pass `--recovery-point-time` as RFC 3339, e.g. `2019-12-25T22:07:11Z`",
            );
            None
        }
    }
}
