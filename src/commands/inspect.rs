//! `inspect`: what was found and which input decided each fact, for a person or as JSON.

use std::io::Write;

use crate::cli::InspectArgs;
use crate::error::Errors;
use crate::render;

pub fn run(a: &InspectArgs, out: &mut dyn Write) -> Result<(), Errors> {
    let (_, restore) = super::load(&a.sources, &a.deploy)?;
    let text = if a.json {
        render::inspect::json(&restore)?
    } else {
        render::inspect::human(&restore)
    };
    super::emit(out, &text).map(|_| ())
}
