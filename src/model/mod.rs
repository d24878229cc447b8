//! The validated restore: a VM whose disks are all managed or all unmanaged, whose encryption is
//! one legal ADE case, and whose every decided fact remembers which input decided it.
//!
//! - `types`: the model itself ([`Restore`] and its parts), and the [`Overrides`] the CLI maps to;
//! - `provenance`: [`Fact`] and [`By`], where each decided value came from;
//! - `validate`: [`build`], raw inputs → model, every problem reported at once;
//! - `profile`: the Marketplace plan and Trusted Launch profile Azure needs for the OS disk;
//! - `disks`: disk validation; `unsupported`: the disk encryption restore-deploy refuses;
//! - `evidence`: what the inputs say about encryption; `classify`: which ADE case that is;
//! - `references`: where each key reference is read, in precedence; `keys`: their checks;
//! - `settings`: the source extension's `VolumeType` and `KeyEncryptionAlgorithm`, carried;
//! - `extension`: the ADE extension table (publisher, type, version by OS and flavour);
//! - `refs`, `disk_refs`: the validated domain strings (Key Vault references, disk references);
//! - `time`: recovery point times and the 2017-04-26 template rule;
//! - `restore_keys`: the steps before the deployment (`--restore-keys` target, disks at risk).
//! - `deployable`: restores that validate yet cannot unlock (at risk without a BEK secret URL,
//!   Azure AD on Trusted Launch, a size ADE does not run on);
//! - `warnings`: what the inputs cannot prove and the operator checks before deploying.

mod classify;
mod deployable;
pub mod disk_refs;
mod disks;
mod evidence;
pub mod extension;
mod job_notes;
mod keys;
mod profile;
mod provenance;
mod references;
pub mod refs;
pub mod restore_keys;
mod settings;
#[cfg(test)]
pub(crate) mod test_inputs;
pub mod time;
mod types;
mod unsupported;
mod validate;
mod warnings;

pub use extension::{ade_extension, AdeExtension};
pub use job_notes::classic_set;
pub use profile::{Plan, TrustedLaunch};
pub use provenance::{By, Fact};
pub use restore_keys::{AtRisk, KeyRestore, Prepare};
pub use types::{
    Ade, AdeChoice, DataDisk, Disk, DiskKind, DiskSource, Disks, Encryption, Flavour, Kek,
    KekAlgorithm, Network, OsType, Overrides, RecoveryPoint, Restore, VolumeType,
};
pub use validate::build;
