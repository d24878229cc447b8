//! `inspect --json`: a public contract, not the internal model. Tools read these types, so their
//! shape changes only by the rules in `schemas/inspect.schema.json` (README, "inspect --json"):
//! adding a member keeps [`SCHEMA_VERSION`], removing or renaming one bumps it. Keys are camelCase
//! as `az` prints them; optional members are left out rather than `null`; collections are always
//! present, possibly empty.
//!
//! The model is mapped here, field by field, with every struct destructured without `..`: a new
//! model field does not compile until this file says whether tools see it (and the schema, which
//! every fixture's output is validated against, says how). No key material can appear: the model
//! never holds any.

use serde::{Serialize, Serializer};

use crate::error::{Error, Errors};
use crate::model::time::TemplateSupport;
use crate::model::{self, ade_extension, By, Encryption as ModelEncryption, Flavour};

use super::describe;

/// The version of the document shape. Additive changes keep it; a removal, a rename or a change of
/// meaning bumps it.
pub const SCHEMA_VERSION: u32 = 1;

/// What `inspect --json` prints for a restore it could read (`$defs/inspection` in the schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The case slug the `--jobs` summary shows: `managed-bek-kek-noaad-linux`,
    /// `unmanaged-unencrypted-windows`.
    pub case: String,
    /// The case in words, as every output's first line says it.
    pub description: String,
    /// Whether `generate --format arm` accepts this restore's recovery point.
    pub arm_template: ArmTemplate,
    /// Every decided fact, each with the input that decided it.
    pub restore: Restore,
}

/// The answer to "can this restore be deployed with an ARM template?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ArmTemplate {
    /// The recovery point is on or after 2017-04-26.
    Allowed,
    /// Before 2017-04-26: use `--format powershell`.
    RecoveryPointTooOld,
    /// No input gives the recovery point time: pass `--job` or `--recovery-point-time`.
    RecoveryPointTimeUnknown,
}

/// The restore as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restore {
    /// The source VM's name (or `--vm-name` when the config names none).
    pub source_vm_name: Fact<String>,
    /// The new VM's name, from `--vm-name` only; absent: a required deployment parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_name: Option<Fact<String>>,
    /// The region; absent: the resource group's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Fact<String>>,
    pub vm_size: Fact<String>,
    /// `Windows` or `Linux`.
    pub os_type: Fact<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_type: Option<String>,
    /// Availability zones, as the source had them.
    pub zones: Vec<String>,
    /// The source's tags, names and values byte for byte, in the source's order.
    pub tags: Tags,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_set_id: Option<Fact<String>>,
    /// The Marketplace purchase plan the OS disk needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Present when the source is a Trusted Launch VM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_launch: Option<TrustedLaunch>,
    /// The source's managed identities, re-created on the new VM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `priority`, `evictionPolicy`, `billingProfile.maxPrice`, as the source states them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot: Option<Spot>,
    /// The source's extensions other than Azure Disk Encryption: NOT re-installed on the new VM.
    pub extensions_not_reinstalled: Vec<SourceExtension>,
    /// Proximity placement group, dedicated host or group, capacity reservation group,
    /// capabilities and disk controller type, as the source had them; absent: none of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The storage account URI boot diagnostics write to, the source's; absent: managed storage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_diagnostics_storage_uri: Option<Fact<String>>,
    /// The source's network interfaces and what each becomes.
    pub source_network_interfaces: Vec<SourceNic>,
    /// The source's fields that no output carries, each with the reason (issue 18).
    pub not_carried: Vec<NotCarried>,
    /// The source VM's subscription; the key vault must be in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub disks: Disks,
    pub encryption: Encryption,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_point: Option<RecoveryPoint>,
    pub network: Network,
    /// For restored VHDs: the resource group of the storage account that holds them (the job's
    /// `Target resource group`), from which the disks are imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhd_storage_account_resource_group: Option<Fact<String>>,
    /// What runs before the deployment (`prepare.ps1`, or the script's first steps).
    pub prepare: Prepare,
    /// What the operator should check before deploying, one sentence each.
    pub warnings: Vec<String>,
}

/// A value and the input that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fact<T> {
    pub value: T,
    pub decided_by: Provenance,
}

/// Which input decided a fact, and where in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub input: Input,
    /// The input's file, `-` for standard input, or its URL with any SAS signature redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The JSON path inside `file`, in Azure's spelling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The command-line option, with its value when the value is the decision (`--ade no-aad`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// The rule that decided, in words, when no input stated the value itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The kinds of input a fact can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Input {
    /// A command-line option.
    Option,
    /// The config blob (the source VM's model), its ADE extension included.
    Config,
    /// The restore job's details.
    Job,
    /// The encryption-info blob.
    EncryptionInfo,
    /// Azure Backup's own template of the restore (`--template`).
    Template,
    /// A rule, because no input decided.
    Default,
}

/// Tags as a JSON object, in the source's order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(pub Vec<(String, String)>);

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// A Marketplace purchase plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotion_code: Option<String>,
}

/// A Trusted Launch profile; each setting only where the source states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedLaunch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_boot_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v_tpm_enabled: Option<bool>,
}

/// The source's managed identities as the new VM gets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// A system-assigned identity is enabled on the new VM: a NEW principal, to which role
    /// assignments and Key Vault access policies must be granted again.
    pub system_assigned: bool,
    /// True exactly when `systemAssigned` is: the new VM's principal id is not the source's.
    pub new_principal: bool,
    /// The source's system-assigned principal id, when the config holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_principal_id: Option<String>,
    /// User-assigned identities, re-attached by resource id.
    pub user_assigned_identities: Vec<String>,
    /// ADE's own managed identity (`securityProfile.encryptionIdentity`), one of the above.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_identity: Option<Fact<String>>,
    pub decided_by: Provenance,
}

/// Priority and Spot settings, carried as the source had them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spot {
    /// `Regular`, `Low` or `Spot`.
    pub priority: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eviction_policy: Option<String>,
    /// US dollars per hour; -1: up to the pay-as-you-go price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_price: Option<serde_json::Number>,
    pub decided_by: Provenance,
}

/// An extension of the source that the new VM does not get again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceExtension {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub publisher: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `typeHandlerVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub decided_by: Provenance,
}

/// Where the source ran and what it could do; each id is a deployment parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proximity_placement_group_id: Option<Fact<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_id: Option<Fact<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_group_id: Option<Fact<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_reservation_group_id: Option<Fact<String>>,
    #[serde(rename = "ultraSSDEnabled", skip_serializing_if = "Option::is_none")]
    pub ultra_ssd_enabled: Option<Fact<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hibernation_enabled: Option<Fact<bool>>,
    /// `SCSI` or `NVMe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_controller_type: Option<Fact<String>>,
}

/// A field of the source's model that the outputs do not carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotCarried {
    /// The field (or the object of fields) in Azure's spelling, `[]` for array elements.
    pub field: String,
    pub reason: String,
}

/// A network interface of the source VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceNic {
    pub id: String,
    pub primary: bool,
    /// Its place on the new VM (0: the primary), the index `--nic-subnet` takes.
    pub index: usize,
    /// `newNetworkInterface`: a new NIC stands in for it; `reused`: attached by id
    /// (`--reuse-source-nics`).
    pub becomes: NicFate,
    /// The new NIC's subnet when `--nic-subnet` gives one; absent: the network's subnet (or,
    /// reused, the NIC's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<Fact<String>>,
    /// The source's flag, where the config states it (its `networkInterfaceConfigurations`);
    /// absent: Azure's default (off) on a new NIC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accelerated_networking: Option<Fact<bool>>,
    #[serde(rename = "ipForwarding", skip_serializing_if = "Option::is_none")]
    pub ip_forwarding: Option<Fact<bool>>,
    pub decided_by: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NicFate {
    NewNetworkInterface,
    Reused,
}

/// The restored disks: all managed or all unmanaged (VHD blobs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disks {
    pub kind: DiskKind,
    pub os_disk: Disk,
    /// In LUN order.
    pub data_disks: Vec<DataDisk>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiskKind {
    Managed,
    Unmanaged,
}

/// One restored disk: exactly one of `managedDisk` and `vhd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disk {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_disk: Option<ManagedDisk>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhd: Option<Vhd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caching: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedDisk {
    /// The restored managed disk's name (the attached disk's name too).
    pub name: String,
    /// The resource group that holds it.
    pub resource_group: String,
    /// Its whole resource id, when an input gave one; absent when the config only names the disk
    /// and the id is derived at deployment in `resourceGroup` (as Azure Backup's own template does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Which input decided the disk (or, for a named disk, its resource group).
    pub decided_by: Provenance,
    /// How the disk was told from the one the config named, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_account_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vhd {
    /// The restored VHD blob's URL.
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDisk {
    pub lun: u8,
    #[serde(flatten)]
    pub disk: Disk,
}

/// The encryption case. Every member but `kind` and `decidedBy` is absent when `kind` is `none`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Encryption {
    pub kind: EncryptionKind,
    /// The input that decided the kind.
    pub decided_by: Provenance,
    /// The BEK secret URL; absent for single-pass on managed disks, whose restored OS disk
    /// carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_url: Option<Fact<String>>,
    /// The key vault's URI (`https://<vault>.vault.azure.net/`): ADE's `KeyVaultURL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_vault_url: Option<Fact<String>>,
    /// The key vault's resource id: ADE's `KeyVaultResourceId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_vault_id: Option<Fact<String>>,
    /// Present for BEK + KEK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_encryption_key: Option<KeyEncryptionKey>,
    /// `All`, `Data` or `OS`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<Fact<String>>,
    /// The Azure AD application id, dual-pass only, when an input names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aad_client_id: Option<Fact<String>>,
    /// The ADE extension the output re-applies (by OS and kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
}

/// Azure Disk Encryption's two flavours, as Azure's documentation names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EncryptionKind {
    /// Not encrypted with Azure Disk Encryption.
    None,
    /// Azure Disk Encryption without Azure AD: settings on the disks.
    AdeSinglePass,
    /// Azure Disk Encryption with Azure AD: settings on the VM model.
    AdeDualPass,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyEncryptionKey {
    /// The KEK's versioned key URL: ADE's `KeyEncryptionKeyURL`.
    pub key_url: Fact<String>,
    /// The KEK vault's resource id: ADE's `KekVaultResourceId`.
    pub key_vault_id: Fact<String>,
    /// `RSA-OAEP`, `RSA-OAEP-256` or `RSA1_5`.
    pub algorithm: Fact<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub publisher: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub type_handler_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPoint {
    /// RFC 3339, UTC.
    pub time: String,
    /// As the input wrote it.
    pub as_written: String,
    pub decided_by: Provenance,
}

/// Where the new VM goes: defaults of the template's or script's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Network {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_network_resource_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    pub public_ip: bool,
    /// Which input gave the network defaults above when it was not options alone (Azure Backup's
    /// template); absent when options gave them or there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults_decided_by: Option<Provenance>,
    /// The new NIC's network security group: the source NIC's, from Azure Backup's template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_security_group_id: Option<Fact<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepare {
    /// `--restore-keys`: where a missing BEK secret or KEK is restored to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_keys: Option<RestoreKeys>,
    /// Why Azure Backup may have restored the disks without their ADE settings.
    pub at_risk: Vec<AtRisk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreKeys {
    pub target_key_vault_id: String,
    /// The encryption-info blob's URL without its SAS, which the script reads at run time;
    /// absent when it was a local file (the script then asks for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_info_url: Option<String>,
    /// The source VM's name, which ADE tags a BEK secret with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum AtRisk {
    /// More disks than Azure Backup restores with their ADE settings.
    #[serde(rename_all = "camelCase")]
    ManyDisks { disks: usize },
    /// A disk larger than Azure Backup restores with its ADE settings.
    #[serde(rename_all = "camelCase")]
    LargeDisk { disk: String, disk_size_gb: u32 },
}

/// What `inspect --json` prints when the run fails (`$defs/failure`): the errors also printed on
/// stderr, and the exit status as documented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub schema_version: u32,
    pub errors: Vec<ErrorObject>,
    /// What a single `inspect --json` read before the restore failed to build (newcomer row 5);
    /// absent when nothing was read (a usage error, a file that could not be read or parsed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<Found>,
}

/// The facts the inputs give, read without validation, for a restore that could not be built
/// (`$defs/found`): each present when found, named in `missing` when not, and what says the VM
/// is encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Found {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_vm_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vm_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_type: Option<String>,
    /// The OS disk's name; absent when the config has no OS disk (`osDisk` in `missing`) or
    /// names none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_disk_name: Option<String>,
    /// How many data disks the config lists.
    pub data_disks: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_point_time: Option<String>,
    /// The facts not found, by these keys (`osDisk` for a config without an OS disk).
    pub missing: Vec<&'static str>,
    /// Whether anything says the VM used Azure Disk Encryption.
    pub encrypted: bool,
    /// What says so, one sentence each.
    pub encryption_evidence: Vec<String>,
}

/// One error (`$defs/error`), as `--jobs --json` lines and [`Failure`] carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorObject {
    /// The stable code (README, "Error codes").
    pub code: &'static str,
    pub message: String,
    /// The input's file, `-`, or URL (SAS redacted); `null` when no input is at fault.
    pub source: Option<String>,
    /// JSON path or `line L, column C` inside `source`; `null` when there is none.
    pub location: Option<String>,
    /// The underlying causes, outermost first, as stderr's `caused by:` lines (newcomer row 30).
    pub causes: Vec<String>,
    /// The next step.
    pub help: String,
}

impl From<&Error> for ErrorObject {
    fn from(e: &Error) -> Self {
        ErrorObject {
            code: e.code.as_str(),
            message: e.message.clone(),
            source: e.source.clone(),
            location: e.location.clone(),
            causes: e.causes.clone(),
            help: e
                .help
                .clone()
                .unwrap_or_else(|| e.code.default_help().to_owned()),
        }
    }
}

/// Every error of a failed run.
pub fn errors(e: &Errors) -> Vec<ErrorObject> {
    e.0.iter().map(ErrorObject::from).collect()
}

/// The failure document: pretty-printed as `inspect --json` prints its product, or on one line
/// where the output is JSON lines (`--jobs --json`).
pub fn failure(e: &Errors, one_line: bool) -> Result<String, Error> {
    failure_with(e, None, one_line)
}

/// The failure document with what was found before the failure.
pub fn failure_with(e: &Errors, found: Option<Found>, one_line: bool) -> Result<String, Error> {
    let doc = Failure {
        schema_version: SCHEMA_VERSION,
        errors: errors(e),
        found,
    };
    if one_line {
        super::to_json_line(&doc)
            .map(|s| s + "\n")
            .map_err(|e| Error::internal(format!("cannot print the errors: {e}")))
    } else {
        print(&doc)
    }
}

/// The inspection document of a restore.
pub fn json(r: &model::Restore) -> Result<String, Error> {
    print(&inspection(r))
}

fn print<T: Serialize>(doc: &T) -> Result<String, Error> {
    super::to_json_pretty(doc)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| Error::internal(format!("cannot print the inspection: {e}")))
}

pub fn arm_template(r: &model::Restore) -> ArmTemplate {
    match r.template_support() {
        TemplateSupport::FirstDay | TemplateSupport::Supported => ArmTemplate::Allowed,
        TemplateSupport::Before => ArmTemplate::RecoveryPointTooOld,
        TemplateSupport::Unknown => ArmTemplate::RecoveryPointTimeUnknown,
    }
}

pub fn inspection(r: &model::Restore) -> Inspection {
    Inspection {
        schema_version: SCHEMA_VERSION,
        case: describe::slug(r),
        description: describe::case(r),
        arm_template: arm_template(r),
        restore: restore(r),
    }
}

fn restore(r: &model::Restore) -> Restore {
    let model::Restore {
        name,
        vm_name,
        location,
        vm_size,
        os,
        license_type,
        zones,
        tags,
        availability_set_id,
        plan,
        trusted_launch,
        identity,
        encryption_identity,
        spot,
        extensions,
        placement,
        not_carried,
        boot_diagnostics_storage,
        nics,
        reuse_source_nics,
        subscription,
        disks,
        encryption,
        recovery_point,
        network,
        vhd_storage_account_group,
        prepare,
        warnings,
    } = r;
    Restore {
        source_vm_name: fact(name, String::clone),
        vm_name: vm_name.as_ref().map(|f| fact(f, String::clone)),
        location: location.as_ref().map(|f| fact(f, String::clone)),
        vm_size: fact(vm_size, String::clone),
        os_type: fact(os, |o| o.as_str().to_owned()),
        license_type: license_type.clone(),
        zones: zones.clone(),
        tags: Tags(tags.clone()),
        availability_set_id: availability_set_id.as_ref().map(|f| fact(f, String::clone)),
        plan: plan.as_ref().map(self::plan),
        trusted_launch: trusted_launch.as_ref().map(|t| {
            let model::TrustedLaunch { secure_boot, vtpm } = t;
            TrustedLaunch {
                secure_boot_enabled: *secure_boot,
                v_tpm_enabled: *vtpm,
            }
        }),
        identity: identity.as_ref().map(|i| {
            let model::Identity {
                system_assigned,
                user_assigned,
                source_principal_id,
                by,
            } = i;
            Identity {
                system_assigned: *system_assigned,
                new_principal: *system_assigned,
                source_principal_id: source_principal_id.clone(),
                user_assigned_identities: user_assigned.clone(),
                encryption_identity: encryption_identity.as_ref().map(|f| fact(f, String::clone)),
                decided_by: provenance(by),
            }
        }),
        spot: spot.as_ref().map(|s| {
            let model::Spot {
                priority,
                eviction_policy,
                max_price,
                by,
            } = s;
            Spot {
                priority: priority.clone(),
                eviction_policy: eviction_policy.clone(),
                max_price: max_price.clone(),
                decided_by: provenance(by),
            }
        }),
        extensions_not_reinstalled: extensions
            .iter()
            .map(|e| {
                let model::SourceExtension {
                    name,
                    publisher,
                    kind,
                    version,
                    by,
                } = e;
                SourceExtension {
                    name: name.clone(),
                    publisher: publisher.clone(),
                    kind: kind.clone(),
                    version: version.clone(),
                    decided_by: provenance(by),
                }
            })
            .collect(),
        placement: (!placement.is_empty()).then(|| {
            let model::Placement {
                proximity_placement_group,
                host,
                host_group,
                capacity_reservation_group,
                ultra_ssd,
                hibernation,
                disk_controller_type,
            } = placement;
            let id = |f: &Option<model::Fact<String>>| f.as_ref().map(|f| fact(f, String::clone));
            Placement {
                proximity_placement_group_id: id(proximity_placement_group),
                host_id: id(host),
                host_group_id: id(host_group),
                capacity_reservation_group_id: id(capacity_reservation_group),
                ultra_ssd_enabled: ultra_ssd.as_ref().map(|f| fact(f, |b| *b)),
                hibernation_enabled: hibernation.as_ref().map(|f| fact(f, |b| *b)),
                disk_controller_type: id(disk_controller_type),
            }
        }),
        boot_diagnostics_storage_uri: boot_diagnostics_storage
            .as_ref()
            .map(|f| fact(f, String::clone)),
        source_network_interfaces: nics
            .iter()
            .enumerate()
            .map(|(index, n)| {
                let model::SourceNic {
                    id,
                    primary,
                    accelerated_networking,
                    ip_forwarding,
                    subnet_id,
                    by,
                } = n;
                SourceNic {
                    id: id.clone(),
                    primary: *primary,
                    index,
                    becomes: if *reuse_source_nics {
                        NicFate::Reused
                    } else {
                        NicFate::NewNetworkInterface
                    },
                    subnet_id: subnet_id.as_ref().map(|f| fact(f, String::clone)),
                    accelerated_networking: accelerated_networking
                        .as_ref()
                        .map(|f| fact(f, |b| *b)),
                    ip_forwarding: ip_forwarding.as_ref().map(|f| fact(f, |b| *b)),
                    decided_by: provenance(by),
                }
            })
            .collect(),
        not_carried: not_carried
            .iter()
            .map(|n| {
                let model::not_carried::NotCarried { field, reason } = n;
                NotCarried {
                    field: (*field).to_owned(),
                    reason: (*reason).to_owned(),
                }
            })
            .collect(),
        subscription_id: subscription.clone(),
        disks: self::disks(disks),
        encryption: self::encryption(encryption, os.value),
        recovery_point: recovery_point.as_ref().map(|rp| RecoveryPoint {
            time: rp.value.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            as_written: rp.value.raw.clone(),
            decided_by: provenance(&rp.by),
        }),
        network: self::network(network),
        vhd_storage_account_resource_group: vhd_storage_account_group
            .as_ref()
            .map(|f| fact(f, String::clone)),
        prepare: self::prepare(prepare),
        warnings: warnings.clone(),
    }
}

fn fact<T, U>(f: &model::Fact<T>, value: impl Fn(&T) -> U) -> Fact<U> {
    Fact {
        value: value(&f.value),
        decided_by: provenance(&f.by),
    }
}

/// [`By`] as data: the kind of input, its file, the JSON path, the option, the rule.
pub fn provenance(by: &By) -> Provenance {
    let from = |input: Input, file: &str, path: Option<String>| Provenance {
        input,
        file: Some(file.to_owned()),
        path,
        option: None,
        rule: None,
    };
    let single_pass_assumed = "it alone names no flavour: single-pass assumed";
    match by {
        By::Flag(option) => Provenance {
            input: Input::Option,
            file: None,
            path: None,
            option: Some((*option).to_owned()),
            rule: None,
        },
        By::Config { origin, .. } | By::AdeExtension { origin, .. } => {
            from(Input::Config, origin, by.path())
        }
        By::Job { origin, .. } => from(Input::Job, origin, by.path()),
        By::Template { origin, .. } => from(Input::Template, origin, by.path()),
        By::JobNamesEncryptionInfo { origin } => Provenance {
            rule: Some(format!(
                "the job names an encryption-info blob; {single_pass_assumed}"
            )),
            ..from(Input::Job, origin, None)
        },
        By::EncryptionInfo { origin, path } => Provenance {
            rule: path
                .is_none()
                .then(|| format!("the blob exists; {single_pass_assumed}")),
            ..from(Input::EncryptionInfo, origin, path.map(str::to_owned))
        },
        By::Default(why) => Provenance {
            input: Input::Default,
            file: None,
            path: None,
            option: None,
            rule: Some((*why).to_owned()),
        },
        By::SameVaultAsSecret(inner) => {
            let mut p = provenance(inner);
            let same = "the KEK is in the same vault as the secret";
            p.rule = Some(match p.rule {
                Some(r) => format!("{r}; {same}"),
                None => same.to_owned(),
            });
            p
        }
    }
}

fn plan(p: &model::Plan) -> Plan {
    let model::Plan {
        name,
        publisher,
        product,
        promotion_code,
    } = p;
    Plan {
        name: name.clone(),
        publisher: publisher.clone(),
        product: product.clone(),
        promotion_code: promotion_code.clone(),
    }
}

fn disks(d: &model::Disks) -> Disks {
    Disks {
        kind: match d.kind() {
            model::DiskKind::Managed => DiskKind::Managed,
            model::DiskKind::Unmanaged => DiskKind::Unmanaged,
        },
        os_disk: disk(d.os()),
        data_disks: d
            .data()
            .iter()
            .map(|dd| DataDisk {
                lun: dd.lun,
                disk: disk(&dd.disk),
            })
            .collect(),
    }
}

fn disk(d: &model::Disk) -> Disk {
    let model::Disk {
        name,
        source,
        caching,
        size_gb,
    } = d;
    let (managed_disk, vhd) = match source {
        model::DiskSource::Managed {
            id,
            storage_account_type,
        } => (
            Some(ManagedDisk {
                name: id.name().to_owned(),
                resource_group: id.resource_group().to_owned(),
                id: id.id().map(|i| i.as_str().to_owned()),
                decided_by: provenance(id.by()),
                note: id.note().map(str::to_owned),
                storage_account_type: storage_account_type.clone(),
            }),
            None,
        ),
        model::DiskSource::Vhd { uri } => (
            None,
            Some(Vhd {
                uri: uri.as_str().to_owned(),
            }),
        ),
    };
    Disk {
        name: name.clone(),
        managed_disk,
        vhd,
        caching: caching.clone(),
        disk_size_gb: *size_gb,
    }
}

fn encryption(e: &ModelEncryption, os: model::OsType) -> Encryption {
    match e {
        ModelEncryption::None { by } => Encryption {
            kind: EncryptionKind::None,
            decided_by: provenance(by),
            secret_url: None,
            key_vault_url: None,
            key_vault_id: None,
            key_encryption_key: None,
            volume_type: None,
            aad_client_id: None,
            extension: None,
        },
        ModelEncryption::Ade(a) => {
            let model::Ade {
                flavour,
                secret_url,
                vault_uri,
                key_vault,
                kek,
                volume_type,
                aad_client_id,
            } = a.as_ref();
            let ext = ade_extension(os, flavour.value);
            Encryption {
                kind: match flavour.value {
                    Flavour::NoAad => EncryptionKind::AdeSinglePass,
                    Flavour::Aad => EncryptionKind::AdeDualPass,
                },
                decided_by: provenance(&flavour.by),
                secret_url: secret_url
                    .as_ref()
                    .map(|f| fact(f, |u| u.as_str().to_owned())),
                key_vault_url: Some(fact(vault_uri, String::clone)),
                key_vault_id: Some(fact(key_vault, |v| v.as_str().to_owned())),
                key_encryption_key: kek.as_ref().map(|k| {
                    let model::Kek {
                        url,
                        vault,
                        algorithm,
                    } = k;
                    KeyEncryptionKey {
                        key_url: fact(url, |u| u.as_str().to_owned()),
                        key_vault_id: fact(vault, |v| v.as_str().to_owned()),
                        algorithm: fact(algorithm, |a| a.as_str().to_owned()),
                    }
                }),
                volume_type: Some(fact(volume_type, |v| v.as_str().to_owned())),
                aad_client_id: aad_client_id.as_ref().map(|f| fact(f, String::clone)),
                extension: Some(Extension {
                    publisher: ext.publisher.to_owned(),
                    kind: ext.kind.to_owned(),
                    type_handler_version: ext.version.to_owned(),
                }),
            }
        }
    }
}

fn network(n: &model::Network) -> Network {
    let model::Network {
        virtual_network,
        virtual_network_resource_group,
        subnet,
        public_ip,
        defaults_by,
        network_security_group,
    } = n;
    Network {
        virtual_network: virtual_network.clone(),
        virtual_network_resource_group: virtual_network_resource_group.clone(),
        subnet: subnet.clone(),
        public_ip: *public_ip,
        defaults_decided_by: defaults_by.as_ref().map(provenance),
        network_security_group_id: network_security_group
            .as_ref()
            .map(|f| fact(f, String::clone)),
    }
}

fn prepare(p: &model::Prepare) -> Prepare {
    let model::Prepare {
        restore_keys,
        at_risk,
    } = p;
    Prepare {
        restore_keys: restore_keys.as_ref().map(|k| {
            let model::KeyRestore {
                target,
                encryption_info,
                // The operator's own path, for the next steps only: not part of the contract.
                encryption_info_file: _,
                machine_name,
            } = k;
            RestoreKeys {
                target_key_vault_id: target.as_str().to_owned(),
                encryption_info_url: encryption_info.clone(),
                machine_name: machine_name.clone(),
            }
        }),
        at_risk: at_risk
            .iter()
            .map(|a| match a {
                model::AtRisk::ManyDisks { disks } => AtRisk::ManyDisks { disks: *disks },
                model::AtRisk::LargeDisk { disk, size_gb } => AtRisk::LargeDisk {
                    disk: disk.clone(),
                    disk_size_gb: *size_gb,
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn config(path: &str) -> By {
        By::Config {
            origin: "config.json".into(),
            path: path.into(),
        }
    }

    /// Every way a fact can be decided becomes data a tool can switch on, never prose to parse.
    #[test]
    fn provenance_is_input_file_path_option_rule() {
        let p = |by: &By| serde_json::to_value(provenance(by)).expect("serializes");
        assert_eq!(
            p(&config("$.name")),
            serde_json::json!({"input": "config", "file": "config.json", "path": "$.name"})
        );
        assert_eq!(
            p(&By::AdeExtension {
                origin: "c.json".into(),
                index: 2
            }),
            serde_json::json!({"input": "config", "file": "c.json",
                "path": "$.resources[2].properties.typeHandlerVersion"})
        );
        assert_eq!(
            p(&By::Flag("--ade no-aad")),
            serde_json::json!({"input": "option", "option": "--ade no-aad"})
        );
        assert_eq!(
            p(&By::Default("the BEK secret URL's host")),
            serde_json::json!({"input": "default", "rule": "the BEK secret URL's host"})
        );
        let ei = p(&By::EncryptionInfo {
            origin: "ei.json".into(),
            path: None,
        });
        assert_eq!(ei["input"], "encryptionInfo");
        assert!(ei.get("path").is_none());
        assert!(ei["rule"]
            .as_str()
            .is_some_and(|r| r.contains("single-pass")));
        let job = p(&By::JobNamesEncryptionInfo {
            origin: "job.json".into(),
        });
        assert_eq!(
            (&job["input"], &job["file"]),
            (&"job".into(), &"job.json".into())
        );
        let same = p(&By::SameVaultAsSecret(Box::new(config("$.x"))));
        assert_eq!(same["path"], "$.x");
        assert_eq!(same["rule"], "the KEK is in the same vault as the secret");
    }

    #[test]
    fn tags_are_an_object_in_the_source_order() {
        let t = Tags(vec![("z".into(), "1".into()), ("a".into(), "2".into())]);
        assert_eq!(
            serde_json::to_string(&t).expect("serializes"),
            r#"{"z":"1","a":"2"}"#
        );
    }

    #[test]
    fn an_error_carries_its_default_help_when_it_has_none() {
        let e = Error::new(Code::InvalidLun, "bad")
            .source("c.json")
            .at("$.x");
        let v = serde_json::to_value(ErrorObject::from(&e)).expect("serializes");
        assert_eq!(
            v,
            serde_json::json!({"code": "InvalidLun", "message": "bad", "source": "c.json",
                "location": "$.x", "causes": [], "help": Code::InvalidLun.default_help()})
        );
        // stderr's `caused by:` lines, outermost first (newcomer row 30).
        let e = e.cause("outer").cause("inner");
        let v = serde_json::to_value(ErrorObject::from(&e)).expect("serializes");
        assert_eq!(v["causes"], serde_json::json!(["outer", "inner"]));
    }
}
