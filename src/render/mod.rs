//! Rendering: one handlebars registry with the templates built into the binary, strict mode on,
//! HTML escaping off. Values reach text only through explicit helpers:
//! - `{{json x}}` serializes with serde (a JSON literal, never pasted text);
//! - `{{ps x}}` writes a PowerShell single-quoted literal with every quote character doubled;
//! - `{{int x}}` writes an integer and refuses anything else.
//!
//! A test (`templates_use_only_helpers`) checks that no template prints a bare `{{x}}`.

pub mod arm;
pub(crate) mod describe;
pub mod inspect;
pub mod inspect_json;
mod layout;
pub mod powershell;
mod prebuilt;
pub mod prepare;

use handlebars::{
    Context, Handlebars, Helper, HelperResult, JsonTruthy, Output, RenderContext, RenderError,
    RenderErrorReason, Renderable,
};

use std::sync::{Arc, Mutex};

use crate::error::{first_hazard, is_hazard, Error};

/// Template names, addressed by constant; `templates_resolve` checks each is registered.
pub const ARM_TEMPLATE: &str = "arm/azuredeploy.json";
pub const ARM_PARAMETERS: &str = "arm/azuredeploy.parameters.json";
pub const PS_SCRIPT: &str = "powershell/restore-vm.ps1";
pub const PREPARE_SCRIPT: &str = "prepare/prepare.ps1";
/// Partials: the steps before the deployment, shared by `prepare.ps1` and `restore-vm.ps1`.
pub const PREPARE_STEPS: &str = "prepare/steps";
pub const PREPARE_PARAMS: &str = "prepare/params";
/// The quoting of values in the commands both scripts print for a person to paste.
pub const PREPARE_LITERALS: &str = "prepare/literals";
/// The check before `--reuse-source-nics` attaches the source NICs, in both scripts.
pub const PREPARE_NICS: &str = "prepare/nics";

/// At most 64 (a set is a bit mask over this list; `templates_resolve` checks it).
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
    (
        "powershell/restore-vm/params",
        include_str!("../../templates/powershell/restore-vm/params.ps1.hbs"),
    ),
    (
        "powershell/restore-vm/checks",
        include_str!("../../templates/powershell/restore-vm/checks.ps1.hbs"),
    ),
    (
        "powershell/restore-vm/config",
        include_str!("../../templates/powershell/restore-vm/config.ps1.hbs"),
    ),
    (
        "powershell/restore-vm/disks",
        include_str!("../../templates/powershell/restore-vm/disks.ps1.hbs"),
    ),
    (
        "powershell/restore-vm/attach-and-network",
        include_str!("../../templates/powershell/restore-vm/attach-and-network.ps1.hbs"),
    ),
    (
        "powershell/restore-vm/vm-and-extension",
        include_str!("../../templates/powershell/restore-vm/vm-and-extension.ps1.hbs"),
    ),
    (
        PREPARE_SCRIPT,
        include_str!("../../templates/prepare/prepare.ps1.hbs"),
    ),
    (
        PREPARE_STEPS,
        include_str!("../../templates/prepare/steps.ps1.hbs"),
    ),
    (
        PREPARE_PARAMS,
        include_str!("../../templates/prepare/params.ps1.hbs"),
    ),
    (
        "prepare/steps/vault",
        include_str!("../../templates/prepare/steps/vault.ps1.hbs"),
    ),
    (
        "prepare/steps/lookups",
        include_str!("../../templates/prepare/steps/lookups.ps1.hbs"),
    ),
    (
        "prepare/steps/restore-functions",
        include_str!("../../templates/prepare/steps/restore-functions.ps1.hbs"),
    ),
    (
        "prepare/steps/restore-kek",
        include_str!("../../templates/prepare/steps/restore-kek.ps1.hbs"),
    ),
    (
        "prepare/steps/restore-bek",
        include_str!("../../templates/prepare/steps/restore-bek.ps1.hbs"),
    ),
    (
        "prepare/steps/restamp",
        include_str!("../../templates/prepare/steps/restamp.ps1.hbs"),
    ),
    (
        PREPARE_LITERALS,
        include_str!("../../templates/prepare/literals.ps1.hbs"),
    ),
    (
        PREPARE_NICS,
        include_str!("../../templates/prepare/nics.ps1.hbs"),
    ),
];

/// A registry with the named templates compiled. Compiling is most of a run's CPU time, so a run
/// compiles only what it renders (ARM's `prepare.ps1` templates only for a bundle that has one),
/// and each set is compiled once per process and shared: a batch of a thousand restores pays for
/// it once, and threads render from the same registry. A set is looked up by a bit mask of its
/// templates: no allocation per call.
pub fn registry(names: &[&str]) -> Result<Arc<Handlebars<'static>>, Error> {
    static CACHE: Mutex<Vec<(u64, Arc<Handlebars<'static>>)>> = Mutex::new(Vec::new());
    // A template's partials are named under it (`prepare/steps/vault` under `prepare/steps`) and
    // come with it: a large template is kept in pieces of a few KB because handlebars (through
    // pest's `Position::line_col`) counts each element's line and column from the start of its
    // template, so one template's compile time grows with the square of its size.
    let key = TEMPLATES
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| names.iter().any(|m| *n == *m || is_partial_of(n, m)))
        .fold(0u64, |k, (i, _)| k | 1 << i);
    // A panic elsewhere while the lock was held leaves only complete entries behind.
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, hb)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(Arc::clone(hb));
    }
    let hb = Arc::new(compile(key)?);
    cache.push((key, Arc::clone(&hb)));
    Ok(hb)
}

/// `prepare/steps/vault` is a partial of `prepare/steps`, `powershell/restore-vm/params` of
/// `powershell/restore-vm.ps1`: named under the template, without its extension.
fn is_partial_of(name: &str, template: &str) -> bool {
    let file = template.rsplit('/').next().unwrap_or(template);
    let base = match file.rfind('.') {
        Some(dot) => &template[..template.len() - (file.len() - dot)],
        None => template,
    };
    name.strip_prefix(base)
        .is_some_and(|rest| rest.starts_with('/'))
}

fn compile(key: u64) -> Result<Handlebars<'static>, Error> {
    let mut hb = configured();
    for (_, (name, src)) in TEMPLATES
        .iter()
        .enumerate()
        .filter(|(i, _)| key & (1 << i) != 0)
    {
        // Compiled at build time (`prebuilt.rs`): only its tree is allocated here.
        if let Some(t) = prebuilt::compiled(name, src) {
            hb.register_template(name, t);
            continue;
        }
        // Normalise the sources, not the output: output may carry user values (a tag with
        // `\r\n` or trailing spaces) that must survive byte for byte.
        hb.register_template_string(name, src.replace("\r\n", "\n"))
            .map_err(|e| Error::internal(format!("template `{name}` does not compile: {e}")))?;
    }
    Ok(hb)
}

/// A registry with no templates, set up as every template renders: strict mode, no HTML
/// escaping, the crate's helpers, and conditions that refuse a name the context lacks.
fn configured() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_helper("json", Box::new(json_helper));
    hb.register_helper("ps", Box::new(ps_helper));
    hb.register_helper("int", Box::new(int_helper));
    hb.register_helper("if", Box::new(StrictIf { positive: true }));
    hb.register_helper("unless", Box::new(StrictIf { positive: false }));
    hb
}

/// `{{#if}}` and `{{#unless}}` as handlebars has them, except that a condition naming no value
/// in the context is an error. Strict mode makes a missing `{{x}}`, `{{#each x}}` or `{{#with x}}`
/// an error but lets `{{#if x}}` read it as false, so a misspelt or moved field silently drops
/// the lines it guards (a `Set-AzDiskKeyEncryptionKey`, a `-Zone`), and only a fixture of that
/// exact case would notice. Here every condition is checked on every render. A field that may be
/// absent is serialised as `null` (an `Option` without `skip_serializing_if`), and a path through
/// it (`ade.kek_url` when there is no `ade`) is false, as it always was.
struct StrictIf {
    positive: bool,
}

impl handlebars::HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let p = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
        if p.is_value_missing() && !under_null(ctx, rc, p.relative_path()) {
            return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
        }
        let include_zero = h
            .hash_get("includeZero")
            .and_then(|v| v.value().as_bool())
            .unwrap_or(false);
        let branch = if p.value().is_truthy(include_zero) == self.positive {
            h.template()
        } else {
            h.inverse()
        };
        match branch {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

/// Whether the missing `path` (plain names: build.rs refuses `../` and `@root`, and no template
/// names block parameters) stops at a `null` on its way from the current block: an absent
/// `Option`, not a name the context does not have.
fn under_null(ctx: &Context, rc: &RenderContext, path: Option<&String>) -> bool {
    let Some(path) = path else {
        return false;
    };
    let block = rc.block();
    let mut v = match block.and_then(|b| b.base_value()) {
        Some(base) => base,
        None => {
            let mut v = ctx.data();
            for seg in block.map(|b| b.base_path().as_slice()).unwrap_or_default() {
                match step(v, seg) {
                    Some(next) => v = next,
                    None => return false,
                }
            }
            v
        }
    };
    for seg in path.split('.') {
        if v.is_null() {
            return true;
        }
        match step(v, seg) {
            Some(next) => v = next,
            None => return false,
        }
    }
    false
}

fn step<'a>(v: &'a serde_json::Value, seg: &str) -> Option<&'a serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m.get(seg),
        serde_json::Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
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

/// A PowerShell string from input. Inside a single-quoted literal only quote characters are
/// special, and PowerShell treats the typographic single quotes U+2018..U+201B like `'`: each is
/// doubled, so no input can end the string, start a command or expand a variable. Characters that
/// must not reach a terminal raw ([`is_hazard`]) are written outside the literal as `[char]0x…`,
/// joined with `+` in parentheses, so the value stays exact: `('a' + [char]0x001B + 'b')`.
pub fn ps_quote(s: &str) -> String {
    if first_hazard(s).is_none() {
        return ps_literal(s);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in s.chars() {
        if is_hazard(c) {
            if !run.is_empty() || parts.is_empty() {
                // A leading `''` makes the sum a string: `[char] + [char]` would add numbers.
                parts.push(ps_literal(&run));
                run.clear();
            }
            parts.push(format!("[char]0x{:04X}", u32::from(c)));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        parts.push(ps_literal(&run));
    }
    format!("({})", parts.join(" + "))
}

fn ps_literal(s: &str) -> String {
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

/// JSON text with every [`is_hazard`] character written as `\uXXXX` (serde_json already does so
/// for C0; DEL, C1, bidi controls and the separators it leaves raw). The value is unchanged for
/// any JSON reader, ARM included.
pub fn to_json_pretty<T: serde::Serialize>(v: &T) -> Result<String, serde_json::Error> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        Inert(serde_json::ser::PrettyFormatter::new()),
    );
    v.serialize(&mut ser)?;
    // serde_json writes valid UTF-8; the fallback is unreachable but keeps this total.
    Ok(String::from_utf8(buf).unwrap_or_default())
}

/// One line of JSON (no line breaks), with hazards escaped as [`to_json_pretty`] does.
pub fn to_json_line<T: serde::Serialize>(v: &T) -> Result<String, serde_json::Error> {
    let mut buf = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut buf, Inert(serde_json::ser::CompactFormatter));
    v.serialize(&mut ser)?;
    Ok(String::from_utf8(buf).unwrap_or_default())
}

/// A formatter that escapes hazards inside strings and otherwise lays out like `F`.
struct Inert<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Inert<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = first_hazard(rest) {
            w.write_all(&rest.as_bytes()[..i])?;
            write!(w, "\\u{:04x}", u32::from(c))?;
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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

/// JSON outputs are rendered, checked to be one JSON value (a template bug can never ship
/// invalid JSON, or an object with a key written twice) and laid out in one canonical layout
/// (`layout.rs`).
pub fn clean_json(name: &str, s: &str) -> Result<String, Error> {
    let mut out = layout::pretty(s)
        .map_err(|e| Error::internal(format!("template `{name}` produced invalid JSON: {e}")))?;
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_condition_on_a_name_the_context_lacks_is_an_error_not_false() {
        let hb = configured();
        let data = serde_json::json!({
            "ade": null, "flag": false, "zones": ["1"],
            "disks": [{"kek": true, "tl": null}], "o": {"a": 1}
        });
        let render = |t: &str| hb.render_template(t, &data).map_err(|e| e.to_string());
        // Present values, `null` and paths through a `null` decide as before.
        assert_eq!(
            render("{{#if zones}}z{{/if}}{{#if flag}}f{{else}}!f{{/if}}"),
            Ok("z!f".into())
        );
        assert_eq!(
            render("{{#if ade}}a{{/if}}{{#if ade.kek_url}}k{{/if}}{{#unless ade.aad}}u{{/unless}}"),
            Ok("u".into())
        );
        assert_eq!(
            render("{{#each disks}}{{#if kek}}K{{/if}}{{#if tl.x}}T{{/if}}{{/each}}"),
            Ok("K".into())
        );
        assert_eq!(
            render("{{#with o}}{{#if a}}A{{/if}}{{/with}}"),
            Ok("A".into())
        );
        assert_eq!(
            render("{{#if zones.[0]}}0{{/if}}{{#if flag}}{{else if o.a}}e{{/if}}"),
            Ok("0e".into())
        );
        // A name that is not there, at any depth and in any block, fails the render.
        for t in [
            "{{#if zone}}z{{/if}}",
            "{{#unless zone}}z{{/unless}}",
            "{{#if o.b}}b{{/if}}",
            "{{#each disks}}{{#if keks}}K{{/if}}{{/each}}",
            "{{#with o}}{{#if b}}B{{/if}}{{/with}}",
            "{{#if flag}}{{else if o.b}}e{{/if}}",
        ] {
            let e = render(t).expect_err(t);
            assert!(e.contains("strict mode"), "{t}: {e}");
        }
    }

    #[test]
    fn partials_come_with_their_template_and_templates_stay_small() {
        assert!(is_partial_of("prepare/steps/vault", PREPARE_STEPS));
        assert!(is_partial_of("powershell/restore-vm/params", PS_SCRIPT));
        assert!(!is_partial_of("prepare/stepsx/vault", PREPARE_STEPS));
        assert!(!is_partial_of(ARM_PARAMETERS, ARM_TEMPLATE));
        // Compile time grows with the square of one template's size (handlebars counts each
        // element's line and column from the template's start): keep each in pieces.
        for (name, src) in TEMPLATES {
            assert!(
                src.len() <= 8 * 1024,
                "{name} is {} bytes: split it into partials named under it",
                src.len()
            );
        }
    }
    use super::*;

    #[test]
    fn templates_resolve() {
        let all = [
            ARM_TEMPLATE,
            ARM_PARAMETERS,
            PS_SCRIPT,
            PREPARE_SCRIPT,
            PREPARE_STEPS,
            PREPARE_PARAMS,
            PREPARE_LITERALS,
            PREPARE_NICS,
        ];
        assert!(TEMPLATES.len() <= 64, "a template set is a 64-bit mask");
        let hb = registry(&all).expect("templates compile");
        for name in all {
            assert!(hb.has_template(name), "{name}");
        }
    }

    /// Every `{{...}}` that prints is a helper call (`json`, `ps`, `int`), a block/else/comment,
    /// or a partial (a built-in template, itself held to this rule).
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
                    || inner.starts_with("> prepare/")
                    || inner.starts_with("> powershell/")
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
    fn ps_hazards_go_outside_the_literal() {
        assert_eq!(ps_quote("a\u{1b}[2Jb"), "('a' + [char]0x001B + '[2Jb')");
        assert_eq!(ps_quote("\u{1b}"), "('' + [char]0x001B)");
        assert_eq!(
            ps_quote("it's\n\u{202e}"),
            "('it''s' + [char]0x000A + [char]0x202E)"
        );
    }

    #[test]
    fn json_hazards_are_escaped_and_the_value_kept() {
        let v = serde_json::json!({"k\u{9b}": "a\u{7f}b\u{2028}\u{202e}\u{1b}é\"\\"});
        let text = to_json_pretty(&v).expect("prints");
        // Only the layout's own newlines remain.
        assert!(!text.chars().any(|c| c != '\n' && is_hazard(c)), "{text:?}");
        assert!(text.contains("\\u009b") && text.contains("\\u007f") && text.contains("\\u2028"));
        assert!(text.contains("é"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, v);
        // The layout is serde_json's own pretty layout.
        let plain = serde_json::json!({"a": [1, {"b": null}]});
        assert_eq!(
            to_json_pretty(&plain).ok(),
            serde_json::to_string_pretty(&plain).ok()
        );
    }

    #[test]
    fn clean_text_keeps_content() {
        assert_eq!(clean_text("a  \r\nb\n\n\n"), "a  \r\nb\n");
    }
}
