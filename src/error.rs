//! The one error type. Every failure carries a stable [`Code`], what was being done, the source
//! it came from (a path, `-`, or a URL with any SAS signature redacted), where in that source
//! (JSON path or line/column) when there is such a place, and the next step for the user.
//!
//! Codes are part of the CLI contract (README lists them): scripts match on them, so a code is
//! never renamed, only added.

use std::fmt;

/// Stable error codes. The exit status follows from the code alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    // usage (exit 2)
    Usage,
    BlobSupportNotBuilt,
    // input rejected (exit 1)
    EmptyInput,
    InputTooLarge,
    InvalidEncoding,
    InvalidJson,
    UnexpectedValue,
    DuplicateKey,
    NotARestoreJob,
    ConfigNotFound,
    MissingOsDisk,
    MissingVmSize,
    MissingVmName,
    UnknownOsType,
    DiskHasBothVhdAndManagedDisk,
    DiskHasNoSource,
    MixedDiskKinds,
    InvalidManagedDiskId,
    InvalidVhdUri,
    InvalidLun,
    DuplicateLun,
    InvalidDiskSize,
    UnsupportedConfidentialVm,
    UnsupportedDiskEncryptionSet,
    UnknownAdeExtensionVersion,
    ConflictingEncryptionEvidence,
    IncompleteKeyReference,
    InvalidSecretUrl,
    InvalidKeyUrl,
    KeyUrlNotHttps,
    KeyUrlHasPort,
    KeyUrlNotVersioned,
    InvalidVaultId,
    UrlVaultMismatch,
    VaultSubscriptionMismatch,
    InvalidRecoveryPointTime,
    RecoveryPointTimeUnknown,
    RecoveryPointBeforeTemplateSupport,
    StaleOutput,
    // environment (exit 3)
    FileSystem,
    BlobNotFound,
    BlobAccessDenied,
    BlobUnreachable,
    BlobTimeout,
    BlobTruncated,
    BlobEmpty,
    BlobCredential,
    BlobInsecureToken,
    BlobFailed,
    // a bug in restore-deploy (exit 3, never expected)
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        // Debug of a fieldless enum is its name: the names are the codes.
        match self {
            Code::Usage => "Usage",
            Code::BlobSupportNotBuilt => "BlobSupportNotBuilt",
            Code::EmptyInput => "EmptyInput",
            Code::InputTooLarge => "InputTooLarge",
            Code::InvalidEncoding => "InvalidEncoding",
            Code::InvalidJson => "InvalidJson",
            Code::UnexpectedValue => "UnexpectedValue",
            Code::DuplicateKey => "DuplicateKey",
            Code::NotARestoreJob => "NotARestoreJob",
            Code::ConfigNotFound => "ConfigNotFound",
            Code::MissingOsDisk => "MissingOsDisk",
            Code::MissingVmSize => "MissingVmSize",
            Code::MissingVmName => "MissingVmName",
            Code::UnknownOsType => "UnknownOsType",
            Code::DiskHasBothVhdAndManagedDisk => "DiskHasBothVhdAndManagedDisk",
            Code::DiskHasNoSource => "DiskHasNoSource",
            Code::MixedDiskKinds => "MixedDiskKinds",
            Code::InvalidManagedDiskId => "InvalidManagedDiskId",
            Code::InvalidVhdUri => "InvalidVhdUri",
            Code::InvalidLun => "InvalidLun",
            Code::DuplicateLun => "DuplicateLun",
            Code::InvalidDiskSize => "InvalidDiskSize",
            Code::UnsupportedConfidentialVm => "UnsupportedConfidentialVm",
            Code::UnsupportedDiskEncryptionSet => "UnsupportedDiskEncryptionSet",
            Code::UnknownAdeExtensionVersion => "UnknownAdeExtensionVersion",
            Code::ConflictingEncryptionEvidence => "ConflictingEncryptionEvidence",
            Code::IncompleteKeyReference => "IncompleteKeyReference",
            Code::InvalidSecretUrl => "InvalidSecretUrl",
            Code::InvalidKeyUrl => "InvalidKeyUrl",
            Code::KeyUrlNotHttps => "KeyUrlNotHttps",
            Code::KeyUrlHasPort => "KeyUrlHasPort",
            Code::KeyUrlNotVersioned => "KeyUrlNotVersioned",
            Code::InvalidVaultId => "InvalidVaultId",
            Code::UrlVaultMismatch => "UrlVaultMismatch",
            Code::VaultSubscriptionMismatch => "VaultSubscriptionMismatch",
            Code::InvalidRecoveryPointTime => "InvalidRecoveryPointTime",
            Code::RecoveryPointTimeUnknown => "RecoveryPointTimeUnknown",
            Code::RecoveryPointBeforeTemplateSupport => "RecoveryPointBeforeTemplateSupport",
            Code::StaleOutput => "StaleOutput",
            Code::FileSystem => "FileSystem",
            Code::BlobNotFound => "BlobNotFound",
            Code::BlobAccessDenied => "BlobAccessDenied",
            Code::BlobUnreachable => "BlobUnreachable",
            Code::BlobTimeout => "BlobTimeout",
            Code::BlobTruncated => "BlobTruncated",
            Code::BlobEmpty => "BlobEmpty",
            Code::BlobCredential => "BlobCredential",
            Code::BlobInsecureToken => "BlobInsecureToken",
            Code::BlobFailed => "BlobFailed",
            Code::Internal => "Internal",
        }
    }

    /// Exit status per SPEC §2: 1 input rejected, 2 usage, 3 environment.
    pub fn exit_code(self) -> u8 {
        match self {
            Code::Usage | Code::BlobSupportNotBuilt | Code::BlobInsecureToken => 2,
            Code::FileSystem
            | Code::BlobNotFound
            | Code::BlobAccessDenied
            | Code::BlobUnreachable
            | Code::BlobTimeout
            | Code::BlobTruncated
            | Code::BlobEmpty
            | Code::BlobCredential
            | Code::BlobFailed
            | Code::Internal => 3,
            _ => 1,
        }
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
            .help("this is a bug in restore-deploy; please report it with the command line you ran")
    }
}

/// User values can hold control characters (a hostile VM name with an ANSI escape or a newline).
/// Messages go to a terminal, so those are shown escaped, never sent raw.
pub fn shown(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
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
        if let Some(h) = &self.help {
            write!(f, "\n  help: {}", shown(h))?;
        }
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

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{e}")?;
        }
        if self.0.len() > 1 {
            writeln!(f, "{} problems found", self.0.len())?;
        }
        Ok(())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
