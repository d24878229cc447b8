//! The restore's encryption: none, or one legal ADE case. "KEK without BEK" has no spelling in
//! [`Encryption`].

use serde::Serialize;

pub use crate::overrides::VolumeType;

use super::ids::{VaultId, VaultObjectUrl};
use super::provenance::{By, Fact};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Flavour {
    /// "Dual-pass": settings on the VM model; extension Windows 1.1 / Linux 0.1.
    Aad,
    /// "Single-pass": settings on the disks; extension Windows 2.2 / Linux 1.1.
    NoAad,
}

/// How the KEK wraps the BEK: one of the three the ADE extension accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KekAlgorithm {
    #[serde(rename = "RSA-OAEP")]
    RsaOaep,
    #[serde(rename = "RSA-OAEP-256")]
    RsaOaep256,
    #[serde(rename = "RSA1_5")]
    Rsa15,
}

impl KekAlgorithm {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::RsaOaep, Self::RsaOaep256, Self::Rsa15]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            KekAlgorithm::RsaOaep => "RSA-OAEP",
            KekAlgorithm::RsaOaep256 => "RSA-OAEP-256",
            KekAlgorithm::Rsa15 => "RSA1_5",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kek {
    pub url: Fact<VaultObjectUrl>,
    pub vault: Fact<VaultId>,
    pub algorithm: Fact<KekAlgorithm>,
}

/// An encrypted VM: one legal combination. "KEK without BEK" cannot be written down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ade {
    pub flavour: Fact<Flavour>,
    /// `None` only for single-pass on managed disks, whose restored OS disk carries it.
    pub secret_url: Option<Fact<VaultObjectUrl>>,
    /// What ADE calls `KeyVaultURL`: `https://<vault host>/`.
    pub vault_uri: Fact<String>,
    pub key_vault: Fact<VaultId>,
    pub kek: Option<Kek>,
    pub volume_type: Fact<VolumeType>,
    /// Azure AD application id, with Azure AD only, when the source names it.
    pub aad_client_id: Option<Fact<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Encryption {
    None { by: By },
    Ade(Box<Ade>),
}

impl Flavour {
    /// Without Azure AD ("single-pass"): the settings sit on the disks, not on the VM model.
    pub fn is_single_pass(self) -> bool {
        match self {
            Flavour::NoAad => true,
            Flavour::Aad => false,
        }
    }
    /// With Azure AD ("dual-pass"): the VM model carries the settings and names the vault. Its
    /// own exhaustive `match`, so a third flavour must decide here rather than fall on either side.
    pub fn is_aad(self) -> bool {
        match self {
            Flavour::Aad => true,
            Flavour::NoAad => false,
        }
    }
}

/// The questions every output asks of the encryption, answered here once. Each is an exhaustive
/// `match`: a new case is a compile error here, and at every `match` where an output decides what
/// to write.
impl Encryption {
    /// The ADE settings, when the VM is encrypted with ADE.
    pub fn ade(&self) -> Option<&Ade> {
        match self {
            Encryption::None { .. } => None,
            Encryption::Ade(a) => Some(a),
        }
    }
    /// ADE without Azure AD ("single-pass"): the restored disks carry the ADE settings.
    pub fn is_single_pass(&self) -> bool {
        match self {
            Encryption::None { .. } => false,
            Encryption::Ade(a) => a.flavour.value.is_single_pass(),
        }
    }
    /// ADE with Azure AD ("dual-pass"): the VM model carries the settings.
    pub fn is_aad(&self) -> bool {
        match self {
            Encryption::None { .. } => false,
            Encryption::Ade(a) => a.flavour.value.is_aad(),
        }
    }
}
