//! JSON parsing that refuses an object with the same key twice, and a document with more values
//! than any real input holds. serde_json keeps the last duplicate silently; PowerShell's
//! ConvertFrom-Json refuses such a document. A config blob with two `osType`s is not something
//! Azure writes, so we refuse it rather than guess which one counts.
//!
//! Memory: a parsed value costs tens of bytes however short its text (`1,` is two bytes), so a
//! 60 MiB array of small numbers once took 2.3 GB. Counting values while parsing bounds the tree.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Far above any config blob, job or encryption-info blob (a few hundred values), and small
/// enough that the parsed tree stays within a few times the 64 MiB input cap.
pub const MAX_VALUES: usize = 1_000_000;

/// Why strict parsing failed, when it was not the JSON itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyValues,
}

/// Parse `text` strictly. On error, `Some(Refusal)` says the document was refused for its size.
pub fn parse(text: &str) -> Result<Value, (serde_json::Error, Option<Refusal>)> {
    let budget = Cell::new(MAX_VALUES);
    let mut de = serde_json::Deserializer::from_str(text);
    let refused = |e: serde_json::Error, budget: &Cell<usize>| {
        let why = (budget.get() == 0).then_some(Refusal::TooManyValues);
        (e, why)
    };
    let v = Strict(&budget)
        .deserialize(&mut de)
        .map_err(|e| refused(e, &budget))?;
    de.end().map_err(|e| refused(e, &budget))?;
    Ok(v)
}

/// One value, drawing on the document's budget.
#[derive(Clone, Copy)]
struct Strict<'b>(&'b Cell<usize>);

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.0.get().checked_sub(1) {
            Some(left) => self.0.set(left),
            None => {
                return Err(de::Error::custom(format_args!(
                    "more than {MAX_VALUES} JSON values"
                )))
            }
        }
        d.deserialize_any(StrictVisitor(self.0))
    }
}

struct StrictVisitor<'b>(&'b Cell<usize>);

impl<'de> Visitor<'de> for StrictVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict(self.0))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let v = map.next_value_seed(Strict(self.0))?;
            if out.insert(key.clone(), v).is_some() {
                return Err(de::Error::custom(format_args!(
                    "the key `{key}` appears twice in one object"
                )));
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_duplicate_keys_are_refused() {
        let (e, why) =
            parse(r#"{"a":{"osType":"Windows","osType":"Linux"}}"#).expect_err("refused");
        assert!(e.to_string().contains("`osType` appears twice"), "{e}");
        assert_eq!(why, None);
        assert!(parse(r#"{"a":[1,{"b":null}],"c":1.5}"#).is_ok());
    }

    #[test]
    fn values_are_counted_and_capped() {
        let at_cap = format!("[{}0]", "0,".repeat(MAX_VALUES - 2));
        assert!(parse(&at_cap).is_ok());
        let over = format!("[{}0]", "0,".repeat(MAX_VALUES - 1));
        let (_, why) = parse(&over).expect_err("one value too many");
        assert_eq!(why, Some(Refusal::TooManyValues));
        assert!(parse("[1] x").is_err());
    }
}
