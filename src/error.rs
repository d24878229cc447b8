//! The one error type. Every failure carries a stable [`Code`], what was being done, the source
//! it came from (a path, `-`, or a URL with any SAS signature redacted), where in that source
//! (JSON path or line/column) when there is such a place, and the next step for the user.
//!
//! Codes are part of the CLI contract (README lists them): scripts match on them, so a code is
//! never renamed, only added.

use std::fmt;

/// How a failed run ends (the exit status is part of the CLI contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 1: the input was rejected (invalid, unsupported, too old, stale files, failed `check`).
    Rejected = 1,
    /// 2: the command line cannot work as given.
    Usage = 2,
    /// 3: the environment failed (file system, network, authentication), or a bug.
    Environment = 3,
}

/// Declares every code once, with its exit status and the next step shown when the error itself
/// has no more specific one. The matches are generated, so a new code cannot be added without
/// both, and no wildcard arm can give it a wrong exit status silently.
macro_rules! codes {
    ($( $name:ident => $exit:ident, $help:literal; )*) => {
        /// Stable error codes: scripts match on them, so a code is never renamed, only added.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($name,)* }

        impl Code {
            /// Every code, in declaration order (README's table is checked against it).
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => stringify!($name),)* }
            }

            pub fn exit(self) -> Exit {
                match self { $(Code::$name => Exit::$exit,)* }
            }

            /// The next step when the error names no more specific one.
            pub fn default_help(self) -> &'static str {
                match self { $(Code::$name => $help,)* }
            }
        }
    };
}

codes! {
    Usage => Usage, "run `restore-deploy --help` for the options";
    BlobSupportNotBuilt => Usage, "download the blob and pass the file, or use a build with the default `azure` feature";
    BlobInsecureToken => Usage, "use an https URL, or a SAS token";
    EmptyInput => Rejected, "check that this is the right file and that it was downloaded whole";
    InputTooLarge => Rejected, "a config blob or job document is a few kilobytes: check that this is the right file";
    InvalidEncoding => Rejected, "save the input as UTF-8 or UTF-16LE, as Azure Backup writes it";
    InvalidJson => Rejected, "check that the input is the JSON Azure wrote, downloaded whole";
    UnexpectedValue => Rejected, "fix the value at the path shown, or pass the matching command-line override";
    DuplicateKey => Rejected, "keep one of the keys: Azure matches keys without regard to case";
    NotARestoreJob => Rejected, "pass the details of the \"Restore disks\" job (`az backup job show`)";
    UnsupportedRestoreJob => Rejected, "pass the details of the `Recover disks` job that restored the VM's disks";
    RestoreJobNotCompleted => Rejected, "wait for the restore job to complete, then pass its details again";
    JobBlobNamesDisagree => Rejected, "pass `--config` with the config blob you mean";
    ConfigNotFound => Rejected, "pass `--config` with the config blob's file or URL";
    MissingOsDisk => Rejected, "pass the config blob of the VM whose disks were restored";
    MissingVmSize => Rejected, "pass `--vm-size`";
    MissingVmName => Rejected, "pass `--vm-name`";
    UnknownOsType => Rejected, "the config must say `osType: Windows` or `Linux` on the OS disk";
    DiskHasBothVhdAndManagedDisk => Rejected, "a disk is either a VHD or a managed disk: check the config blob";
    DiskHasNoSource => Rejected, "each disk needs `vhd.uri` or `managedDisk.id`: check the config blob";
    MixedDiskKinds => Rejected, "restore all disks the same way (managed or unmanaged)";
    InvalidManagedDiskId => Rejected, "a managed disk id looks like `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/disks/<name>`";
    InvalidResourceGroupName => Rejected, "a resource group name is 1 to 90 letters, digits, `_`, `-`, `.`, `(` and `)`, not ending in `.`: check the input at the path shown";
    RestoredDisksGroupUnknown => Rejected, "pass the job (`--job`), or `--disk-resource-group` with the resource group the managed disks were restored into";
    DiskOutsideTargetGroup => Rejected, "pass Azure Backup's template of this restore (`--template`, or a job whose `Template Blob Uri` can be read) so the restored disk is known";
    InvalidVhdUri => Rejected, "a VHD URI looks like `https://<account>.blob.core.windows.net/<container>/<name>.vhd`";
    InvalidLun => Rejected, "LUNs are whole numbers from 0 to 63";
    DuplicateLun => Rejected, "each data disk needs its own LUN";
    InvalidDiskSize => Rejected, "disk sizes are whole numbers of GiB";
    UnsupportedConfidentialVm => Rejected, "restore Confidential VMs with Azure's own restore flow";
    UnsupportedVmSize => Rejected, "pass `--vm-size` with a size Azure Disk Encryption supports";
    UnsupportedAadOnGeneration2 => Rejected, "Azure Disk Encryption with Azure AD runs only on Generation 1 VMs: check `--ade`";
    UnsupportedDiskEncryptionSet => Rejected, "restore SSE+CMK disks with the template Azure Backup generated";
    UnknownAdeExtensionVersion => Rejected, "pass `--ade aad` or `--ade no-aad`";
    ConflictingEncryptionEvidence => Rejected, "pass `--ade` to say which ADE flavour the VM used";
    IncompleteKeyReference => Rejected, "pass the missing reference with its flag (`--secret-url`, `--key-url`, `--key-vault-id`, `--kek-vault-id`)";
    InvalidSecretUrl => Rejected, "a secret URL looks like `https://<vault>.vault.azure.net/secrets/<name>/<version>`";
    InvalidKeyUrl => Rejected, "a key URL looks like `https://<vault>.vault.azure.net/keys/<name>/<version>`";
    KeyUrlNotHttps => Rejected, "Key Vault URLs are https";
    KeyUrlHasPort => Rejected, "Key Vault URLs carry no port";
    KeyUrlNotVersioned => Rejected, "give the versioned URL (`.../<name>/<version>`): `az keyvault secret show --vault-name <vault> --name <name> --query id --output tsv` prints a secret's, `az keyvault key show --vault-name <vault> --name <name> --query key.kid --output tsv` a key's";
    InvalidVaultId => Rejected, "a vault id looks like `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`: `az keyvault show --name <name> --query id --output tsv` prints it";
    UrlVaultMismatch => Rejected, "the URL must point at the vault its `sourceVault.id` names";
    VaultSubscriptionMismatch => Rejected, "ADE needs the key vault in the VM's subscription";
    TargetVaultInAnotherSubscription => Rejected, "pass `--target-key-vault` with a key vault in the VM's subscription and geography: Key Vault restores a backup nowhere else";
    InvalidRecoveryPointTime => Rejected, "give `--recovery-point-time` as RFC 3339 (`2019-12-25T22:07:11Z`) or a date (`2019-12-25`, UTC)";
    RecoveryPointTimeUnknown => Rejected, "pass `--job` or `--recovery-point-time`";
    RecoveryPointBeforeTemplateSupport => Rejected, "use `--format powershell`";
    DuplicateOutputFolder => Rejected, "remove the duplicate job, or restore one of them on its own with `--vm-name`";
    StaleOutput => Rejected, "run the same command without `--check`, then review and commit the change";
    FileSystem => Environment, "check the path, the free space and that you may read and write there";
    BlobNotFound => Environment, "check the blob's URL (or the job's names) and that the restore finished";
    BlobAccessDenied => Environment, "check the SAS (permissions, expiry) or the identity's role on the storage account";
    BlobUnreachable => Environment, "check the network and the endpoint";
    BlobTimeout => Environment, "retry; raise `RESTORE_DEPLOY_BLOB_TIMEOUT` (seconds) on a slow network";
    BlobTruncated => Environment, "retry the download";
    BlobEmpty => Environment, "check that the restore job finished and wrote the blob";
    BlobCredential => Environment, "sign in (`az login`), or pass a URL with a SAS";
    BlobFailed => Environment, "retry; if it persists, download the blob and pass the file";
    RecoveryVaultSupportNotBuilt => Usage, "export the job (`az backup job show ...`) and pass it with `--job`, or use a build with the default `azure` feature";
    RecoveryVaultNotFound => Environment, "check `--vault`, `--resource-group` and `--subscription` (`az backup vault list`)";
    RestoreJobNotFound => Environment, "list the vault's recent restore jobs with `restore-deploy jobs --vault <name> --resource-group <group>` and pass one of their ids";
    RecoveryVaultAccessDenied => Environment, "the identity needs the `Backup Reader` role on the Recovery Services vault (or its resource group)";
    RecoveryVaultThrottled => Environment, "Azure Resource Manager is throttling this identity: wait a minute and run the command again, or narrow `--since`";
    RecoveryVaultUnreachable => Environment, "check the network and `--management-endpoint`";
    RecoveryVaultTimeout => Environment, "retry; raise `RESTORE_DEPLOY_BLOB_TIMEOUT` (seconds) on a slow network";
    RecoveryVaultCredential => Environment, "sign in (`az login`), or choose another `--auth`";
    RecoveryVaultForeignHost => Environment, "the management endpoint sent a link to another host; no request was made to it: check `--management-endpoint`";
    RecoveryVaultFailed => Environment, "retry; if it persists, export the job with `az backup job show` and pass it with `--job`";
    Internal => Environment, "this is a bug in restore-deploy; please report it with the command line you ran";
    InvalidVmName => Rejected, "an Azure VM name is 1 to 64 ASCII letters, digits, `-`, `_` and `.`, not ending in `.` or `-`, and not a Windows device name (`CON`, `NUL`, `COM1`…): check the config blob's `name`, or restore this VM alone with `--vm-name`";
    UnsafeOutputFolder => Environment, "remove the link (or entry) at the folder named, or choose another `--out`; nothing it points to was changed";
    NotARegularFile => Environment, "name a regular file (a FIFO, device or socket is never read or written), or remove the entry named";
    ConflictingPlacement => Rejected, "keep one of the two placements Azure refuses together (the message names them)";
    WrongInputKind => Rejected, "pass the file with the flag named above";
    InvalidNicSubnet => Usage, "give `--nic-subnet <index>=<subnet resource id>`, each index once, 0 for the primary NIC";
    ConflictingNicOptions => Usage, "`--reuse-source-nics` attaches the source NICs as they are: drop it, or drop the option that changes a new NIC";
}

impl Code {
    /// Exit status: 1 input rejected, 2 usage, 3 environment.
    pub fn exit_code(self) -> u8 {
        self.exit() as u8
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failure, with everything the user needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    /// What went wrong, lowercase, user values in backticks.
    pub message: String,
    /// What restore-deploy was doing ("reading the config blob").
    pub doing: Option<String>,
    /// Path, `-` or redacted URL of the input.
    pub source: Option<String>,
    /// JSON path (`$.properties.storageProfile.osDisk`) or `line 3, column 7`.
    pub location: Option<String>,
    /// Underlying causes, outermost first.
    pub causes: Vec<String>,
    /// The next step.
    pub help: Option<String>,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            doing: None,
            source: None,
            location: None,
            causes: Vec::new(),
            help: None,
        }
    }
    pub fn doing(mut self, doing: impl Into<String>) -> Self {
        self.doing = Some(doing.into());
        self
    }
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Fill in the source and activity when a lower layer did not know them.
    pub fn in_source(mut self, source: &str, doing: &str) -> Self {
        if self.source.is_none() {
            self.source = Some(source.to_owned());
        }
        if self.doing.is_none() {
            self.doing = Some(doing.to_owned());
        }
        self
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(Code::Internal, message)
    }
}

/// Characters that must never reach a terminal raw: C0 controls, DEL, C1 controls (U+009B is an
/// 8-bit CSI), bidirectional overrides, embeddings, isolates and marks (they reorder what the
/// reader sees), the line and paragraph separators, and the invisible zero-width space and byte
/// order mark (they hide text in names). Every output writes them in its own
/// escape syntax instead, so the value is kept exactly and shown harmlessly.
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{200B}' | '\u{FEFF}'
        )
}

/// The first [`is_hazard`] character of `s` and its byte offset. Printable ASCII, nearly every
/// byte of real input, is passed over a byte at a time; characters are decoded only from the first
/// byte outside it (a control, DEL, or the start of a multi-byte character, so a char boundary).
/// A 1 MiB tag value took a debug build most of a second when every character was decoded.
pub fn first_hazard(s: &str) -> Option<(usize, char)> {
    let start = s.bytes().position(|b| !(0x20..0x7f).contains(&b))?;
    s[start..]
        .char_indices()
        .find(|&(_, c)| is_hazard(c))
        .map(|(i, c)| (start + i, c))
}

/// User values can hold control characters (a hostile VM name with an ANSI escape or a newline).
/// Messages go to a terminal, so those are shown escaped (`\u{1b}`), never sent raw.
pub fn shown(s: &str) -> String {
    if first_hazard(s).is_none() {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if is_hazard(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = self.source.as_deref().map(shown);
        let location = self.location.as_deref().map(shown);
        write!(f, "error[{}]: {}", self.code, shown(&self.message))?;
        match (&source, &location) {
            (Some(s), Some(l)) => write!(f, "\n  --> {s}: {l}")?,
            (Some(s), None) => write!(f, "\n  --> {s}")?,
            (None, Some(l)) => write!(f, "\n  --> {l}")?,
            (None, None) => {}
        }
        if let Some(d) = &self.doing {
            write!(f, "\n  while {}", shown(d))?;
        }
        for c in &self.causes {
            write!(f, "\n  caused by: {}", shown(c))?;
        }
        let help = self.help.as_deref().unwrap_or(self.code.default_help());
        write!(f, "\n  help: {}", shown(help))?;
        Ok(())
    }
}

/// A non-empty list of errors: validation reports every problem at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// The exit status of a failed run: the most severe of its errors (environment 3 over
    /// usage 2 over input 1), so a network failure is never reported as bad input.
    pub fn exit_code(&self) -> u8 {
        self.0.iter().map(|e| e.code.exit_code()).max().unwrap_or(1)
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

/// A run lists at most this many problems, then how many more there are: a hostile input with
/// thousands of broken disks must not flood the terminal.
pub const MAX_SHOWN_PROBLEMS: usize = 50;

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().take(MAX_SHOWN_PROBLEMS).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{e}")?;
        }
        if self.0.len() > MAX_SHOWN_PROBLEMS {
            writeln!(
                f,
                "\n... and {} more problems not shown",
                self.0.len() - MAX_SHOWN_PROBLEMS
            )?;
        }
        if self.0.len() > 1 {
            writeln!(f, "{} problems found", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
impl std::error::Error for Errors {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_hazard_is_the_one_a_char_by_char_scan_finds() {
        let naive = |s: &str| s.char_indices().find(|&(_, c)| is_hazard(c));
        let long = "A".repeat(300);
        let fixed = [
            "",
            "plain",
            &long,
            "\u{1b}[31m",
            "end\n",
            "tab\there",
            "del\u{7f}",
            "é then \u{202e}",
            "中文\u{200b}x",
            "\u{9b}c1",
            "caf\u{e9}",
            "\u{feff}bom",
            "no hazard: é 中 ñ",
            "\u{2028}",
        ];
        for s in fixed {
            assert_eq!(first_hazard(s), naive(s), "{s:?}");
        }
        // Every character up to U+FFFF, after printable ASCII, after a multi-byte character, and
        // before a later hazard.
        for c in (0..=0xFFFF).filter_map(char::from_u32) {
            for s in [format!("ab{c}cd"), format!("é{c}"), format!("{c}x\u{1b}")] {
                assert_eq!(first_hazard(&s), naive(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn every_code_has_a_distinct_name_and_a_help() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for c in Code::ALL {
            assert_eq!(format!("{c:?}"), c.as_str());
            assert!(!c.default_help().is_empty(), "{c}");
        }
    }

    #[test]
    fn readme_lists_every_code_with_its_exit_status() {
        let readme = include_str!("../README.md");
        for c in Code::ALL {
            let row = readme
                .lines()
                .find(|l| l.starts_with('|') && l.contains(&format!("`{}`", c.as_str())))
                .unwrap_or_else(|| panic!("README's error table has no row for `{c}`"));
            assert!(
                row.contains(&format!("| {} |", c.exit_code())),
                "README gives `{c}` another exit status than {}: {row}",
                c.exit_code()
            );
        }
    }

    #[test]
    fn hazards_are_shown_escaped() {
        assert_eq!(shown("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(
            shown("x\u{7f}\u{9b}\u{202e}\u{2066}\u{2028}y"),
            "x\\u{7f}\\u{9b}\\u{202e}\\u{2066}\\u{2028}y"
        );
        assert_eq!(shown("plain é ✓"), "plain é ✓");
    }

    #[test]
    fn exit_status_by_family() {
        assert_eq!(Code::Usage.exit_code(), 2);
        assert_eq!(Code::BlobInsecureToken.exit_code(), 2);
        assert_eq!(Code::InvalidJson.exit_code(), 1);
        assert_eq!(Code::StaleOutput.exit_code(), 1);
        assert_eq!(Code::BlobTimeout.exit_code(), 3);
        assert_eq!(Code::Internal.exit_code(), 3);
        // The most severe error decides a mixed run.
        let mixed = Errors(vec![
            Error::new(Code::InvalidJson, "a"),
            Error::new(Code::FileSystem, "b"),
        ]);
        assert_eq!(mixed.exit_code(), 3);
    }

    #[test]
    fn an_error_without_its_own_help_shows_the_code_default() {
        let e = Error::new(Code::MissingVmSize, "no size");
        assert!(e.to_string().ends_with("help: pass `--vm-size`"), "{e}");
        let e = e.help("something specific");
        assert!(e.to_string().ends_with("help: something specific"), "{e}");
    }

    #[test]
    fn at_most_fifty_problems_are_listed() {
        let many = Errors(
            (0..120)
                .map(|i| Error::new(Code::InvalidLun, format!("problem {i}")))
                .collect(),
        );
        let text = many.to_string();
        assert_eq!(
            text.matches("error[InvalidLun]").count(),
            MAX_SHOWN_PROBLEMS
        );
        assert!(
            text.contains("... and 70 more problems not shown"),
            "{text}"
        );
        assert!(text.ends_with("120 problems found\n"), "{text}");
    }
}
