//! Command-line arguments as clap parses them. `lib::run` turns them into [`model::Overrides`]
//! and sources; nothing here decides anything about the restore.
//!
//! The help text is part of the product: every option says what it does and what it defaults to
//! today, and `tests/help.rs` snapshots each page so a change to it is reviewed.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Help headings, shared by the three subcommands so their pages read alike.
const SOURCES: &str = "Sources (at least one of --config and --job)";
const DEPLOYMENT: &str = "Deployment options";
const ENCRYPTION: &str = "Encryption overrides";
const KEYS: &str = "Key restore (when the BEK secret or KEK no longer exists)";
const BATCH: &str = "Many restores";
const VAULT: &str = "Recovery Services vault (the job read from Azure Resource Manager)";

/// Clap styles its own headings (bold, underlined) and leaves `after_long_help` as written, so
/// the examples' heading carries the same escape codes; clap strips them when the output is not a
/// terminal. Every long page then ends with the environment and the exit statuses, as `cargo
/// --help` and `rg --help` do (README's "Exit status" says the same; tests/help.rs compares).
macro_rules! examples {
    ($($line:literal)*) => {
        concat!("\x1b[1m\x1b[4mExamples:\x1b[0m\n", $($line, "\n",)* "\n", footer!())
    };
}

macro_rules! footer {
    () => {
        concat!(
            "\x1b[1m\x1b[4mEnvironment:\x1b[0m\n",
            "  AZURE_STORAGE_SAS_TOKEN             --sas: a SAS token for blob URLs built from the job\n",
            "  AZURE_SUBSCRIPTION_ID               --subscription: the vault's subscription\n",
            "  RESTORE_DEPLOY_MANAGEMENT_ENDPOINT  --management-endpoint: Resource Manager's endpoint\n",
            "  AZURE_TENANT_ID, AZURE_CLIENT_ID    --auth client-secret, workload-identity, managed-identity\n",
            "  AZURE_CLIENT_SECRET                 --auth client-secret: the service principal's secret\n",
            "  AZURE_FEDERATED_TOKEN_FILE          --auth workload-identity: the projected token\n",
            "  RESTORE_DEPLOY_BLOB_TIMEOUT         seconds (1 to 600, default 15) for one blob or vault read\n",
            "  RESTORE_DEPLOY_LOCK_WAIT            seconds (1 to 600, default 10) --out waits for another run\n",
            "  NO_COLOR                            set (not empty): no colour with --color auto\n",
            "\n",
            "\x1b[1m\x1b[4mExit status:\x1b[0m\n",
            "  0  done\n",
            "  1  the input was rejected: invalid, unsupported, recovery point too old, stale files under\n",
            "     --check, a failed check\n",
            "  2  usage error\n",
            "  3  the environment failed: file system, network, authentication\n",
        )
    };
}

/// `-V`: the version and the commit it was built from (build.rs; `unknown` outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RESTORE_DEPLOY_COMMIT"),
    ")"
);

/// `--version`: also whether blob URLs and the vault can be read (the `azure` feature).
#[cfg(feature = "azure")]
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RESTORE_DEPLOY_COMMIT"),
    ")\nblob and vault support (feature `azure`): built in"
);
#[cfg(not(feature = "azure"))]
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RESTORE_DEPLOY_COMMIT"),
    ")\nblob and vault support (feature `azure`): not built in; pass local files"
);

#[derive(Debug, Parser)]
#[command(
    name = "restore-deploy",
    version = VERSION,
    long_version = LONG_VERSION,
    about = "Turn an Azure Backup 'Restore disks' job of an ADE-encrypted VM into a correct ARM template or PowerShell script",
    long_about = None,
    after_long_help = examples!(
        "  # What the bundled example restore is, and which input decided each fact (the blobs"
        "  # name neither the new VM nor its key vault's resource id, only the vault's URL):"
        "  restore-deploy inspect --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
        ""
        "  # Its ARM bundle, written into out/app01:"
        "  restore-deploy generate --format arm --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --out out/app01 --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
        ""
        "  # Your own restore: the job saved with `az backup job show ... --output json > job.json`,"
        "  # its blobs read from the staging account with your `az login`:"
        "  restore-deploy generate --format arm --job job.json --vm-name app01-restored --out out/app01"
        ""
        "  Each command's --help ends with more examples."
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour errors, warnings, help and --check diffs: on a terminal without NO_COLOR (auto), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: crate::paint::Choice,
}

#[derive(Debug, Subcommand)]
// Each subcommand's arguments are built only when it is the one run (or for help, completions
// and the man page, which build them all): a run used to build every subcommand's arguments,
// a tenth of a one-job run's instructions (issue 21). A deferred subcommand's `about` is set
// before its arguments, so an argument struct's doc comment would replace it: those structs
// are described in `//` comments.
#[command(defer = true)]
pub enum Command {
    /// Write the ARM bundle or the PowerShell script for this restore.
    #[command(after_long_help = examples!(
        "  # The bundled example restore as an ARM bundle in out/app01 (next steps on stderr):"
        "  restore-deploy generate --format arm --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --out out/app01 --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
        ""
        "  # A PowerShell script to stdout, the blobs read from the staging account with a SAS:"
        "  restore-deploy generate --format powershell --job job.json --sas \"$SAS\" \\"
        "    --virtual-network vnet-app --subnet snet-app > restore-vm.ps1"
        ""
        "  # CI: exit 1 with a diff when the committed bundle in out/app01 is stale:"
        "  restore-deploy generate --format arm --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --out out/app01 --check --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
    ))]
    Generate(GenerateArgs),
    /// Show what was found and which input decided each fact.
    #[command(after_long_help = examples!(
        "  # The bundled example restore: case, disks, keys, recovery point, each with its source:"
        "  restore-deploy inspect --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
        ""
        "  # The same as JSON, for scripts:"
        "  restore-deploy inspect --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --json --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
        ""
        "  # Only the job: the config and encryption-info blobs are read from a local Azurite:"
        "  restore-deploy inspect --job job.json \\"
        "    --blob-endpoint http://127.0.0.1:10000/devstoreaccount1 --sas \"$SAS\""
    ))]
    Inspect(InspectArgs),
    /// Offline checks of the key references and the recovery point time.
    #[command(after_long_help = examples!(
        "  # The bundled example restore's key references and recovery point time:"
        "  restore-deploy check --config examples/app01-restore/config-app01.json \\"
        "    --job examples/app01-restore/job.json \\"
        "    --encryption-info examples/app01-restore/encryption-info.json \\"
        "    --vm-name app01-restored --key-vault-id \\"
        "    /subscriptions/3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-contoso-prod"
        ""
        "  # Inputs that name no key vault (only an encryption-info blob): give it by hand:"
        "  restore-deploy check --config config.json --job job.json --encryption-info encinfo.json \\"
        "    --key-vault-id /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<kv>"
    ))]
    // The network options change nothing `check` verifies: accepted (a generate line pastes as
    // it is) but not listed on its page.
    Check(CheckArgs),
    /// List a Recovery Services vault's VM disk-restore jobs, newest first.
    #[command(after_long_help = examples!(
        "  # The last 7 days of disk restores in a vault (the Azure CLI's subscription):"
        "  restore-deploy jobs --vault rsv-prod --resource-group rg-backup"
        ""
        "  # The last 24 hours, as JSON lines:"
        "  restore-deploy jobs --vault rsv-prod --resource-group rg-backup --since 24h --json"
        ""
        "  # Then the bundle of one of them, straight from the vault:"
        "  restore-deploy generate --format arm --vault rsv-prod --resource-group rg-backup \\"
        "    --job-id cfa8b622-e3c4-4d5b-ac0f-cd016c6ac607 --out out/app01"
    ))]
    Jobs(JobsArgs),
    /// Print a shell completion script to stdout.
    #[command(after_long_help = examples!(
        "  # bash, for this user:"
        "  restore-deploy completions bash > ~/.local/share/bash-completion/completions/restore-deploy"
        ""
        "  # PowerShell, for this session (add the line to $PROFILE to keep it):"
        "  restore-deploy completions powershell | Out-String | Invoke-Expression"
    ))]
    Completions(CompletionsArgs),
    /// Print a man page (roff) to stdout: the tool's, or one subcommand's.
    #[command(after_long_help = examples!(
        "  # Read it now:"
        "  restore-deploy man | man -l -"
        ""
        "  # Install the pages for this user:"
        "  restore-deploy man generate > ~/.local/share/man/man1/restore-deploy-generate.1"
    ))]
    Man(ManArgs),
}

// `completions`: the shell to write a script for.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

// `man`: the page to print. A subcommand instead of a build step: `cargo install` installs no
// man pages, so the installed binary is the one place a page can always come from.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (restore-deploy-NAME(1)); default: restore-deploy(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

// Where the vault is and how Resource Manager is reached. `--vault-name` and `-g` are the
// Azure CLI's spellings (`az backup job list -g … --vault-name …`), so its commands paste as
// they are; likewise `--size`, `--vnet-name` and `-l` from `az vm create`.
#[derive(Debug, Args)]
#[command(next_help_heading = VAULT)]
pub struct VaultArgs {
    /// The Recovery Services vault that ran the restore.
    #[arg(
        long,
        visible_alias = "vault-name",
        value_name = "NAME",
        requires = "resource_group"
    )]
    pub vault: Option<String>,
    /// The vault's resource group.
    #[arg(short = 'g', long, value_name = "GROUP", requires = "vault")]
    pub resource_group: Option<String>,
    /// The vault's subscription id; default with `--auth cli`: the Azure CLI's current one.
    #[arg(
        long,
        value_name = "ID",
        env = "AZURE_SUBSCRIPTION_ID",
        hide_env_values = true,
        requires = "vault"
    )]
    pub subscription: Option<String>,
    /// Azure Resource Manager's endpoint (sovereign clouds, test servers); default: https://management.azure.com.
    #[arg(
        long,
        value_name = "URL",
        env = "RESTORE_DEPLOY_MANAGEMENT_ENDPOINT",
        hide_env_values = true
    )]
    pub management_endpoint: Option<String>,
}

// `--vault` (which requires `--resource-group`) is optional where a job can come from a file,
// but `jobs` has nothing else to list: a required group of one puts it on the usage line.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("listed").required(true).args(["vault"])))]
pub struct JobsArgs {
    #[command(flatten)]
    pub vault: VaultArgs,
    /// How far back to look: `24h`, `7d` (at most 30 days).
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub since: String,
    /// Print JSON lines instead of a table.
    #[arg(long, default_value_if("output", "json", "true"))]
    pub json: bool,
    /// `-o json` / `--output json`, as az spells it: the same as --json.
    #[arg(
        short = 'o',
        long,
        value_enum,
        value_name = "FORMAT",
        hide_short_help = true
    )]
    pub output: Option<OutputArg>,
    /// Entra ID credential for Resource Manager.
    #[arg(long, value_enum, default_value = "cli")]
    pub auth: AuthArg,
}

/// `--output`'s values: only az's `json`, which means what `--json` means (az's `table`, `tsv`
/// and `yaml` have no counterpart here, so they are refused rather than taken for text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputArg {
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// azuredeploy.json + azuredeploy.parameters.json
    Arm,
    /// restore-vm.ps1 (Az cmdlets)
    Powershell,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("many").multiple(true).args(["jobs", "since"])))]
pub struct GenerateArgs {
    /// The output to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Write the bundle into DIR (created if missing); default: the main file to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 1 with a diff when DIR's files are stale.
    #[arg(long, requires = "out")]
    pub check: bool,
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub deploy: DeployArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
    /// With --jobs or --since: print the summary as JSON lines instead of a table.
    #[arg(long, requires = "many", default_value_if("output", "json", "true"), help_heading = BATCH)]
    pub json: bool,
    /// `-o json` / `--output json`, as az spells it: the same as --json.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", requires = "many", hide_short_help = true, help_heading = BATCH)]
    pub output: Option<OutputArg>,
    /// With --vault and no --job-id: every completed VM disk-restore job of the last DURATION (`24h`, `7d`; at most 30 days), one folder per VM under --out, as --jobs does.
    #[arg(long, value_name = "DURATION", requires_all = ["vault", "out"], conflicts_with_all = ["job_id", "config", "job", "encryption_info", "jobs", "secret_url", "key_url", "nic_subnet"], help_heading = VAULT)]
    pub since: Option<String>,
    /// Colour the `--check` diff: set by `run` from the root's `--color` and standard output.
    #[arg(skip)]
    pub paint_diff: bool,
}

// `many`: the options that run many jobs (here only `--jobs`; `generate` also has `--since`),
// which `--config-dir` and `--quiet` require.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("many").multiple(true).args(["jobs"])))]
pub struct InspectArgs {
    /// Print the inspection as JSON instead of text.
    #[arg(long, default_value_if("output", "json", "true"))]
    pub json: bool,
    /// `-o json` / `--output json`, as az spells it: the same as --json.
    #[arg(
        short = 'o',
        long,
        value_enum,
        value_name = "FORMAT",
        hide_short_help = true
    )]
    pub output: Option<OutputArg>,
    #[command(flatten)]
    pub sources: SourceArgs,
    #[command(flatten)]
    pub deploy: DeployArgs,
    #[command(flatten)]
    pub batch: BatchArgs,
}

#[derive(Debug, Args)]
// Here, not on the `Check` variant: the variant's methods run before its (deferred) arguments
// exist.
#[command(
    mut_arg("virtual_network", |a| a.hide(true)),
    mut_arg("virtual_network_resource_group", |a| a.hide(true)),
    mut_arg("subnet", |a| a.hide(true)),
    mut_arg("nic_subnet", |a| a.hide(true)),
    mut_arg("reuse_source_nics", |a| a.hide(true)),
    mut_arg("public_ip", |a| a.hide(true))
)]
pub struct CheckArgs {
    /// The output the checks are for: the recovery point date rule applies to `arm` only.
    #[arg(long, value_enum, default_value = "arm")]
    pub format: Format,
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
#[command(
    group(ArgGroup::new("sources").required(true).multiple(true).args(["config", "job", "vault"])),
    next_help_heading = SOURCES
)]
pub struct SourceArgs {
    /// The config blob: a file, `-` for stdin, or a blob URL.
    #[arg(long, value_name = "SRC")]
    pub config: Option<String>,
    /// The restore job's details; without --config, the config blob is the one it names.
    #[arg(long, value_name = "SRC")]
    pub job: Option<String>,
    /// The job's encryption-info blob; default: the one the job names, when the config is read from storage.
    #[arg(long, value_name = "SRC")]
    pub encryption_info: Option<String>,
    /// Azure Backup's own template of the restore (`azuredeploy<job id>.json`): restored disk ids, source network and NSG.
    #[arg(long, value_name = "SRC")]
    pub template: Option<String>,
    /// Recovery point time: RFC 3339, a date (`2024-03-01`), `M/d/yyyy h:mm:ss AM|PM` or `d.M.yyyy HH:mm:ss`; without an offset it is UTC; default: the job's.
    #[arg(long, value_name = "TIME")]
    pub recovery_point_time: Option<String>,
    /// Endpoint for the blobs the job names (emulators, sovereign clouds); default: the job's.
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
    /// Entra ID credential for blob URLs without a SAS (and for the vault).
    #[arg(long, value_enum, default_value = "cli")]
    pub auth: AuthArg,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// The restore job's id in --vault: the job is read from the vault, as a --job file of the same content.
    #[arg(long, value_name = "ID", requires = "vault", conflicts_with = "job", help_heading = VAULT)]
    pub job_id: Option<String>,
}

// Many jobs in one run. `--jobs` stands in for `--config` and `--job` (it joins their required
// group on the pages that have it): each job names its own blobs, and the other source and
// deployment options apply to every job. `--vm-name` would give every restore the same name,
// so with `--jobs` it must name each one from its source (`{source}-dr`): [`DeployArgs::many`].
#[derive(Debug, Args)]
#[command(next_help_heading = BATCH)]
pub struct BatchArgs {
    /// Many restores in one run: job files, or folders of `*.json` job files (generate: a folder per VM under --out).
    #[arg(
        long,
        value_name = "PATH",
        num_args = 1..,
        group = "sources",
        conflicts_with_all = ["config", "job", "encryption_info", "secret_url", "key_url", "nic_subnet"]
    )]
    pub jobs: Vec<PathBuf>,
    /// With --jobs (or generate's --since): read the config and encryption-info blobs from DIR, by the blob names each job gives.
    #[arg(long, value_name = "DIR", requires = "many")]
    pub config_dir: Option<PathBuf>,
    /// With --jobs (or generate's --since): how many jobs are read and rendered at once.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 8,
        value_parser = clap::value_parser!(u16).range(1..=256)
    )]
    pub concurrency: u16,
    /// With --jobs (or generate's --since): no progress bar (shown only on a terminal anyway), timing or batch next steps on stderr.
    #[arg(long, requires = "many")]
    pub quiet: bool,
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
    /// Read it from the inputs.
    Auto,
    /// Encrypted with Azure AD (dual-pass).
    Aad,
    /// Encrypted without Azure AD (single-pass).
    NoAad,
    /// Not encrypted.
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
#[command(next_help_heading = DEPLOYMENT)]
pub struct DeployArgs {
    /// Name of the new VM; `{source}` stands for the source VM's name (required with --jobs/--since: `{source}-dr`); without it, asked at deployment (never the source's: that would update the source VM where it still exists).
    #[arg(long, value_name = "NAME")]
    pub vm_name: Option<String>,
    /// Azure region of the new VM; default: the source VM's region.
    #[arg(short = 'l', long, value_name = "REGION")]
    pub location: Option<String>,
    /// VM size, e.g. `Standard_D2s_v3`; default: the source VM's size.
    #[arg(long, visible_alias = "size", value_name = "SIZE")]
    pub vm_size: Option<String>,
    /// Existing virtual network for the VM's network interface; without it, asked at deployment.
    #[arg(long, visible_alias = "vnet-name", value_name = "NAME")]
    pub virtual_network: Option<String>,
    /// Resource group of the virtual network; default: the group the VM is deployed into.
    #[arg(long, value_name = "GROUP")]
    pub virtual_network_resource_group: Option<String>,
    /// Subnet of the virtual network, for every new NIC unless --nic-subnet moves it; without it, asked at deployment.
    #[arg(long, value_name = "NAME")]
    pub subnet: Option<String>,
    /// The subnet of one NIC, by its index in `inspect`'s list (0: the primary); repeatable. The others take --subnet. One VM's NICs: not with --jobs or --since.
    #[arg(long, value_name = "INDEX=SUBNET_ID")]
    pub nic_subnet: Vec<String>,
    /// DR drill: attach the source VM's own NICs by id instead of creating new ones; the scripts first check that each exists and that no other VM holds it.
    #[arg(long)]
    pub reuse_source_nics: bool,
    /// Create a Standard static public IP for the VM; by default it gets none.
    #[arg(long, overrides_with = "no_public_ip")]
    pub public_ip: bool,
    /// Do not create a public IP (the default; kept, hidden, so older command lines still work).
    #[arg(long, overrides_with = "public_ip", hide = true)]
    pub no_public_ip: bool,
    /// Resource id of the availability set to join; default: the source VM's, if it had one.
    #[arg(long, value_name = "ID")]
    pub availability_set_id: Option<String>,
    /// Join no availability set, not even the source VM's (a VHD source's set is Classic unless migrated, and refuses VMs on managed disks).
    #[arg(long, conflicts_with = "availability_set_id")]
    pub no_availability_set: bool,
    /// The source VM's ADE flavour.
    #[arg(long, value_enum, default_value = "auto", help_heading = ENCRYPTION)]
    pub ade: AdeArg,
    /// Versioned URL of the BEK secret; default: the config's or encryption-info blob's. One VM's key: not with --jobs or --since.
    #[arg(long, value_name = "URL", help_heading = ENCRYPTION)]
    pub secret_url: Option<String>,
    /// Versioned URL of the KEK; default: the config's or encryption-info blob's. One VM's key: not with --jobs or --since.
    #[arg(long, value_name = "URL", help_heading = ENCRYPTION)]
    pub key_url: Option<String>,
    /// Resource id of the BEK secret's key vault; default: the config's.
    #[arg(long, value_name = "ID", help_heading = ENCRYPTION)]
    pub key_vault_id: Option<String>,
    /// Resource id of the KEK's key vault; default: the config's, or the BEK's if the KEK is in it.
    #[arg(long, value_name = "ID", help_heading = ENCRYPTION)]
    pub kek_vault_id: Option<String>,
    /// Volumes ADE encrypts; default: Data with Azure AD, All without.
    #[arg(long, value_enum, value_name = "All|Data|OS", help_heading = ENCRYPTION)]
    pub volume_type: Option<VolumeTypeArg>,
    /// Before the deployment, restore the BEK secret and KEK from the encryption-info blob when they no longer exist (needs --target-key-vault).
    #[arg(long, requires = "target_key_vault", help_heading = KEYS)]
    pub restore_keys: bool,
    /// Resource id of the key vault to restore them into (the VM's subscription and region); alone it implies --restore-keys.
    #[arg(long, visible_alias = "restore-keys-into", value_name = "ID", help_heading = KEYS)]
    pub target_key_vault: Option<String>,
    /// Resource group of the restored managed disks; default: the job's `Target resource group`.
    #[arg(long, value_name = "GROUP")]
    pub disk_resource_group: Option<String>,
}

impl DeployArgs {
    /// With many jobs (`--jobs`, `--since`) one literal `--vm-name` would give every new VM the
    /// same name: only a name built from each source's (`{source}-dr`) is accepted there.
    pub fn many(&self, many: bool) -> Result<(), crate::error::Error> {
        use crate::overrides::SOURCE_PLACEHOLDER as P;
        match &self.vm_name {
            Some(n) if many && !n.contains(P) => Err(crate::error::Error::new(
                crate::error::Code::Usage,
                format!("`--vm-name {}` would give every job's VM the same name", crate::error::shown(n)),
            )
            .help(format!(
                "put `{P}` (the source VM's name) in it, e.g. `--vm-name '{P}-dr'`, or leave it out to be asked at deployment"
            ))),
            _ => Ok(()),
        }
    }
}

// The CLI → model mapping lives beside the clap types, so the layers below never see clap and a
// new flag is wired in the same file that declares it.

impl From<AuthArg> for crate::source::Auth {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::Cli => crate::source::Auth::Cli,
            AuthArg::ManagedIdentity => crate::source::Auth::ManagedIdentity,
            AuthArg::WorkloadIdentity => crate::source::Auth::WorkloadIdentity,
            AuthArg::ClientSecret => crate::source::Auth::ClientSecret,
        }
    }
}

impl SourceArgs {
    /// Where to read each input from, in the input layer's terms.
    pub fn request(&self) -> crate::input::read::Request<'_> {
        crate::input::read::Request {
            config: self.config.as_deref(),
            job: self.job.as_deref(),
            encryption_info: self.encryption_info.as_deref(),
            template: self.template.as_deref(),
            blob_endpoint: self.blob_endpoint.as_deref(),
            sas: self.sas.as_deref(),
            auth: self.auth.into(),
        }
    }
}

/// What the command line says over the inputs.
pub fn overrides(s: &SourceArgs, d: &DeployArgs) -> crate::model::Overrides {
    use crate::model::{AdeChoice, Overrides, VolumeType};
    Overrides {
        vm_name: d.vm_name.clone(),
        location: d.location.clone(),
        vm_size: d.vm_size.clone(),
        virtual_network: d.virtual_network.clone(),
        virtual_network_resource_group: d.virtual_network_resource_group.clone(),
        subnet: d.subnet.clone(),
        nic_subnets: d.nic_subnet.clone(),
        reuse_source_nics: d.reuse_source_nics,
        public_ip: match (d.public_ip, d.no_public_ip) {
            (_, true) => Some(false),
            (true, _) => Some(true),
            _ => None,
        },
        availability_set_id: d.availability_set_id.clone(),
        no_availability_set: d.no_availability_set,
        ade: match d.ade {
            AdeArg::Auto => AdeChoice::Auto,
            AdeArg::Aad => AdeChoice::Aad,
            AdeArg::NoAad => AdeChoice::NoAad,
            AdeArg::None => AdeChoice::None,
        },
        secret_url: d.secret_url.clone(),
        key_url: d.key_url.clone(),
        key_vault_id: d.key_vault_id.clone(),
        kek_vault_id: d.kek_vault_id.clone(),
        volume_type: d.volume_type.map(|v| match v {
            VolumeTypeArg::All => VolumeType::All,
            VolumeTypeArg::Data => VolumeType::Data,
            VolumeTypeArg::Os => VolumeType::Os,
        }),
        recovery_point_time: s.recovery_point_time.clone(),
        // One flag says it all: `--restore-keys-into <vault id>` (or `--target-key-vault`).
        restore_keys: d.restore_keys || d.target_key_vault.is_some(),
        target_key_vault: d.target_key_vault.clone(),
        disk_resource_group: d.disk_resource_group.clone(),
    }
}
