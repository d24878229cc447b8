//! `completions` and `man`: generated from the clap definition that also gives `--help`, so
//! neither can name an option the parser does not have.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{Code, Error, Errors};

/// The shell completion script on `out`.
pub fn completions(a: &CompletionsArgs, out: &mut dyn Write) -> Result<(), Errors> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "restore-deploy", &mut buf);
    super::emit(out, &String::from_utf8_lossy(&buf)).map(|_| ())
}

/// The roff man page of the tool or of one subcommand on `out`.
pub fn man(a: &ManArgs, out: &mut dyn Write) -> Result<(), Errors> {
    let mut root = Cli::command();
    // Subcommands get their `restore-deploy NAME` display name only once the root is built.
    root.build();
    let cmd = match a.command.as_deref() {
        None => root,
        Some(name) => root.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            Error::new(Code::Usage, format!("no subcommand `{name}`"))
                .help(format!("one of: {}", names.join(", ")))
        })?,
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("restore-deploy {}", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .map_err(|e| {
            Error::new(Code::FileSystem, "cannot render the man page").cause(e.to_string())
        })?;
    super::emit(out, &String::from_utf8_lossy(&buf)).map(|_| ())
}
