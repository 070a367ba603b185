//! JSON as the widget reads and writes it: a small reader into a [`Json`] tree,
//! a writer, and the [`FromJson`]/[`ToJson`] traits the wire types in
//! [`crate::wire`] implement.
//!
//! The widget does this itself rather than with serde because serde's code is
//! generated per type and per field and made up a third of the wasm. Here a
//! type's decoder is one call per field into code compiled once.
//!
//! Numbers are kept as the text the API sent, so that amounts never pass through
//! a float and a value handed on to the host page is the one received.

use std::fmt::Write as _;

use rust_decimal::Decimal;

/// A JSON value. Object members keep the order they came in.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    /// The number's text as sent: `12`, `-0.5`, `1e3`.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

static NULL: Json = Json::Null;

impl Json {
    /// The member `key` of an object; `null` when absent or not an object.
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(members) => members
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_str(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Reads JSON text. The error says what was expected and at which byte.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.space();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("end of input"));
    }
    Ok(value)
}

/// Reads JSON text into `T`; the error names the field that did not fit.
pub fn from_text<T: FromJson>(text: &str) -> Result<T, String> {
    T::from_json(&parse(text)?)
}

/// Deeper nesting than any answer of the API is refused rather than risking
/// the stack.
const MAX_DEPTH: usize = 64;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, expected: &str) -> String {
        format!("expected {expected} at byte {}", self.at)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("less nesting"));
        }
        match self.peek() {
            Some(b'{') => {
                self.at += 1;
                let mut members = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        if self.peek() != Some(b'"') {
                            return Err(self.error("a member name"));
                        }
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.error("`:`"));
                        }
                        members.push((key, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("`,` or `}`"));
                        }
                    }
                }
                Ok(Json::Object(members))
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("`,` or `]`"));
                        }
                    }
                }
                Ok(Json::Array(items))
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("a value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.at;
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        if self.digits() == 0 {
            return Err(self.error("a digit"));
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("a digit"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("a digit"));
            }
        }
        Ok(Json::Number(self.text(start)?.to_owned()))
    }

    fn text(&self, start: usize) -> Result<&str, String> {
        std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| self.error("UTF-8"))
    }

    /// A string; the reader is at its opening quote.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let start = self.at;
            while let Some(&b) = self.bytes.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(self.text(start)?);
            match self.bytes.get(self.at) {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = self.bytes.get(self.at).copied();
                    self.at += 1;
                    out.push(match escaped {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => {
                            self.at -= 1;
                            return Err(self.error("an escape"));
                        }
                    });
                }
                _ => return Err(self.error("`\"`")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("four hex digits"))?;
        self.at += 4;
        Ok(digits)
    }

    /// `\uXXXX`, with a surrogate pair as one character.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let high = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&high) {
            if !self.bytes[self.at..].starts_with(b"\\u") {
                return Err(self.error("a low surrogate"));
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xdc00..0xe000).contains(&low) {
                return Err(self.error("a low surrogate"));
            }
            0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("a character"))
    }
}

/// `s` as a JSON string literal.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A type read from JSON. The error is a short text; [`field`] and lists put
/// the path in front of it, so a failure reads `prices.1.unit_amount: expected
/// a decimal`.
pub trait FromJson: Sized {
    fn from_json(value: &Json) -> Result<Self, String>;
}

/// The member `name` of an object, read as `T` (an absent member reads as
/// `null`, so an `Option` field may be left out).
pub fn field<T: FromJson>(value: &Json, name: &str) -> Result<T, String> {
    T::from_json(value.get(name)).map_err(|e| nest(name, &e))
}

/// `list` + `0: expected a string` → `list.0: expected a string`.
fn nest(at: &str, error: &str) -> String {
    let joint = if error.contains(": ") { "." } else { ": " };
    format!("{at}{joint}{error}")
}

/// Checks that a value is an object before its fields are read.
pub fn object(value: &Json) -> Result<(), String> {
    match value {
        Json::Object(_) => Ok(()),
        _ => Err("expected an object".to_owned()),
    }
}

/// Reads an object's fields one after another and keeps the first error, so
/// that a struct's decoder is a straight run of calls:
/// `let mut f = Fields::of(v)?; f.done(Self { id: f.get("id"), … })`.
pub struct Fields<'a> {
    value: &'a Json,
    error: Option<String>,
}

impl<'a> Fields<'a> {
    pub fn of(value: &'a Json) -> Result<Self, String> {
        object(value)?;
        Ok(Self { value, error: None })
    }

    /// The member `name` as `T`; its default when it does not fit (and
    /// [`Fields::done`] then reports why).
    pub fn get<T: FromJson + Default>(&mut self, name: &str) -> T {
        field(self.value, name).unwrap_or_else(|e| {
            self.error.get_or_insert(e);
            T::default()
        })
    }

    /// `value` when every field fitted, else the first error.
    pub fn done<T>(self, value: T) -> Result<T, String> {
        match self.error {
            None => Ok(value),
            Some(e) => Err(e),
        }
    }
}

impl FromJson for Json {
    fn from_json(value: &Json) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl FromJson for String {
    fn from_json(value: &Json) -> Result<Self, String> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "expected a string".to_owned())
    }
}

impl FromJson for bool {
    fn from_json(value: &Json) -> Result<Self, String> {
        match value {
            Json::Bool(b) => Ok(*b),
            _ => Err("expected true or false".to_owned()),
        }
    }
}

fn number<T: std::str::FromStr>(value: &Json) -> Result<T, String> {
    match value {
        Json::Number(n) => n.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| "expected a whole number".to_owned())
}

impl FromJson for u16 {
    fn from_json(value: &Json) -> Result<Self, String> {
        number(value)
    }
}

impl FromJson for u32 {
    fn from_json(value: &Json) -> Result<Self, String> {
        number(value)
    }
}

impl FromJson for i64 {
    fn from_json(value: &Json) -> Result<Self, String> {
        number(value)
    }
}

/// Amounts come as strings (`"19.99"`); a plain number is read too.
impl FromJson for Decimal {
    fn from_json(value: &Json) -> Result<Self, String> {
        match value {
            Json::String(s) | Json::Number(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| "expected a decimal".to_owned())
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Json) -> Result<Self, String> {
        match value {
            Json::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Json) -> Result<Self, String> {
        match value {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| T::from_json(item).map_err(|e| nest(&i.to_string(), &e)))
                .collect(),
            _ => Err("expected a list".to_owned()),
        }
    }
}

/// A type written as JSON.
pub trait ToJson {
    fn write_json(&self, out: &mut String);

    /// Whether the value is left out of its object (`None` is).
    fn absent(&self) -> bool {
        false
    }

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// Writes an object's members, leaving out the absent ones.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, first: true }
    }

    pub fn member(&mut self, name: &str, value: &dyn ToJson) -> &mut Self {
        if !value.absent() {
            if !self.first {
                self.out.push(',');
            }
            self.first = false;
            write_str(name, self.out);
            self.out.push(':');
            value.write_json(self.out);
        }
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

impl ToJson for Json {
    fn write_json(&self, out: &mut String) {
        self.write(out);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(self, out);
    }
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(self, out);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for u32 {
    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl ToJson for i64 {
    fn write_json(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

/// As the API writes amounts: a string, `"19.99"`.
impl ToJson for Decimal {
    fn write_json(&self, out: &mut String) {
        write_str(&self.to_string(), out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }

    fn absent(&self) -> bool {
        self.is_none()
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_value() {
        let v = parse(r#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\"y\\z\u00e9\n"}} "#)
            .unwrap();
        assert_eq!(
            v.get("a"),
            &Json::Array(vec![
                Json::Number("1".into()),
                Json::Number("-2.5e3".into()),
                Json::Bool(true),
                Json::Bool(false),
                Json::Null,
            ])
        );
        assert_eq!(v.get("b").get("c").as_str(), Some("x\"y\\zé\n"));
        assert_eq!(v.get("missing"), &Json::Null);
        assert_eq!(
            parse("\"\\ud83d\\ude00 €\"").unwrap().as_str(),
            Some("😀 €")
        );
        assert_eq!(parse("[]").unwrap(), Json::Array(vec![]));
        assert_eq!(parse("{}").unwrap(), Json::Object(vec![]));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "01x",
            "-",
            "1.",
            "1e",
            "tru",
            "\"abc",
            "\"\\x\"",
            "\"\\ud800\"",
            "{} {}",
            "[1 2]",
            "{1:2}",
            "\"a\u{1}\"",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was read");
        }
        assert_eq!(parse("[1 2]").unwrap_err(), "expected `,` or `]` at byte 3");
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn writes_back_what_it_read() {
        let text =
            r#"{"id":"sub_1","total":"29.00","n":12,"x":[true,null],"s":"a\"b\\c\n\u0001é"}"#;
        assert_eq!(parse(text).unwrap().to_text(), text);
    }

    #[test]
    fn fields_name_what_did_not_fit() {
        let v = parse(r#"{"n": "x", "list": [{"amount": "1.5"}, {"amount": true}]}"#).unwrap();
        assert_eq!(
            field::<u32>(&v, "n").unwrap_err(),
            "n: expected a whole number"
        );
        assert_eq!(field::<Option<String>>(&v, "absent").unwrap(), None);
        assert_eq!(
            field::<String>(&v, "absent").unwrap_err(),
            "absent: expected a string"
        );
        struct Amount(#[allow(dead_code)] Decimal);
        impl FromJson for Amount {
            fn from_json(value: &Json) -> Result<Self, String> {
                field(value, "amount").map(Amount)
            }
        }
        assert_eq!(
            field::<Vec<Amount>>(&v, "list").err().unwrap(),
            "list.1.amount: expected a decimal"
        );
        assert_eq!(
            field::<Vec<String>>(&v, "list").unwrap_err(),
            "list.0: expected a string"
        );
    }

    #[test]
    fn objects_leave_out_absent_members() {
        let mut out = String::new();
        ObjectWriter::new(&mut out)
            .member("a", &Some("x".to_owned()))
            .member("b", &None::<String>)
            .member("c", &Some(None::<String>))
            .member("d", &vec![1u32, 2])
            .end();
        assert_eq!(out, r#"{"a":"x","c":null,"d":[1,2]}"#);
    }
}
