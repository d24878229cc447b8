//! The one-line summary of a restore's case that every output starts with (the template's
//! description, the script's header, `inspect`'s first line), so all three name a case alike; and
//! its slug, which the `--jobs` summary and `inspect --json` carry.

use crate::model::{DiskKind, Encryption, Flavour, Restore};

pub fn case(r: &Restore) -> String {
    let disks = match r.disks.kind() {
        DiskKind::Managed => "managed disks",
        DiskKind::Unmanaged => "unmanaged disks",
    };
    let enc = match &r.encryption {
        Encryption::None { .. } => "not encrypted".to_owned(),
        Encryption::Ade(a) => format!(
            "Azure Disk Encryption {}, {}",
            match a.flavour.value {
                Flavour::Aad => "with Azure AD",
                Flavour::NoAad => "without Azure AD",
            },
            if a.kek.is_some() {
                "BEK + KEK"
            } else {
                "BEK only"
            }
        ),
    };
    format!(
        "{} VM, {}, {} data disk{}, {}",
        r.os.value.as_str(),
        disks,
        r.disks.data().len(),
        if r.disks.data().len() == 1 { "" } else { "s" },
        enc
    )
}

/// The encryption case in the words the fixtures and the README use, short enough for a table
/// column: `managed-bek-kek-noaad-linux`, `unmanaged-unencrypted-windows`.
pub fn slug(r: &Restore) -> String {
    let disks = match r.disks.kind() {
        DiskKind::Managed => "managed",
        DiskKind::Unmanaged => "unmanaged",
    };
    let encryption = match &r.encryption {
        Encryption::None { .. } => "unencrypted".to_owned(),
        Encryption::Ade(a) => format!(
            "{}-{}",
            if a.kek.is_some() { "bek-kek" } else { "bek" },
            match a.flavour.value {
                Flavour::Aad => "aad",
                Flavour::NoAad => "noaad",
            }
        ),
    };
    format!(
        "{disks}-{encryption}-{}",
        r.os.value.as_str().to_ascii_lowercase()
    )
}
