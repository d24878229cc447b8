//! What the operator asserts on the command line, over what the inputs say: built by `cli`,
//! carried in `input::Inputs`, read by the model. A leaf: it imports nothing of this crate, so
//! neither `input` nor `model` has to import the other to name it.

use serde::Serialize;

/// In `--vm-name`, the source VM's name (`{source}-dr`): the model replaces it before the name is
/// checked.
pub const SOURCE_PLACEHOLDER: &str = "{source}";

/// Encryption choice from `--ade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdeChoice {
    #[default]
    Auto,
    Aad,
    NoAad,
    None,
}

/// Command-line values that win over what the inputs say: the user knows the target (name,
/// region, network) and may know the keys better than a stale config blob does.
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
    /// `--no-availability-set`: join none, not even the source's.
    pub no_availability_set: bool,
    pub ade: AdeChoice,
    pub secret_url: Option<String>,
    pub key_url: Option<String>,
    pub key_vault_id: Option<String>,
    pub kek_vault_id: Option<String>,
    pub volume_type: Option<VolumeType>,
    pub recovery_point_time: Option<String>,
    /// `--restore-keys`: restore a missing BEK secret / KEK from the encryption-info blob.
    pub restore_keys: bool,
    /// `--target-key-vault`: the vault they are restored into.
    pub target_key_vault: Option<String>,
    /// `--nic-subnet <index>=<subnet id>`, as typed: checked by the model against the source's
    /// NICs (index 0 the primary).
    pub nic_subnets: Vec<String>,
    /// `--reuse-source-nics`: attach the source NICs by id instead of creating new ones.
    pub reuse_source_nics: bool,
    /// `--disk-resource-group`: where the restored managed disks are, when no job says it.
    pub disk_resource_group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VolumeType {
    All,
    Data,
    #[serde(rename = "OS")]
    Os,
}

impl VolumeType {
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::All => "All",
            VolumeType::Data => "Data",
            VolumeType::Os => "OS",
        }
    }
}
