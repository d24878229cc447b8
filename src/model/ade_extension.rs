//! The Azure Disk Encryption extension table: publisher, type and version by OS and flavour.
//! Both directions read the one `match` in [`ade_extension`]: the renderers ask which extension
//! to install, classification asks which flavour an installed extension's version means. A VM
//! once encrypted with Azure AD must go on using it (Azure's ADE guides), so the restored VM must
//! get the flavour its source had, and the two directions must not drift apart.

use super::disk::OsType;
use super::encryption::Flavour;

/// The ADE extension resource for one OS and flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdeExtension {
    pub publisher: &'static str,
    pub kind: &'static str,
    pub version: &'static str,
}

const PUBLISHER: &str = "Microsoft.Azure.Security";
const WINDOWS: &str = "AzureDiskEncryption";
const LINUX: &str = "AzureDiskEncryptionForLinux";

/// The extension to install. Versions are the ones Azure's own quickstart templates and the Az
/// cmdlets use; with Azure AD is the older "dual-pass" line on each OS.
pub fn ade_extension(os: OsType, flavour: Flavour) -> AdeExtension {
    let (kind, version) = match (os, flavour) {
        (OsType::Windows, Flavour::Aad) => (WINDOWS, "1.1"),
        (OsType::Windows, Flavour::NoAad) => (WINDOWS, "2.2"),
        (OsType::Linux, Flavour::Aad) => (LINUX, "0.1"),
        (OsType::Linux, Flavour::NoAad) => (LINUX, "1.1"),
    };
    AdeExtension {
        publisher: PUBLISHER,
        kind,
        version,
    }
}

const OSES: [OsType; 2] = [OsType::Windows, OsType::Linux];
const FLAVOURS: [Flavour; 2] = [Flavour::Aad, Flavour::NoAad];

impl AdeExtension {
    /// The OS an installed extension is for, when its publisher and type are ADE's (Azure
    /// matches both case-insensitively).
    pub fn os_of(publisher: &str, kind: &str) -> Option<OsType> {
        OSES.into_iter().find(|os| {
            let e = ade_extension(*os, Flavour::Aad);
            e.publisher.eq_ignore_ascii_case(publisher) && e.kind.eq_ignore_ascii_case(kind)
        })
    }

    /// The flavour an installed extension's `typeHandlerVersion` means. Only the major version
    /// counts: minor versions are upgraded in place by Azure (`autoUpgradeMinorVersion`).
    pub fn flavour_of(os: OsType, version: &str) -> Option<Flavour> {
        let major = |v: &str| v.split('.').next().unwrap_or_default().to_owned();
        let installed = major(version);
        FLAVOURS
            .into_iter()
            .find(|f| major(ade_extension(os, *f).version) == installed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_follows_os_and_flavour() {
        let table = [
            (OsType::Windows, Flavour::Aad, WINDOWS, "1.1"),
            (OsType::Windows, Flavour::NoAad, WINDOWS, "2.2"),
            (OsType::Linux, Flavour::Aad, LINUX, "0.1"),
            (OsType::Linux, Flavour::NoAad, LINUX, "1.1"),
        ];
        for (os, flavour, kind, version) in table {
            let e = ade_extension(os, flavour);
            assert_eq!(e.publisher, "Microsoft.Azure.Security");
            assert_eq!((e.kind, e.version), (kind, version), "{os:?} {flavour:?}");
        }
    }

    #[test]
    fn installed_version_gives_the_flavour() {
        let cases = [
            (OsType::Windows, "1.1", Some(Flavour::Aad)),
            (OsType::Windows, "1.0", Some(Flavour::Aad)),
            (OsType::Windows, "2.2", Some(Flavour::NoAad)),
            (OsType::Windows, "2", Some(Flavour::NoAad)),
            (OsType::Windows, "0.1", None),
            (OsType::Windows, "3.0", None),
            (OsType::Linux, "0.1", Some(Flavour::Aad)),
            (OsType::Linux, "1.1", Some(Flavour::NoAad)),
            (OsType::Linux, "2.2", None),
            (OsType::Linux, "", None),
        ];
        for (os, version, flavour) in cases {
            assert_eq!(
                AdeExtension::flavour_of(os, version),
                flavour,
                "{os:?} {version}"
            );
        }
    }

    #[test]
    fn only_ade_extensions_are_recognised() {
        assert_eq!(
            AdeExtension::os_of("microsoft.azure.security", "azurediskencryption"),
            Some(OsType::Windows)
        );
        assert_eq!(
            AdeExtension::os_of("Microsoft.Azure.Security", "AzureDiskEncryptionForLinux"),
            Some(OsType::Linux)
        );
        assert_eq!(AdeExtension::os_of("Contoso", "AzureDiskEncryption"), None);
        assert_eq!(
            AdeExtension::os_of("Microsoft.Azure.Security", "IaaSAntimalware"),
            None
        );
    }
}
