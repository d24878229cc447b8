//! restore-deploy turns an Azure Backup "Restore disks" job of a VM encrypted with Azure Disk
//! Encryption into a deployment that rebuilds the VM with the right keys.
//!
//! The pipeline, each stage a module, data moving only down the list: **cli** (clap types and
//! their mapping to the layers below) → **source** (bytes from a file, stdin or a blob URL, each
//! remembering where it came from; which blobs a job names) → **input** (decoded, keys
//! normalised, raw serde types) → **model** (one validation step that reports every problem at
//! once and yields a restore whose encryption case is one legal enum value, every fact tagged
//! with the input that decided it) → **render** (one typed context per output, handlebars
//! templates built into the binary) → **format** (each output's files, date rule and next
//! steps) → **plan** (the files as text, then written atomically, printed, or diffed with
//! `--check`). **commands** holds one module per subcommand.

pub mod cli;
pub mod commands;
mod env;
pub mod error;
pub mod format;
pub mod input;
pub mod model;
pub mod overrides;
pub mod paint;
pub mod plan;
pub mod quote;
pub mod render;
pub mod source;

use std::io::Write;

pub use format::plan;
pub use input::read::from_bytes as inputs_from_bytes;

/// Run one command. Output goes to `out` (the product) and `err` (what to do next, warnings).
pub fn run(cli: cli::Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), error::Errors> {
    let mut cli = cli;
    if let cli::Command::Generate(a) = &mut cli.command {
        a.paint_diff = paint::stdout(cli.color);
    }
    match &cli.command {
        cli::Command::Generate(a) => a
            .deploy
            .many(a.since.is_some() || !a.batch.jobs.is_empty())
            .map_err(error::Errors::from)?,
        cli::Command::Inspect(a) => a.deploy.many(!a.batch.jobs.is_empty())?,
        _ => {}
    }
    match &cli.command {
        cli::Command::Generate(a) if a.since.is_some() => {
            commands::jobs::generate_window(a, out, err)
        }
        cli::Command::Generate(a) if !a.batch.jobs.is_empty() => {
            let json = a.json.then_some(commands::inspect::JsonMode::Lines);
            commands::inspect::json_errors(json, out, |out| commands::batch::generate(a, out, err))
        }
        cli::Command::Generate(a) => commands::generate::run(a, out, err),
        cli::Command::Inspect(a) => commands::inspect::run(a, out, err),
        cli::Command::Check(a) => commands::check::run(a, out),
        cli::Command::Jobs(a) => commands::jobs::run(a, out),
        cli::Command::Completions(a) => commands::docs::completions(a, out),
        cli::Command::Man(a) => commands::docs::man(a, out),
    }
}
