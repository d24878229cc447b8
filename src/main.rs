//! `restore-deploy`: parse the command line, run, map the result to an exit status
//! (0 done, 1 input rejected, 2 usage, 3 environment).

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use restore_deploy::cli::Cli;
use restore_deploy::paint::Choice;

fn main() -> ExitCode {
    // Clap prints its own help and usage errors before `--color` is parsed: the choice is read
    // from the arguments first, so those follow it too (clap's `auto` honours NO_COLOR).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let color = match color_arg(&args) {
        Some(Choice::Always) => clap::ColorChoice::Always,
        Some(Choice::Never) => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let cli = Cli::command()
        .color(color)
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit());
    let mut err = restore_deploy::paint::stderr(cli.color);
    match restore_deploy::run(cli, &mut restore_deploy::commands::stdout(), &mut err) {
        Ok(()) => ExitCode::SUCCESS,
        Err(errors) => {
            let _ = write!(err, "{errors}");
            let _ = err.flush();
            ExitCode::from(errors.exit_code())
        }
    }
}

/// The last `--color WHEN` / `--color=WHEN` before a lone `--`.
fn color_arg(args: &[std::ffi::OsString]) -> Option<Choice> {
    use clap::ValueEnum;
    let mut found = None;
    let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        let value = match a.as_ref() {
            "--" => break,
            "--color" => it.next().map(|v| v.into_owned()),
            other => other.strip_prefix("--color=").map(str::to_owned),
        };
        if let Some(v) = value {
            found = Choice::from_str(&v, false).ok().or(found);
        }
    }
    found
}
