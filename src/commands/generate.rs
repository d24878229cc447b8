//! `generate`: the bundle of one format, to standard output, into `--out DIR`, or compared with
//! DIR (`--check`).

use std::io::Write;

use super::{emit, say, Emitted};
use crate::cli::GenerateArgs;
use crate::error::{Code, Error, Errors};
use crate::format;
use crate::plan;

pub fn run(a: &GenerateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Errors> {
    let (_, r) = super::load(&a.sources, &a.deploy)?;
    let output = format::output(a.format);
    let warnings = output.preflight(&r)?;
    let say_warnings = |err: &mut dyn Write| {
        for w in &warnings {
            say(err, w);
        }
    };
    let Some(dir) = a.out.as_deref() else {
        // Standard output gets the main file alone: only it is rendered, and only its templates
        // compiled.
        let main = output.main_file(&r)?;
        say_warnings(err);
        if emit(out, &main.text)? == Emitted::Written {
            let _ = write!(err, "{}", output.next_steps(&r, None));
        }
        return Ok(());
    };
    let plan = output.plan(&r)?;
    say_warnings(err);
    if a.check {
        return match plan::check(&plan, dir)? {
            None => {
                say(err, &format!("{} is up to date", dir.display()));
                Ok(())
            }
            Some(diff) => {
                // The files on disk may hold anything (a tampered or hostile file): the diff goes
                // to a terminal, so each line is shown with its hazards escaped.
                let shown: Vec<String> = diff.split('\n').map(crate::error::shown).collect();
                emit(out, &crate::paint::diff(&shown.join("\n"), a.paint_diff))?;
                Err(Error::new(Code::StaleOutput, format!("the files in `{}` differ from what restore-deploy generates", dir.display()))
                    .help("run the same command without `--check` to update them, then review and commit the change")
                    .into())
            }
        };
    }
    for p in plan::write(&plan, dir)? {
        say(err, &format!("wrote {}", p.display()));
    }
    let _ = write!(err, "{}", output.next_steps(&r, Some(dir)));
    Ok(())
}
