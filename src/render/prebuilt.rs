//! The templates compiled at build time. `build.rs` parses every file under `templates/` with the
//! same handlebars this crate renders with and writes the result as Rust that rebuilds it: a run
//! allocates the template trees instead of parsing their sources. Parsing was nearly all of a
//! one-job run (pest walks the source rule by rule, and handlebars counts each element's line and
//! column from the start of its template, `Position::line_col`, so a template's cost grew with
//! the square of its size).
//!
//! A compiled template is found by its source text: [`compiled`] returns it only for the exact
//! bytes it was built from, so it can never stand for another version of a template; anything
//! else is compiled at run time as before. `every_template_is_prebuilt_and_equal_to_its_compile`
//! checks that each is equal (`==` on handlebars' own `Template`) to what
//! `register_template_string` builds from the same source, but for the elements' line and column
//! (see [`tpl`]). Nothing here calls handlebars' parser at run time.

use handlebars::template::{
    BlockParam, DecoratorTemplate, ExpressionSpecBuilder, HelperTemplate, Parameter, Template,
    TemplateElement,
};
use handlebars::{Path, PathSeg};
use std::collections::HashMap;

/// The template handlebars would compile from `src` under `name`, if `src` is one of the sources
/// compiled at build time.
pub fn compiled(name: &str, src: &str) -> Option<Template> {
    let (_, build) = generated::PREBUILT.iter().find(|(s, _)| *s == src)?;
    let mut t = build()?;
    t.name = Some(name.to_owned());
    Some(t)
}

/// A template of these elements. Its `mapping` (each element's line and column, for handlebars'
/// error messages) stays empty: a `TemplateMapping` can be made only by handlebars' parser, and
/// a run that calls the parser once pays for its start-up (pest's stack probe reads and parses
/// /proc/self/maps), which was the largest part of building the templates. A render error then
/// names the template but no line; only a template bug can cause one.
fn tpl(elements: Vec<TemplateElement>) -> Template {
    let mut t = Template::default();
    t.elements = elements;
    t
}

fn spec(
    name: Parameter,
    params: Vec<Parameter>,
    hash: Vec<(&str, Parameter)>,
    block_param: Option<BlockParam>,
) -> Option<handlebars::template::ExpressionSpec> {
    let mut b = ExpressionSpecBuilder::default();
    b.name(name)
        .params(params)
        .hash(
            hash.into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<HashMap<_, _>>(),
        )
        .omit_pre_ws(false)
        .omit_pro_ws(false);
    if let Some(bp) = block_param {
        b.block_param(bp);
    }
    b.build().ok()
}

/// A helper or expression: `HelperTemplate::new`, then the fields it leaves to the parser.
#[allow(clippy::too_many_arguments)]
fn helper(
    name: Parameter,
    params: Vec<Parameter>,
    hash: Vec<(&str, Parameter)>,
    block_param: Option<BlockParam>,
    template: Option<Template>,
    inverse: Option<Template>,
    (block, chain, indent): (bool, bool, bool),
) -> Option<Box<HelperTemplate>> {
    let mut h = HelperTemplate::new(spec(name, params, hash, block_param)?, block, indent);
    h.template = template;
    h.inverse = inverse;
    h.chain = chain;
    Some(Box::new(h))
}

fn decorator(
    name: Parameter,
    params: Vec<Parameter>,
    hash: Vec<(&str, Parameter)>,
    template: Option<Template>,
    indent: Option<&str>,
    indent_before_write: bool,
) -> Option<Box<DecoratorTemplate>> {
    let mut d = DecoratorTemplate::new(spec(name, params, hash, None)?, indent_before_write);
    d.template = template;
    d.indent = indent.map(str::to_owned);
    Some(Box::new(d))
}

fn name(s: &str) -> Parameter {
    Parameter::Name(s.to_owned())
}

/// A path of plain names (`a.b`).
fn path(raw: &str, segs: &[&str]) -> Parameter {
    Parameter::Path(Path::Relative((
        segs.iter()
            .map(|s| PathSeg::Named((*s).to_owned()))
            .collect(),
        raw.to_owned(),
    )))
}

fn local(level: usize, name: &str, raw: &str) -> Parameter {
    Parameter::Path(Path::Local((level, name.to_owned(), raw.to_owned())))
}

// The generator writes these for templates that use literals and subexpressions (none today).
#[allow(dead_code)]
fn literal(json: &str) -> Option<Parameter> {
    serde_json::from_str(json).ok().map(Parameter::Literal)
}

#[allow(dead_code)]
fn sub(name: Parameter, params: Vec<Parameter>, hash: Vec<(&str, Parameter)>) -> Parameter {
    Parameter::Subexpression(handlebars::template::Subexpression::new(
        name,
        params,
        hash.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    ))
}

#[allow(clippy::all, clippy::pedantic)]
mod generated {
    use super::*;
    use handlebars::template::TemplateElement as E;
    include!(concat!(env!("OUT_DIR"), "/prebuilt_templates.rs"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_prebuilt_and_equal_to_its_compile() {
        for (name, src) in super::super::TEMPLATES {
            let normalised = src.replace("\r\n", "\n");
            let mut hb = handlebars::Handlebars::new();
            hb.register_template_string(name, &normalised)
                .expect("compiles");
            let built = compiled(name, src).unwrap_or_else(|| panic!("{name} is not prebuilt"));
            let mut parsed = hb.get_template(name).expect("registered").clone();
            assert!(
                !parsed.mapping.is_empty(),
                "{name}: the parser records positions"
            );
            without_positions(&mut parsed);
            assert_eq!(built, parsed, "{name}");
        }
        assert!(compiled("x", "{{json a}} not a template file").is_none());
    }

    /// `t` with no element positions, at any depth.
    fn without_positions(t: &mut Template) {
        t.mapping.clear();
        for e in &mut t.elements {
            match e {
                TemplateElement::HtmlExpression(h)
                | TemplateElement::Expression(h)
                | TemplateElement::HelperBlock(h) => {
                    h.template.iter_mut().for_each(without_positions);
                    h.inverse.iter_mut().for_each(without_positions);
                }
                TemplateElement::DecoratorExpression(d)
                | TemplateElement::DecoratorBlock(d)
                | TemplateElement::PartialExpression(d)
                | TemplateElement::PartialBlock(d) => {
                    d.template.iter_mut().for_each(without_positions);
                }
                _ => {}
            }
        }
    }
}
