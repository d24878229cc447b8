//! Rendering: one handlebars registry with the templates built into the binary, strict mode on,
//! HTML escaping off. Values reach text only through explicit helpers:
//! - `{{json x}}` serializes with serde (a JSON literal, never pasted text);
//! - `{{ps x}}` writes a PowerShell single-quoted literal with every quote character doubled;
//! - `{{int x}}` writes an integer and refuses anything else.
//!
//! A test (`templates_use_only_helpers`) checks that no template prints a bare `{{x}}`.

pub mod arm;
pub mod inspect;
pub mod powershell;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};

use std::sync::{Arc, Mutex};

use crate::error::Error;

/// Template names, addressed by constant; `templates_resolve` checks each is registered.
pub const ARM_TEMPLATE: &str = "arm/azuredeploy.json";
pub const ARM_PARAMETERS: &str = "arm/azuredeploy.parameters.json";
pub const PS_SCRIPT: &str = "powershell/restore-vm.ps1";

pub const TEMPLATES: &[(&str, &str)] = &[
    (
        ARM_TEMPLATE,
        include_str!("../../templates/arm/azuredeploy.json.hbs"),
    ),
    (
        ARM_PARAMETERS,
        include_str!("../../templates/arm/azuredeploy.parameters.json.hbs"),
    ),
    (
        PS_SCRIPT,
        include_str!("../../templates/powershell/restore-vm.ps1.hbs"),
    ),
];

/// A registry with the named templates compiled. Compiling is most of a run's CPU time, so a run
/// compiles only what it renders, and each set is compiled once per process and shared: a batch
/// of a thousand restores pays for it once, and threads render from the same registry.
pub fn registry(names: &[&str]) -> Result<Arc<Handlebars<'static>>, Error> {
    static CACHE: Mutex<Vec<(Vec<String>, Arc<Handlebars<'static>>)>> = Mutex::new(Vec::new());
    let mut key: Vec<String> = TEMPLATES
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(n, _)| (*n).to_owned())
        .collect();
    key.sort_unstable();
    // A panic elsewhere while the lock was held leaves only complete entries behind.
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, hb)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(Arc::clone(hb));
    }
    let hb = Arc::new(compile(&key)?);
    cache.push((key, Arc::clone(&hb)));
    Ok(hb)
}

fn compile(names: &[String]) -> Result<Handlebars<'static>, Error> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_helper("json", Box::new(json_helper));
    hb.register_helper("ps", Box::new(ps_helper));
    hb.register_helper("int", Box::new(int_helper));
    for (name, src) in TEMPLATES
        .iter()
        .filter(|(n, _)| names.iter().any(|k| k == n))
    {
        // Normalise the sources, not the output: output may carry user values (a tag with
        // `\r\n` or trailing spaces) that must survive byte for byte.
        hb.register_template_string(name, src.replace("\r\n", "\n"))
            .map_err(|e| Error::internal(format!("template `{name}` does not compile: {e}")))?;
    }
    Ok(hb)
}

fn param<'a>(h: &'a Helper, name: &str) -> Result<&'a serde_json::Value, RenderError> {
    h.param(0)
        .map(|p| p.value())
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("json/ps/int", 0).into())
        .map_err(|e: RenderError| {
            RenderErrorReason::Other(format!("helper `{name}` needs one value: {e}")).into()
        })
}

fn json_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let v = param(h, "json")?;
    let s = serde_json::to_string(v).map_err(|e| RenderErrorReason::Other(e.to_string()))?;
    out.write(&s)?;
    Ok(())
}

fn ps_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    match param(h, "ps")? {
        serde_json::Value::String(s) => {
            out.write(&ps_quote(s))?;
            Ok(())
        }
        other => {
            Err(RenderErrorReason::Other(format!("`ps` takes a string, got `{other}`")).into())
        }
    }
}

fn int_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    match param(h, "int")? {
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => {
            out.write(&n.to_string())?;
            Ok(())
        }
        other => {
            Err(RenderErrorReason::Other(format!("`int` takes an integer, got `{other}`")).into())
        }
    }
}

/// A PowerShell single-quoted string literal. Inside one, only quote characters are special, and
/// PowerShell treats the typographic single quotes U+2018..U+201B like `'`: each is doubled, so
/// no input can end the string, start a command or expand a variable.
pub fn ps_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Render one template with a typed context.
pub fn render<T: serde::Serialize>(hb: &Handlebars, name: &str, ctx: &T) -> Result<String, Error> {
    hb.render(name, ctx)
        .map_err(|e| Error::internal(format!("rendering `{name}` failed: {e}")))
}

/// The one place text output is finished: exactly one final newline. Line endings are fixed in
/// the template sources at registration, never here, because the text holds user values.
pub fn clean_text(s: &str) -> String {
    let mut out = s.trim_end_matches('\n').to_owned();
    out.push('\n');
    out
}

/// JSON outputs are rendered, parsed back (a template bug can never ship invalid JSON) and
/// printed in one canonical layout.
pub fn clean_json(name: &str, s: &str) -> Result<String, Error> {
    let v: serde_json::Value = serde_json::from_str(s)
        .map_err(|e| Error::internal(format!("template `{name}` produced invalid JSON: {e}")))?;
    let mut out = serde_json::to_string_pretty(&v)
        .map_err(|e| Error::internal(format!("cannot print `{name}`: {e}")))?;
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_resolve() {
        let hb = registry(&[ARM_TEMPLATE, ARM_PARAMETERS, PS_SCRIPT]).expect("templates compile");
        for name in [ARM_TEMPLATE, ARM_PARAMETERS, PS_SCRIPT] {
            assert!(hb.has_template(name), "{name}");
        }
    }

    #[test]
    fn a_template_set_is_compiled_once_and_only_what_was_asked() {
        let ps = registry(&[PS_SCRIPT]).expect("compiles");
        assert!(ps.has_template(PS_SCRIPT) && !ps.has_template(ARM_TEMPLATE));
        let again = registry(&[PS_SCRIPT]).expect("cached");
        assert!(Arc::ptr_eq(&ps, &again), "the same set was compiled twice");
        // The order the caller names them in does not make another set.
        let a = registry(&[ARM_TEMPLATE, ARM_PARAMETERS]).expect("compiles");
        let b = registry(&[ARM_PARAMETERS, ARM_TEMPLATE]).expect("cached");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &ps));
    }

    /// Every `{{...}}` that prints is a helper call (`json`, `ps`, `int`) or a block/else/comment.
    #[test]
    fn templates_use_only_helpers() {
        for (name, src) in TEMPLATES {
            assert!(!src.contains("{{{"), "{name} uses a raw triple-stash");
            for piece in src.split("{{").skip(1) {
                let inner = piece
                    .split("}}")
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches('~')
                    .trim();
                let ok = inner.starts_with('#')
                    || inner.starts_with('/')
                    || inner.starts_with('!')
                    || inner == "else"
                    || inner.starts_with("json ")
                    || inner.starts_with("ps ")
                    || inner.starts_with("int ");
                assert!(
                    ok,
                    "{name}: `{{{{{inner}}}}}` prints without an escaping helper"
                );
            }
        }
    }

    #[test]
    fn ps_quote_doubles_every_quote_kind() {
        assert_eq!(ps_quote("it's"), "'it''s'");
        assert_eq!(ps_quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(ps_quote("$(rm -r /)`n\"x\""), "'$(rm -r /)`n\"x\"'");
    }

    #[test]
    fn clean_text_keeps_content() {
        assert_eq!(clean_text("a  \r\nb\n\n\n"), "a  \r\nb\n");
    }
}
