//! Domain strings parsed once: Key Vault secret and key URLs, ARM resource ids. Each parse
//! returns every rule it breaks, so `check` can list them all. The newtypes travel to the
//! renderers as themselves and serialize themselves; their fields stay private, so a value that
//! did not pass its parse cannot be made.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::error::Code;

/// A rule a reference breaks, before it is tied to a source and flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub code: Code,
    pub message: String,
}

fn breach(code: Code, message: String) -> Breach {
    Breach { code, message }
}

/// Azure's rule for a resource group name: 1 to 90 characters, each a letter or digit (Unicode
/// letters and digits, as `\w` in Azure's pattern `^[-\w\._\(\)]+$`), `_`, `-`, `.`, `(` or
/// `)`, and not ending in `.`. A name that breaks it cannot exist in Azure, so it is refused where
/// it is read: a `'` or `;` in a group would otherwise reach the commands a person pastes.
pub fn is_resource_group_name(name: &str) -> bool {
    let ok = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')');
    let len = name.chars().count();
    (1..=90).contains(&len) && !name.ends_with('.') && name.chars().all(ok)
}

/// The refusal of a resource group name read from `what`.
pub fn bad_resource_group(group: &str, what: &str) -> Breach {
    breach(
        Code::InvalidResourceGroupName,
        format!("`{group}` ({what}) is not a resource group name Azure allows (1 to 90 letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`)"),
    )
}

/// Windows device names: a file or folder whose name is one of these, with or without an
/// extension and in any case, opens the device instead (Windows "Naming Files" rules).
const WINDOWS_DEVICES: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

/// The longest VM name that may name a folder: Azure's resource-name limit for a VM (1 to 64
/// characters). It also keeps the staging and lock siblings (`.<name>.restore-deploy-…`) well
/// inside every file system's 255-byte name limit.
pub const VM_NAME_MAX: usize = 64;

/// A VM name that may become a folder under `--out` (`--jobs`): a name Azure allows for a VM (1
/// to 64 ASCII letters, digits, `-`, `_` and `.`, not ending in `.` or `-`) that every supported
/// file system accepts as one folder, and that no two systems read as different folders. ASCII
/// only, so no invisible, bidi or look-alike character can hide in it, and NFC normalisation or
/// Unicode case folding (NTFS, APFS) cannot merge two names Rust's comparison keeps apart. Not
/// hidden (no leading `.`) and no Windows device name (`CON`, `nul.txt`, `COM1`, `lpt9.json`).
/// A name that breaks it is an input problem (`InvalidVmName`), never a file-system failure.
pub fn vm_folder_name(name: &str) -> Result<(), Breach> {
    let why = azure_vm_name_breach(name).or_else(|| {
        if name.starts_with('.') {
            Some("starts with `.` (a hidden folder)".to_owned())
        } else if is_windows_device(name) {
            Some("is a Windows device name, which no Windows folder can have".to_owned())
        } else {
            None
        }
    });
    match why {
        None => Ok(()),
        Some(why) => Err(breach(
            Code::InvalidVmName,
            format!(
                "the VM name `{}` {why}, so it cannot name the folder of its bundle",
                crate::error::shown(name)
            ),
        )),
    }
}

/// The new VM's name (`--vm-name`), which the deployment gives the VM resource: Azure's rule for
/// a VM name (1 to 64 ASCII letters, digits, `-`, `_` and `.`, not ending in `.` or `-`), so a
/// name Azure would refuse is refused here, before anything is written.
pub fn vm_name(name: &str) -> Result<(), Breach> {
    match azure_vm_name_breach(name) {
        None => Ok(()),
        Some(why) => Err(breach(
            Code::InvalidVmName,
            format!(
                "the VM name `{}` {why}; Azure names a VM with 1 to {VM_NAME_MAX} ASCII letters, digits, `-`, `_` and `.`, not ending in `.` or `-`",
                crate::error::shown(name)
            ),
        )),
    }
}

/// What breaks Azure's VM name rule, if anything.
fn azure_vm_name_breach(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("is empty".to_owned())
    } else if name.len() > VM_NAME_MAX {
        Some(format!(
            "is {} bytes long; Azure allows at most {VM_NAME_MAX} characters",
            name.len()
        ))
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(if c == ' ' {
            "holds a space".to_owned()
        } else if c.is_ascii_control() {
            format!("holds `{}`", c.escape_default())
        } else if c.is_ascii() {
            format!("holds `{c}`")
        } else {
            format!(
                "holds U+{:04X}, which is not an ASCII letter or digit (an invisible, bidi or look-alike character, or one that file systems normalise or fold differently)",
                c as u32
            )
        })
    } else if name.ends_with(['.', '-']) {
        Some("ends in `.` or `-`".to_owned())
    } else {
        None
    }
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`, any case, with or without an
/// extension (Windows reads the part before the first `.`).
pub fn is_windows_device(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    WINDOWS_DEVICES.contains(&stem.as_str())
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultObject {
    Secret,
    Key,
}

impl VaultObject {
    fn segment(self) -> &'static str {
        match self {
            VaultObject::Secret => "secrets",
            VaultObject::Key => "keys",
        }
    }
    fn invalid(self) -> Code {
        match self {
            VaultObject::Secret => Code::InvalidSecretUrl,
            VaultObject::Key => Code::InvalidKeyUrl,
        }
    }
    pub fn noun(self) -> &'static str {
        match self {
            VaultObject::Secret => "secret URL",
            VaultObject::Key => "key URL",
        }
    }
}

/// A versioned Key Vault object URL: `https://<vault>.<dns suffix>/<secrets|keys>/<name>/<version>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultObjectUrl {
    raw: String,
    host: String,
    kind: VaultObject,
}

impl VaultObjectUrl {
    pub fn parse(raw: &str, kind: VaultObject) -> Result<Self, Vec<Breach>> {
        let noun = kind.noun();
        let url = url::Url::parse(raw).map_err(|e| {
            vec![breach(
                kind.invalid(),
                format!("the {noun} `{raw}` is not a URL ({e})"),
            )]
        })?;
        let mut out = Vec::new();
        if url.scheme() != "https" {
            out.push(breach(
                Code::KeyUrlNotHttps,
                format!("the {noun} `{raw}` must use https"),
            ));
        }
        if url.port().is_some() {
            out.push(breach(
                Code::KeyUrlHasPort,
                format!("the {noun} `{raw}` names a port; Azure Disk Encryption does not accept ports in Key Vault URLs"),
            ));
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if host.is_empty()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            out.push(breach(
                kind.invalid(),
                format!("the {noun} `{raw}` must be a plain `https://<vault>.vault.azure.net/{}/<name>/<version>` URL", kind.segment()),
            ));
        }
        let segs: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
        let segs: Vec<&str> = match segs.as_slice() {
            [rest @ .., ""] => rest.to_vec(),
            s => s.to_vec(),
        };
        match segs.as_slice() {
            [k, name, version] if k.eq_ignore_ascii_case(kind.segment()) && !name.is_empty() && !version.is_empty() => {}
            [k, name] if k.eq_ignore_ascii_case(kind.segment()) && !name.is_empty() => out.push(breach(
                Code::KeyUrlNotVersioned,
                format!("the {noun} `{raw}` has no version; Azure requires the full versioned URL"),
            )),
            _ => out.push(breach(
                kind.invalid(),
                format!("the {noun} `{raw}` does not have the form `https://<vault>.vault.azure.net/{}/<name>/<version>`", kind.segment()),
            )),
        }
        if out.is_empty() {
            Ok(VaultObjectUrl {
                raw: raw.to_owned(),
                host,
                kind,
            })
        } else {
            Err(out)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The vault URI the ADE extension wants in `KeyVaultURL`: scheme and host only.
    pub fn vault_uri(&self) -> String {
        format!("https://{}/", self.host)
    }

    /// The vault's name: the first label of the host.
    pub fn vault_name(&self) -> &str {
        self.host.split('.').next().unwrap_or_default()
    }

    pub fn kind(&self) -> VaultObject {
        self.kind
    }
}

/// `{"url", "vault_uri"}`: tools reading `inspect --json` get the vault URI the extension is
/// given without parsing the URL themselves.
impl Serialize for VaultObjectUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("VaultObjectUrl", 2)?;
        st.serialize_field("url", &self.raw)?;
        st.serialize_field("vault_uri", &self.vault_uri())?;
        st.end()
    }
}

/// An ARM resource id of a Key Vault: `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultId {
    raw: String,
    subscription: String,
    name: String,
}

impl VaultId {
    pub fn parse(raw: &str) -> Result<Self, Breach> {
        let id = ArmId::parse(raw).filter(|id| {
            id.provider.eq_ignore_ascii_case("Microsoft.KeyVault")
                && id.types.len() == 1
                && id.types[0].0.eq_ignore_ascii_case("vaults")
        });
        match id {
            Some(id) if !is_resource_group_name(&id.resource_group) => Err(bad_resource_group(
                &id.resource_group,
                &format!("the resource group of vault id `{raw}`"),
            )),
            Some(id) => Ok(VaultId {
                raw: raw.to_owned(),
                subscription: id.subscription,
                name: id.types[0].1.clone(),
            }),
            None => Err(breach(
                Code::InvalidVaultId,
                format!("`{raw}` is not a Key Vault resource id (`/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`)"),
            )),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    pub fn subscription(&self) -> &str {
        &self.subscription
    }
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// `{"id", "name"}`: the vault's name is what people recognise in `inspect --json`.
impl Serialize for VaultId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("VaultId", 2)?;
        st.serialize_field("id", &self.raw)?;
        st.serialize_field("name", &self.name)?;
        st.end()
    }
}

/// The parts of an ARM resource id we check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmId {
    pub subscription: String,
    pub resource_group: String,
    pub provider: String,
    /// `(type, name)` pairs after the provider.
    pub types: Vec<(String, String)>,
}

impl ArmId {
    pub fn parse(raw: &str) -> Option<Self> {
        let rest = raw.strip_prefix('/')?;
        let segs: Vec<&str> = rest.split('/').collect();
        if segs
            .iter()
            .any(|s| s.is_empty() || s.chars().any(char::is_control))
        {
            return None;
        }
        match segs.as_slice() {
            [s, sub, r, rg, p, provider, tail @ ..]
                if s.eq_ignore_ascii_case("subscriptions")
                    && r.eq_ignore_ascii_case("resourceGroups")
                    && p.eq_ignore_ascii_case("providers")
                    && !tail.is_empty()
                    && tail.len() % 2 == 0 =>
            {
                Some(ArmId {
                    subscription: sub.to_string(),
                    resource_group: rg.to_string(),
                    provider: provider.to_string(),
                    types: tail
                        .chunks_exact(2)
                        .map(|c| (c[0].to_owned(), c[1].to_owned()))
                        .collect(),
                })
            }
            _ => None,
        }
    }

    /// `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<rg>` prefixes only.
    pub fn subscription_of(raw: &str) -> Option<String> {
        let rest = raw.strip_prefix('/')?;
        let mut segs = rest.split('/');
        match (segs.next(), segs.next()) {
            (Some(s), Some(sub)) if s.eq_ignore_ascii_case("subscriptions") && !sub.is_empty() => {
                Some(sub.to_owned())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_vm_name_names_a_folder_only_when_azure_and_every_file_system_accept_it() {
        for ok in [
            "app01",
            "web-01",
            "db_02",
            "vm.prod",
            "a",
            "CONSOLE",
            "com10",
            "LPT",
            "nulx.json",
            &"m".repeat(VM_NAME_MAX),
        ] {
            assert_eq!(vm_folder_name(ok), Ok(()), "{ok}");
        }
        let bad = [
            // J2: past Azure's limit, and at 220+ past the staging and lock names' NAME_MAX.
            "m".repeat(VM_NAME_MAX + 1),
            "M".repeat(220),
            "L".repeat(255),
            // J3: Windows device names, any case, with or without an extension.
            "CON".into(),
            "nul".into(),
            "Prn".into(),
            "AUX.json".into(),
            "COM1".into(),
            "com9.txt".into(),
            "lpt9".into(),
            "LPT1.x.y".into(),
            // J4: invisible, bidi and look-alike characters.
            "app01\u{200b}".into(),
            "app\u{202e}10".into(),
            "\u{feff}app01".into(),
            "a\u{2028}b".into(),
            "\u{0430}pp01".into(),
            "app\u{ff10}1".into(),
            // J6: names NTFS or APFS fold or normalise into another.
            "\u{03bf}\u{03b4}\u{03bf}\u{03c2}".into(),
            "caf\u{e9}".into(),
            "cafe\u{301}".into(),
            "vm-\u{212a}".into(),
            // Paths, hidden names and Azure's own rules.
            String::new(),
            ".".into(),
            "..".into(),
            ".hidden".into(),
            "a/b".into(),
            "a\\b".into(),
            "C:x".into(),
            "x.".into(),
            "x-".into(),
            "x ".into(),
            "a b".into(),
            "a\nb".into(),
        ];
        for b in &bad {
            let e = vm_folder_name(b).expect_err(b);
            assert_eq!(e.code, Code::InvalidVmName, "{b:?}");
            assert!(
                !e.message.chars().any(crate::error::is_hazard),
                "{:?}",
                e.message
            );
        }
    }

    #[test]
    fn a_new_vm_name_follows_azure_s_rule() {
        for ok in [
            "app01-restored",
            "CON",
            "vm.prod",
            "a_b",
            &"m".repeat(VM_NAME_MAX),
        ] {
            assert_eq!(vm_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            String::new(),
            "m".repeat(VM_NAME_MAX + 1),
            "vm-'$(calc)`\"[x]".into(),
            "app01\u{200b}".into(),
            "\u{0430}pp01".into(),
            "a b".into(),
            "x.".into(),
            "x-".into(),
        ] {
            assert_eq!(
                vm_name(&bad).map_err(|b| b.code),
                Err(Code::InvalidVmName),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_resource_group_name_follows_azure_s_rule() {
        for ok in [
            "rg",
            "rg-restore_target.1",
            "(rg)",
            "Grupo-Producción",
            &"a".repeat(90),
        ] {
            assert!(is_resource_group_name(ok), "{ok}");
        }
        for bad in [
            "",
            "rg.",
            &"a".repeat(91),
            "rg';touch${IFS}PWNED-RG;'",
            "rg;ls",
            "rg rg",
            "rg$x",
            "rg`x",
            "rg\u{200b}",
            "rg\u{2019}",
            "rg/x",
        ] {
            assert!(!is_resource_group_name(bad), "{bad:?}");
        }
        let e = VaultId::parse(&KV.replace("kv-rg", "kv';rg")).expect_err("bad group");
        assert_eq!(e.code, Code::InvalidResourceGroupName);
    }

    use super::*;

    const KV: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/kv-rg/providers/Microsoft.KeyVault/vaults/contosokv";

    #[test]
    fn versioned_secret_url_gives_vault_uri() {
        let u = VaultObjectUrl::parse(
            "https://contosokv.vault.azure.net/secrets/B3284AAA/0123abcd",
            VaultObject::Secret,
        )
        .expect("valid");
        assert_eq!(u.vault_uri(), "https://contosokv.vault.azure.net/");
        assert_eq!(u.vault_name(), "contosokv");
    }

    #[test]
    fn every_breach_is_reported() {
        let e = VaultObjectUrl::parse(
            "http://kv.vault.azure.net:443/secrets/s",
            VaultObject::Secret,
        )
        .expect_err("bad");
        let codes: Vec<Code> = e.iter().map(|b| b.code).collect();
        assert_eq!(
            codes,
            vec![
                Code::KeyUrlNotHttps,
                Code::KeyUrlHasPort,
                Code::KeyUrlNotVersioned
            ]
        );
        let e = VaultObjectUrl::parse("https://kv.vault.azure.net/keys/k/1", VaultObject::Secret)
            .expect_err("a key URL is not a secret URL");
        assert_eq!(e[0].code, Code::InvalidSecretUrl);
    }

    #[test]
    fn vault_ids() {
        let v = VaultId::parse(KV).expect("valid");
        assert_eq!(v.name(), "contosokv");
        assert_eq!(v.subscription(), "00000000-0000-0000-0000-000000000000");
        assert!(VaultId::parse(
            "/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/disks/d"
        )
        .is_err());
        assert!(VaultId::parse("contosokv").is_err());
        assert!(VaultId::parse(&format!("{KV}/")).is_err());
    }

    #[test]
    fn newtypes_serialize_with_their_derived_parts() {
        let u = VaultObjectUrl::parse(
            "https://ContosoKV.vault.azure.net/secrets/s/1",
            VaultObject::Secret,
        )
        .expect("valid");
        assert_eq!(
            serde_json::to_string(&u).expect("serializes"),
            r#"{"url":"https://ContosoKV.vault.azure.net/secrets/s/1","vault_uri":"https://contosokv.vault.azure.net/"}"#
        );
        let v = VaultId::parse(KV).expect("valid");
        assert_eq!(
            serde_json::to_string(&v).expect("serializes"),
            format!(r#"{{"id":"{KV}","name":"contosokv"}}"#)
        );
    }
}
