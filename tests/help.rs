//! The command line as a user first meets it: its usage rule checked against the real parser, and
//! one line of help for every option.
//! All in-process through clap: no binary is spawned.

use clap::error::ErrorKind;
use clap::{Command, CommandFactory, Parser};
use restore_deploy::cli::Cli;

const SUBCOMMANDS: [&str; 3] = ["generate", "inspect", "check"];

/// The command as a terminal of a fixed width would show it: with clap's `wrap_help` the text
/// would otherwise follow the width of whatever terminal runs the tests.
fn root() -> Command {
    Cli::command().term_width(100).max_term_width(100)
}

fn sub(name: &str) -> Command {
    let mut root = root();
    // Subcommands inherit the root's settings (and get their usage's `restore-deploy` prefix)
    // only once the root is built.
    root.build();
    root.find_subcommand(name)
        .unwrap_or_else(|| panic!("no subcommand `{name}`"))
        .clone()
}

#[test]
fn clap_accepts_the_command_definition() {
    root().debug_assert();
}

#[test]
fn every_option_has_one_line_of_help() {
    for name in SUBCOMMANDS {
        for arg in sub(name).get_arguments() {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            assert!(
                !help.trim().is_empty() && !help.contains('\n'),
                "`{name} --{}` needs one line of help, has {help:?}",
                arg.get_id()
            );
        }
    }
}

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("restore-deploy").chain(args.iter().copied()))
}

/// What the usage line says: a config or a job, or both; every other source option is optional
/// and cannot stand in for them.
#[test]
fn a_config_or_a_job_is_the_one_required_source() {
    for name in SUBCOMMANDS {
        let base: Vec<&str> = match name {
            "generate" => vec![name, "--format", "arm"],
            _ => vec![name],
        };
        let with = |extra: &[&str]| parse(&[&base[..], extra].concat());

        for ok in [
            &["--config", "c.json"][..],
            &["--job", "j.json"],
            &["--config", "c.json", "--job", "j.json"],
        ] {
            assert!(with(ok).is_ok(), "`{name} {}` was refused", ok.join(" "));
        }
        for alone in [
            &[][..],
            &["--encryption-info", "e.json"],
            &["--recovery-point-time", "2019-12-25T22:07:11Z"],
            &["--blob-endpoint", "http://127.0.0.1:10000/devstoreaccount1"],
            &["--sas", "sv=x"],
            &["--auth", "cli"],
            &["--vm-name", "vm"],
        ] {
            let err = with(alone).err().unwrap_or_else(|| {
                panic!("`{name} {}` was accepted without a source", alone.join(" "))
            });
            assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
            assert_eq!(err.exit_code(), 2);
            let usage = err.to_string();
            assert!(
                usage.contains("<--config <SRC>|--job <SRC>>")
                    && !usage.contains("|--encryption-info"),
                "{usage}"
            );
        }
    }
}
