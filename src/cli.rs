//! Command-line arguments as clap parses them. `lib::run` turns them into [`model::Overrides`]
//! and sources; nothing here decides anything about the restore.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "restore-deploy",
    version,
    about = "Turn an Azure Backup 'Restore disks' job of an ADE-encrypted VM into a correct ARM template or PowerShell script",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the ARM bundle or the PowerShell script for this restore.
    Generate(GenerateArgs),
    /// Show what was found and which input decided each fact.
    Inspect(InspectArgs),
    /// Offline checks of the key references and the recovery point time.
    Check(CheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// azuredeploy.json + azuredeploy.parameters.json
    Arm,
    /// restore-vm.ps1 (Az cmdlets)
    Powershell,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write the bundle into DIR (created if missing); without it the main file goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 1 with a diff when DIR's files differ from what would be generated.
    #[arg(long, requires = "out")]
    pub check: bool,
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Print the inspection as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub deploy: DeployArgs,
}

// A struct-level `#[group]` would take in every field, and the usage line would then offer any
// one of them as the required source; only `--config` and `--job` can give the config blob, so
// the group is declared by hand with those two.
#[derive(Debug, Args)]
#[group(skip)]
#[command(group(ArgGroup::new("sources").required(true).multiple(true).args(["config", "job"])))]
pub struct SourceArgs {
    /// The config blob: a file, `-` for stdin, or a blob URL.
    #[arg(long, value_name = "SRC")]
    pub config: Option<String>,
    /// The restore job's details (property bag, job resource, or PowerShell job object).
    #[arg(long, value_name = "SRC")]
    pub job: Option<String>,
    /// The job's encryption-info blob.
    #[arg(long, value_name = "SRC")]
    pub encryption_info: Option<String>,
    /// Overrides the job's recovery point time (RFC 3339, or `M/d/yyyy h:mm:ss AM|PM` as UTC).
    #[arg(long, value_name = "TIME")]
    pub recovery_point_time: Option<String>,
    /// Storage endpoint for blob names taken from the job (emulators, sovereign clouds), e.g.
    /// `http://127.0.0.1:10000/devstoreaccount1`.
    #[arg(long, value_name = "URL")]
    pub blob_endpoint: Option<String>,
    /// SAS token added to blob URLs built from the job's names.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AZURE_STORAGE_SAS_TOKEN",
        hide_env_values = true
    )]
    pub sas: Option<String>,
    /// Entra ID credential for blob URLs without a SAS.
    #[arg(long, value_enum, default_value = "cli")]
    pub auth: AuthArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// The Azure CLI's login (`az login`).
    Cli,
    /// The Azure host's managed identity.
    ManagedIdentity,
    /// AKS workload identity (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE).
    WorkloadIdentity,
    /// A service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET).
    ClientSecret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdeArg {
    Auto,
    Aad,
    NoAad,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VolumeTypeArg {
    #[value(name = "All", alias = "all")]
    All,
    #[value(name = "Data", alias = "data")]
    Data,
    #[value(name = "OS", alias = "os")]
    Os,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[arg(long, value_name = "NAME")]
    pub vm_name: Option<String>,
    #[arg(long, value_name = "REGION")]
    pub location: Option<String>,
    #[arg(long, value_name = "SIZE")]
    pub vm_size: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub virtual_network: Option<String>,
    #[arg(long, value_name = "GROUP")]
    pub virtual_network_resource_group: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub subnet: Option<String>,
    /// Create a public IP for the VM (the default).
    #[arg(long, overrides_with = "no_public_ip")]
    pub public_ip: bool,
    /// Do not create a public IP.
    #[arg(long, overrides_with = "public_ip")]
    pub no_public_ip: bool,
    #[arg(long, value_name = "ID")]
    pub availability_set_id: Option<String>,
    /// The ADE flavour: auto (from the inputs), aad (with Azure AD), no-aad, or none.
    #[arg(long, value_enum, default_value = "auto")]
    pub ade: AdeArg,
    /// Versioned URL of the BEK secret.
    #[arg(long, value_name = "URL")]
    pub secret_url: Option<String>,
    /// Versioned URL of the key encryption key (KEK).
    #[arg(long, value_name = "URL")]
    pub key_url: Option<String>,
    /// Resource id of the key vault holding the BEK secret.
    #[arg(long, value_name = "ID")]
    pub key_vault_id: Option<String>,
    /// Resource id of the key vault holding the KEK.
    #[arg(long, value_name = "ID")]
    pub kek_vault_id: Option<String>,
    #[arg(long, value_enum, value_name = "All|Data|OS")]
    pub volume_type: Option<VolumeTypeArg>,
}
