//! Lab parameters: one schema drives the command-line flags, the TUI form and the web form.
//!
//! A lab describes each knob once, as a [`ParamSpec`]: its name (the flag is `--name`), its kind,
//! its default written as text, and one line of help. Values arrive as text from the command line
//! and the TUI, or as JSON from the browser; both paths go through the same checks here, so a bad
//! value gets the same one-line error wherever it was typed.

use std::collections::BTreeMap;

use serde::Serialize;

/// One knob of a lab.
#[derive(Clone, Debug, Serialize)]
pub struct ParamSpec {
    /// Kebab-case name; the command-line flag is `--<name>`.
    pub name: &'static str,
    pub kind: ParamKind,
    /// The default, written as it would be typed on the command line.
    pub default: &'static str,
    /// One line for `--help`, the TUI form and the web form.
    pub help: &'static str,
    /// The values of the lab's `--role` that use this parameter; empty: every role. A flag
    /// given to a role that does not use it is pointed out rather than silently ignored.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub roles: &'static [&'static str],
}

/// What values a parameter accepts.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ParamKind {
    /// A whole number within `min..=max`.
    Integer { min: i64, max: i64 },
    /// A decimal number within `min..=max`.
    Float { min: f64, max: f64 },
    /// A duration: a number with a unit (`500µs`, `0.5ms`, `2s`, `1m`), or a bare number in
    /// `unit` (`µs`, `ms` or `s`, what the parameter always meant), from zero to `max_seconds`.
    /// Its value is a number of seconds.
    Duration {
        unit: &'static str,
        max_seconds: f64,
    },
    /// `true` or `false`.
    Bool,
    /// Free text.
    Text,
    /// One of a fixed set of words.
    Choice { choices: &'static [&'static str] },
    /// Comma-separated texts; the flag may also be repeated.
    List,
    /// A file or folder. From the command line and the terminal UI it is taken as typed; from
    /// the browser it must be a name inside the workbench's runs folder (see [`crate::confine`]).
    Path,
    /// A TCP address, `host:port`, to bind or connect. From the browser, loopback only unless
    /// the dashboard itself listens on another address.
    Address,
    /// ZeroMQ endpoints (`tcp://host:port`, `ipc://path`, `inproc://name`), comma-separated;
    /// the flag may be repeated. From the browser, tcp hosts as for [`ParamKind::Address`] and
    /// ipc paths inside the runs folder.
    Endpoints,
}

/// A parsed parameter value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Integer(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

/// Why a parameter could not be accepted. The `Display` text is the one line the user sees.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("unknown flag --{name} for lab {lab}; {suggestion}valid flags: {valid}")]
    Unknown {
        lab: String,
        name: String,
        /// `did you mean --rate? ` when one flag is a typo away, or nothing.
        suggestion: String,
        valid: String,
    },
    #[error("invalid value '{value}' for --{name}: expected {expected}")]
    Invalid {
        name: String,
        value: String,
        expected: String,
    },
}

impl ParamSpec {
    /// What this parameter accepts, in words, for error messages and help.
    pub fn expected(&self) -> String {
        match &self.kind {
            ParamKind::Integer { min, max } => format!("a whole number from {min} to {max}"),
            ParamKind::Float { min, max } => format!("a number from {min} to {max}"),
            ParamKind::Duration { unit, max_seconds } => format!(
                "a duration such as 500µs, 2ms or 1.5s, up to {max_seconds} s (a bare number is {unit})"
            ),
            ParamKind::Bool => "true or false".to_string(),
            ParamKind::Text => "text".to_string(),
            ParamKind::Choice { choices } => format!("one of {}", choices.join(", ")),
            ParamKind::List => "a comma-separated list".to_string(),
            ParamKind::Path => "a file or folder".to_string(),
            ParamKind::Address => "host:port, e.g. 127.0.0.1:8080".to_string(),
            ParamKind::Endpoints => {
                "ZeroMQ endpoints, e.g. tcp://127.0.0.1:5559,ipc://name".to_string()
            }
        }
    }

    /// Whether this parameter does anything with `role` chosen.
    pub fn used_by(&self, role: &str) -> bool {
        self.roles.is_empty() || self.roles.contains(&role)
    }

    /// Parses one value typed as text.
    pub fn parse(&self, text: &str) -> Result<Value, ParamError> {
        let invalid = || ParamError::Invalid {
            name: self.name.to_string(),
            value: text.to_string(),
            expected: self.expected(),
        };
        let trimmed = text.trim();
        match &self.kind {
            ParamKind::Integer { min, max } => {
                let number: i64 = trimmed.replace('_', "").parse().map_err(|_| invalid())?;
                if number < *min || number > *max {
                    return Err(invalid());
                }
                Ok(Value::Integer(number))
            }
            ParamKind::Float { min, max } => {
                let number: f64 = trimmed.parse().map_err(|_| invalid())?;
                if !number.is_finite() || number < *min || number > *max {
                    return Err(invalid());
                }
                Ok(Value::Float(number))
            }
            ParamKind::Duration { unit, max_seconds } => {
                let seconds = duration_seconds(trimmed, unit).ok_or_else(invalid)?;
                if seconds > *max_seconds {
                    return Err(invalid());
                }
                Ok(Value::Float(seconds))
            }
            ParamKind::Bool => match trimmed {
                "true" | "yes" | "on" | "1" => Ok(Value::Bool(true)),
                "false" | "no" | "off" | "0" => Ok(Value::Bool(false)),
                _ => Err(invalid()),
            },
            ParamKind::Text | ParamKind::Path | ParamKind::Address => {
                Ok(Value::Text(text.to_string()))
            }
            ParamKind::Choice { choices } => choices
                .iter()
                .find(|choice| **choice == trimmed)
                .map(|choice| Value::Text(choice.to_string()))
                .ok_or_else(invalid),
            ParamKind::List | ParamKind::Endpoints => Ok(Value::List(split_list(text))),
        }
    }

    /// Parses a value sent as JSON by the browser: numbers and booleans may come as JSON
    /// numbers and booleans, lists as arrays; anything else goes through [`ParamSpec::parse`].
    pub fn parse_json(&self, json: &serde_json::Value) -> Result<Value, ParamError> {
        match (json, &self.kind) {
            (serde_json::Value::String(text), _) => self.parse(text),
            (serde_json::Value::Array(items), ParamKind::List | ParamKind::Endpoints) => {
                let mut list = Vec::new();
                for item in items {
                    match item {
                        serde_json::Value::String(text) => list.push(text.clone()),
                        other => list.push(other.to_string()),
                    }
                }
                Ok(Value::List(list))
            }
            (other, _) => self.parse(&other.to_string()),
        }
    }

    /// The default value, parsed. Schemas are checked by tests, so a bad default is a bug.
    pub fn default_value(&self) -> Value {
        self.parse(self.default)
            .unwrap_or_else(|error| panic!("bad default in the schema: {error}"))
    }
}

/// `0.5ms`, `500 µs`, `2s`, `1m` or a bare number in `bare` as seconds: finite and not negative.
fn duration_seconds(text: &str, bare: &str) -> Option<f64> {
    let digits = text
        .find(|character: char| {
            !(character.is_ascii_digit() || character == '.' || character == '_')
        })
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: f64 = number.replace('_', "").parse().ok()?;
    let unit = match unit.trim() {
        "" => bare,
        other => other,
    };
    let scale = match unit {
        "µs" | "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        _ => return None,
    };
    let seconds = number * scale;
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

/// Splits `a,b, c` into `["a", "b", "c"]`. An empty text is an empty list.
fn split_list(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.split(',')
        .map(|item| item.trim().to_string())
        .collect()
}

/// The values of every parameter of one lab run, defaults filled in: what the command line,
/// the terminal form and the browser hand over. Front ends and their tests read values by name
/// here; a lab never does: it reads its typed struct once ([`FromParams`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Params {
    values: BTreeMap<String, Value>,
}

impl Params {
    /// Every parameter at its default.
    pub fn defaults(schema: &[ParamSpec]) -> Params {
        let values = schema
            .iter()
            .map(|spec| (spec.name.to_string(), spec.default_value()))
            .collect();
        Params { values }
    }

    /// Parses `(name, text)` pairs as typed on the command line. A list flag given several
    /// times collects all its values; any other flag given twice keeps the last.
    pub fn from_pairs(
        lab: &str,
        schema: &[ParamSpec],
        pairs: &[(String, String)],
    ) -> Result<Params, ParamError> {
        let mut params = Params::defaults(schema);
        let mut lists_seen: Vec<&str> = Vec::new();
        for (name, text) in pairs {
            let spec = find_spec(lab, schema, name)?;
            let value = spec.parse(text)?;
            match value {
                Value::List(items) if lists_seen.contains(&spec.name) => {
                    if let Some(Value::List(existing)) = params.values.get_mut(spec.name) {
                        existing.extend(items);
                    }
                }
                value => {
                    if matches!(value, Value::List(_)) {
                        lists_seen.push(spec.name);
                    }
                    params.values.insert(spec.name.to_string(), value);
                }
            }
        }
        Ok(params)
    }

    /// Parses a JSON object of parameters, as the browser sends them.
    pub fn from_json(
        lab: &str,
        schema: &[ParamSpec],
        object: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Params, ParamError> {
        let mut params = Params::defaults(schema);
        for (name, json) in object {
            let spec = find_spec(lab, schema, name)?;
            params
                .values
                .insert(spec.name.to_string(), spec.parse_json(json)?);
        }
        Ok(params)
    }

    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.values.get_mut(name)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.values.iter()
    }

    pub fn integer(&self, name: &str) -> i64 {
        match self.expect(name) {
            Value::Integer(number) => *number,
            other => panic!("parameter {name} is not an integer: {other:?}"),
        }
    }

    pub fn float(&self, name: &str) -> f64 {
        match self.expect(name) {
            Value::Float(number) => *number,
            Value::Integer(number) => *number as f64,
            other => panic!("parameter {name} is not a number: {other:?}"),
        }
    }

    pub fn flag(&self, name: &str) -> bool {
        match self.expect(name) {
            Value::Bool(flag) => *flag,
            other => panic!("parameter {name} is not a boolean: {other:?}"),
        }
    }

    pub fn text(&self, name: &str) -> &str {
        match self.expect(name) {
            Value::Text(text) => text,
            other => panic!("parameter {name} is not text: {other:?}"),
        }
    }

    pub fn list(&self, name: &str) -> &[String] {
        match self.expect(name) {
            Value::List(items) => items,
            other => panic!("parameter {name} is not a list: {other:?}"),
        }
    }

    fn expect(&self, name: &str) -> &Value {
        self.values
            .get(name)
            .unwrap_or_else(|| panic!("the lab asked for parameter {name}, which its schema lacks"))
    }
}

/// A Rust type a parameter's value can be read into (see [`ParamReader`]). The default is what
/// a field gets when the lab's reading is wrong (a name its schema lacks, a kind that does not
/// fit); the reader says so, and the registry-wide test fails on it.
pub trait ParamValue: Sized + Default {
    fn from_value(value: &Value) -> Option<Self>;
}

impl ParamValue for i64 {
    fn from_value(value: &Value) -> Option<i64> {
        match value {
            Value::Integer(number) => Some(*number),
            _ => None,
        }
    }
}

/// Whole numbers read as narrower or unsigned types (the schema's `min`/`max` keep them in
/// range; a value outside the type is a reading mistake).
macro_rules! whole_number_param {
    ($($unsigned:ty),*) => {$(
        impl ParamValue for $unsigned {
            fn from_value(value: &Value) -> Option<$unsigned> {
                match value {
                    Value::Integer(number) => <$unsigned>::try_from(*number).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
whole_number_param!(u64, u32, u16, usize, i32);

/// A number of seconds (a [`ParamKind::Float`] or [`ParamKind::Integer`] the schema keeps at
/// zero or above) read as a duration.
impl ParamValue for std::time::Duration {
    fn from_value(value: &Value) -> Option<std::time::Duration> {
        std::time::Duration::try_from_secs_f64(f64::from_value(value)?).ok()
    }
}

impl ParamValue for f64 {
    fn from_value(value: &Value) -> Option<f64> {
        match value {
            Value::Float(number) => Some(*number),
            Value::Integer(number) => Some(*number as f64),
            _ => None,
        }
    }
}

impl ParamValue for bool {
    fn from_value(value: &Value) -> Option<bool> {
        match value {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }
}

impl ParamValue for String {
    fn from_value(value: &Value) -> Option<String> {
        match value {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl ParamValue for std::path::PathBuf {
    fn from_value(value: &Value) -> Option<std::path::PathBuf> {
        String::from_value(value).map(std::path::PathBuf::from)
    }
}

impl ParamValue for Vec<String> {
    fn from_value(value: &Value) -> Option<Vec<String>> {
        match value {
            Value::List(items) => Some(items.clone()),
            _ => None,
        }
    }
}

/// An enum whose variants are the words of a [`ParamKind::Choice`]. Derive it with strum:
///
/// ```ignore
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr)]
/// #[strum(serialize_all = "kebab-case")]
/// pub enum Role { Both, Publisher, Subscriber }
/// // in the schema: ParamKind::Choice { choices: Role::VARIANTS }
/// ```
///
/// The schema takes its words from the enum, so the two cannot drift apart, and a lab matches
/// on the enum: a misspelt role no longer falls through to `_`.
pub trait Choice: Sized + Copy + std::str::FromStr + strum::VariantNames + 'static {
    /// The word for this choice, as typed on the command line.
    fn word(self) -> &'static str;
}

impl<T> Choice for T
where
    T: Copy + std::str::FromStr + strum::VariantNames + Into<&'static str> + 'static,
{
    fn word(self) -> &'static str {
        self.into()
    }
}

/// Builds a lab's typed parameters from the values of one run, once, before it starts.
pub trait FromParams: Sized + Send + Sync + 'static {
    fn from_params(reader: &mut ParamReader<'_>) -> Self;
}

/// Reads a run's [`Params`] into typed fields and keeps score: a name the schema lacks, a value
/// of another kind, and schema parameters nobody read are all reported by [`ParamReader::finish`]
/// (the registry-wide test reads every lab's defaults this way).
pub struct ParamReader<'a> {
    lab: &'a str,
    schema: &'a [ParamSpec],
    params: &'a Params,
    read: Vec<&'static str>,
    mistakes: Vec<String>,
}

impl<'a> ParamReader<'a> {
    pub fn new(lab: &'a str, schema: &'a [ParamSpec], params: &'a Params) -> ParamReader<'a> {
        ParamReader {
            lab,
            schema,
            params,
            read: Vec::new(),
            mistakes: Vec::new(),
        }
    }

    fn value(&mut self, name: &str) -> Option<&'a Value> {
        let Some(spec) = self.schema.iter().find(|spec| spec.name == name) else {
            self.mistakes
                .push(format!("reads --{name}, which its schema lacks"));
            return None;
        };
        self.read.push(spec.name);
        let value = self.params.get(name);
        if value.is_none() {
            self.mistakes.push(format!("--{name} has no value"));
        }
        value
    }

    /// The value of `name`, as the field's type.
    pub fn get<T: ParamValue>(&mut self, name: &str) -> T {
        let Some(value) = self.value(name) else {
            return T::default();
        };
        T::from_value(value).unwrap_or_else(|| {
            self.mistakes.push(format!(
                "reads --{name} as {}, but its value is {value:?}",
                std::any::type_name::<T>()
            ));
            T::default()
        })
    }

    /// The value of a [`ParamKind::Choice`] parameter, as its enum.
    pub fn choice<T: Choice>(&mut self, name: &str) -> T {
        let fallback = || {
            T::VARIANTS
                .first()
                .and_then(|word| word.parse().ok())
                .expect("a choice enum has at least one variant")
        };
        let Some(value) = self.value(name) else {
            return fallback();
        };
        match value {
            Value::Text(word) => word.parse().unwrap_or_else(|_| {
                self.mistakes.push(format!(
                    "reads --{name} as one of {}, but its value is '{word}'",
                    T::VARIANTS.join(", ")
                ));
                fallback()
            }),
            other => {
                self.mistakes.push(format!(
                    "reads --{name} as a choice, but its value is {other:?}"
                ));
                fallback()
            }
        }
    }

    /// Every mistake the reading made, in one line, or nothing. Parameters the schema has but
    /// nobody read are mistakes too: a knob that does nothing.
    pub fn finish(self) -> Result<(), String> {
        let mut mistakes = self.mistakes;
        for spec in self.schema {
            if !self.read.contains(&spec.name) {
                mistakes.push(format!("never reads --{}", spec.name));
            }
        }
        if mistakes.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "lab {} reads its parameters wrongly: {}",
                self.lab,
                mistakes.join("; ")
            ))
        }
    }
}

/// Reads `params` into the lab's typed parameters, or says how the lab's reading is wrong.
pub fn read_params<T: FromParams>(
    lab: &str,
    schema: &[ParamSpec],
    params: &Params,
) -> Result<T, String> {
    let mut reader = ParamReader::new(lab, schema, params);
    let typed = T::from_params(&mut reader);
    reader.finish()?;
    Ok(typed)
}

/// The flag a typo away from `wanted` (at most two letters changed, and fewer than half of
/// it), if exactly one is nearest.
fn nearest(schema: &[ParamSpec], wanted: &str) -> Option<&'static str> {
    let limit = 2.min(wanted.chars().count().saturating_sub(1) / 2).max(1);
    let mut distances: Vec<(usize, &'static str)> = schema
        .iter()
        .map(|spec| (strsim::levenshtein(wanted, spec.name), spec.name))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    distances.sort();
    match distances.as_slice() {
        [(best, name)] => Some(name).copied().filter(|_| *best > 0),
        [(best, name), (second, _), ..] if best < second => Some(*name),
        _ => None,
    }
}

fn find_spec<'a>(
    lab: &str,
    schema: &'a [ParamSpec],
    name: &str,
) -> Result<&'a ParamSpec, ParamError> {
    let wanted = name.trim_start_matches("--").replace('_', "-");
    schema
        .iter()
        .find(|spec| spec.name == wanted)
        .ok_or_else(|| ParamError::Unknown {
            lab: lab.to_string(),
            suggestion: nearest(schema, &wanted)
                .map(|near| format!("did you mean --{near}? "))
                .unwrap_or_default(),
            name: wanted,
            valid: schema
                .iter()
                .map(|spec| format!("--{}", spec.name))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

#[cfg(test)]
mod duration_tests {
    use super::*;

    fn spec() -> ParamSpec {
        ParamSpec {
            name: "rtt",
            kind: ParamKind::Duration {
                unit: "ms",
                max_seconds: 10.0,
            },
            default: "0.5",
            help: "a round trip",
            roles: &[],
        }
    }

    #[test]
    fn durations_take_units_and_a_bare_number_keeps_its_old_meaning() {
        let seconds = |text: &str| match spec().parse(text) {
            Ok(Value::Float(seconds)) => seconds,
            other => panic!("{text}: {other:?}"),
        };
        assert!((seconds("0.5") - 0.0005).abs() < 1e-12);
        assert!((seconds("0.5ms") - 0.0005).abs() < 1e-12);
        assert!((seconds("500µs") - 0.0005).abs() < 1e-12);
        assert!((seconds("500 us") - 0.0005).abs() < 1e-12);
        assert!((seconds("2s") - 2.0).abs() < 1e-12);
        for wrong in [
            "", "-1ms", "1e308s", "NaN", "2 hours", "11s", "ms", "1..2ms",
        ] {
            let error = spec().parse(wrong).unwrap_err().to_string();
            assert!(
                error.contains("a bare number is ms") && !error.contains('\n'),
                "{wrong}: {error}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<ParamSpec> {
        vec![
            ParamSpec {
                name: "rate",
                kind: ParamKind::Integer { min: 0, max: 1000 },
                default: "10",
                help: "messages per second",
                roles: &[],
            },
            ParamSpec {
                name: "role",
                kind: ParamKind::Choice {
                    choices: &["both", "publisher"],
                },
                default: "both",
                help: "which role",
                roles: &[],
            },
            ParamSpec {
                name: "topics",
                kind: ParamKind::List,
                default: "A,B",
                help: "topics",
                roles: &[],
            },
            ParamSpec {
                name: "ratio",
                kind: ParamKind::Float { min: 0.0, max: 1.0 },
                default: "0.5",
                help: "a share",
                roles: &[],
            },
        ]
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn defaults_fill_every_parameter() {
        let params = Params::defaults(&schema());
        assert_eq!(params.integer("rate"), 10);
        assert_eq!(params.text("role"), "both");
        assert_eq!(params.list("topics"), ["A", "B"]);
        assert_eq!(params.float("ratio"), 0.5);
    }

    #[test]
    fn typed_values_replace_defaults_and_repeated_lists_collect() {
        let params = Params::from_pairs(
            "demo",
            &schema(),
            &pairs(&[
                ("rate", "1_000"),
                ("topics", "x"),
                ("topics", "y,z"),
                ("role", "publisher"),
            ]),
        )
        .unwrap();
        assert_eq!(params.integer("rate"), 1000);
        assert_eq!(params.list("topics"), ["x", "y", "z"]);
        assert_eq!(params.text("role"), "publisher");
    }

    #[test]
    fn out_of_range_number_names_the_flag_and_the_range() {
        let error = Params::from_pairs("demo", &schema(), &pairs(&[("rate", "5000")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value '5000' for --rate: expected a whole number from 0 to 1000"
        );
    }

    #[test]
    fn bad_choice_lists_the_valid_choices() {
        let error = Params::from_pairs("demo", &schema(), &pairs(&[("role", "boss")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value 'boss' for --role: expected one of both, publisher"
        );
    }

    #[test]
    fn unknown_flag_lists_the_valid_flags() {
        let error = Params::from_pairs("demo", &schema(), &pairs(&[("speed", "1")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown flag --speed for lab demo; valid flags: --rate, --role, --topics, --ratio"
        );
    }

    #[test]
    fn a_flag_a_typo_away_is_suggested() {
        let error = Params::from_pairs("demo", &schema(), &pairs(&[("rat", "1")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown flag --rat for lab demo; did you mean --rate? valid flags: --rate, --role, --topics, --ratio"
        );
        // Nothing is near enough, or two are equally near: no guess.
        for far in ["speed", "r"] {
            let error = Params::from_pairs("demo", &schema(), &pairs(&[(far, "1")])).unwrap_err();
            assert!(!error.to_string().contains("did you mean"), "{error}");
        }
    }

    #[test]
    fn json_numbers_arrays_and_strings_are_accepted() {
        let object = serde_json::json!({"rate": 7, "topics": ["q"], "ratio": "0.25"});
        let params = Params::from_json("demo", &schema(), object.as_object().unwrap()).unwrap();
        assert_eq!(params.integer("rate"), 7);
        assert_eq!(params.list("topics"), ["q"]);
        assert_eq!(params.float("ratio"), 0.25);
        let bad = serde_json::json!({"ratio": 3});
        assert!(Params::from_json("demo", &schema(), bad.as_object().unwrap()).is_err());
    }

    #[derive(
        Clone, Copy, Debug, PartialEq, strum::EnumString, strum::VariantNames, strum::IntoStaticStr,
    )]
    #[strum(serialize_all = "kebab-case")]
    enum Role {
        Both,
        Publisher,
    }

    struct Demo {
        rate: u64,
        role: Role,
        topics: Vec<String>,
        ratio: f64,
    }

    impl FromParams for Demo {
        fn from_params(reader: &mut ParamReader<'_>) -> Demo {
            Demo {
                rate: reader.get("rate"),
                role: reader.choice("role"),
                topics: reader.get("topics"),
                ratio: reader.get("ratio"),
            }
        }
    }

    #[test]
    fn typed_parameters_are_read_once_with_choices_as_enums() {
        let params =
            Params::from_pairs("demo", &schema(), &pairs(&[("role", "publisher")])).unwrap();
        let demo: Demo = read_params("demo", &schema(), &params).unwrap();
        assert_eq!(demo.rate, 10);
        assert_eq!(demo.role, Role::Publisher);
        assert_eq!(demo.role.word(), "publisher");
        assert_eq!(demo.topics, ["A", "B"]);
        assert_eq!(demo.ratio, 0.5);
    }

    struct Careless;

    impl FromParams for Careless {
        fn from_params(reader: &mut ParamReader<'_>) -> Careless {
            let _: u64 = reader.get("rat");
            let _: bool = reader.get("rate");
            let _: Role = reader.choice("topics");
            Careless
        }
    }

    #[test]
    fn a_misspelt_name_a_wrong_kind_and_an_unread_knob_are_each_named() {
        let params = Params::defaults(&schema());
        let Err(error) = read_params::<Careless>("demo", &schema(), &params) else {
            panic!("careless reading must be refused");
        };
        for part in [
            "reads --rat, which its schema lacks",
            "reads --rate as bool",
            "reads --topics as a choice",
            "never reads --role",
            "never reads --ratio",
        ] {
            assert!(error.contains(part), "{part:?} missing from: {error}");
        }
        assert!(!error.contains("never reads --rate"), "{error}");
    }

    #[test]
    fn float_rejects_not_a_number() {
        let spec = &schema()[3];
        assert!(spec.parse("NaN").is_err());
        assert!(spec.parse("half").is_err());
    }
}
