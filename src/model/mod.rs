//! The validated restore: a VM whose disks are all managed or all unmanaged, whose encryption is
//! one legal ADE case, and whose every decided fact remembers which input decided it.
//!
//! Read top to bottom; a file imports only files above it (a test in `tests/layers.rs` checks):
//!
//! - leaves, importing nothing of the model:
//!   - `provenance`: [`Fact`] and [`By`], where each decided value came from;
//!   - `time`: recovery point times, the 2017-04-26 template rule, the single-pass date;
//!   - `not_carried`: the one list of the source model's fields carried and not carried (why);
//!   - `ids`: Key Vault and ARM ids, parsed once; `disk_ids`: a managed disk id, a VHD URL;
//!   - `disk_identity`: which restored managed disk is attached (an id, or a name in a group);
//! - the restore's types, each importing leaves and the type files before it:
//!   - `disk`: [`Disks`] (checked constructor) and the disks at risk of losing ADE settings;
//!   - `encryption`: [`Encryption`], [`Ade`], [`Kek`], and the questions asked of them;
//!   - `ade_extension`: the ADE extension table (publisher, type, version by OS and flavour);
//!   - `features`: what the source VM had beyond disks and keys (managed identities, Spot, extensions
//!     not re-installed, placement and capabilities);
//!   - `restore`: [`Restore`] itself, its plan, Trusted Launch profile and [`Prepare`] steps;
//!   - the operator's [`Overrides`] live in `crate::overrides`, below both `input` and here;
//! - `build`: raw inputs → [`Restore`], every problem reported at once. Its `context` holds what
//!   every builder shares (`Problems`, the config view, JSON paths); each builder
//!   imports the types and `context`, never another builder nor `build/mod.rs` (`mod.rs` gathers
//!   every builder's warnings; `tests/layers.rs` checks this too):
//!   - `backup_template`: a read-only view of Azure Backup's own template of the restore (disk
//!     ids, network defaults, NSG); like `context`, shared by builders and importing only types;
//!   - `disks`: the OS type and disks; `refusals`: the encryption restore-deploy refuses;
//!   - `plan_and_security`: the Marketplace plan and Trusted Launch profile, read;
//!   - `features`: the source's managed identities, ADE's encryption identity, Spot, the
//!     extensions other than ADE, placement and capabilities (and the combinations Azure refuses);
//!   - `encryption/`: which ADE case, in steps: `evidence` (what the inputs say) →
//!     `precedence` (where each key reference may be read) and `ade_settings` (the source
//!     extension's `VolumeType`, `KeyEncryptionAlgorithm`, `KeyVaultURL`) → `key_refs` (the BEK
//!     and KEK references chosen and checked: where the KEK URL is chosen) → `mod.rs` (the case);
//!   - `prepare`: the `--restore-keys` target and the steps before deployment;
//!   - `deployable`: restores that validate yet cannot unlock (at risk without a BEK secret URL,
//!     Azure AD on Trusted Launch, a size ADE does not run on);
//!   - `job_notes`: what the job says that the operator must know (a Classic availability set);
//!   - `warnings`: what the inputs cannot prove and the operator checks before deploying.

mod ade_extension;
mod build;
mod disk;
mod disk_identity;
mod disk_ids;
mod encryption;
mod features;
mod ids;
pub mod not_carried;
mod provenance;
mod restore;
#[cfg(test)]
pub(crate) mod test_inputs;
pub mod time;

pub use crate::overrides::{AdeChoice, Overrides};
pub(crate) use ade_extension::ade_extension;
pub use build::build;
pub(crate) use build::classic_set;
pub(crate) use disk::{AtRisk, Disk, DiskKind, DiskSource, Disks, OsType};
pub(crate) use disk_identity::ManagedDisk;
pub use encryption::VolumeType;
pub(crate) use encryption::{Ade, Encryption, Flavour, Kek};
pub(crate) use features::{Identity, Placement, SourceExtension, SourceNic, Spot};
pub(crate) use ids::{is_windows_device, vm_folder_name};
pub(crate) use provenance::{By, Fact};
pub use restore::Restore;
pub(crate) use restore::{KeyRestore, Network, Plan, Prepare, RecoveryPoint, TrustedLaunch};
