//! PHP's `serialize()` format, for the metadata a Phar can carry.
//!
//! A Phar's metadata (for the whole archive and for each file) is any PHP value, stored the way
//! `serialize()` writes it. We read and write the JSON-shaped part of that format:
//!
//! ```text
//! null          N;
//! true          b:1;
//! 42            i:42;
//! 0.5           d:0.5;
//! "hé"          s:3:"hé";          the length counts bytes, not characters
//! [1, "a"]      a:2:{i:0;i:1;i:1;s:1:"a";}
//! {"k": 1}      a:1:{s:1:"k";i:1;}
//! ```
//!
//! A PHP array is both a list and a map. On the way back to JSON, an array whose keys are
//! 0, 1, 2 … in order becomes a JSON list, any other a JSON object. Objects (`O:`) are read as a
//! JSON object with their class under `"__class"`.

use serde_json::{Map, Number, Value};

/// Writes `value` as PHP's `serialize()` would.
pub fn serialize(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("N;"),
        Value::Bool(flag) => out.push_str(if *flag { "b:1;" } else { "b:0;" }),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => out.push_str(&format!("i:{integer};")),
            None => out.push_str(&format!("d:{};", number.as_f64().unwrap_or(0.0))),
        },
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push_str(&format!("a:{}:{{", items.len()));
            for (index, item) in items.iter().enumerate() {
                out.push_str(&format!("i:{index};"));
                write_value(item, out);
            }
            out.push('}');
        }
        Value::Object(fields) => {
            out.push_str(&format!("a:{}:{{", fields.len()));
            for (key, item) in fields {
                match key.parse::<i64>() {
                    // PHP itself turns the key "5" into the integer 5.
                    Ok(integer) if integer.to_string() == *key => {
                        out.push_str(&format!("i:{integer};"))
                    }
                    _ => write_string(key, out),
                }
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push_str(&format!("s:{}:\"{text}\";", text.len()));
}

/// Reads PHP-serialized data. The error says what was expected and at which byte.
pub fn unserialize(data: &[u8]) -> Result<Value, String> {
    let mut reader = Reader { data, at: 0 };
    let value = reader.value(0)?;
    if reader.at != data.len() {
        return Err(format!(
            "{} bytes after the end of the value at byte {}",
            data.len() - reader.at,
            reader.at
        ));
    }
    Ok(value)
}

/// Arrays nested deeper than this are refused (a hostile archive must not overflow the stack).
const DEEPEST: usize = 64;

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.at))
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.data.get(self.at) == Some(&byte) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(&format!("expected '{}'", byte as char))
        }
    }

    /// The text up to (not including) `end`, which is consumed.
    fn until(&mut self, end: u8) -> Result<&str, String> {
        let rest = &self.data[self.at..];
        let Some(length) = rest.iter().position(|&byte| byte == end) else {
            return self.fail(&format!("expected '{}'", end as char));
        };
        let text = std::str::from_utf8(&rest[..length]).map_err(|_| "not text".to_string())?;
        self.at += length + 1;
        Ok(text)
    }

    fn number<T: std::str::FromStr>(&mut self, end: u8) -> Result<T, String> {
        let start = self.at;
        let text = self.until(end)?;
        text.parse()
            .map_err(|_| format!("\"{text}\" is not a number at byte {start}"))
    }

    fn string(&mut self) -> Result<String, String> {
        let length: usize = self.number(b':')?;
        self.expect(b'"')?;
        let Some(bytes) = self.data.get(self.at..self.at.saturating_add(length)) else {
            return self.fail(&format!("a string of {length} bytes runs past the end"));
        };
        let text = String::from_utf8_lossy(bytes).into_owned();
        self.at += length;
        self.expect(b'"')?;
        Ok(text)
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > DEEPEST {
            return self.fail("arrays nested too deep");
        }
        let Some(&kind) = self.data.get(self.at) else {
            return self.fail("the data ends where a value should be");
        };
        self.at += 1;
        if kind == b'N' {
            self.expect(b';')?;
            return Ok(Value::Null);
        }
        self.expect(b':')?;
        match kind {
            b'b' => Ok(Value::Bool(self.number::<u8>(b';')? != 0)),
            b'i' => Ok(Value::from(self.number::<i64>(b';')?)),
            b'd' => {
                let float: f64 = self.number(b';')?;
                Ok(Number::from_f64(float).map_or(Value::Null, Value::Number))
            }
            b's' => {
                let text = self.string()?;
                self.expect(b';')?;
                Ok(Value::String(text))
            }
            b'a' => self.array(depth, None),
            b'O' => {
                let class = self.string()?;
                self.expect(b':')?;
                self.array(depth, Some(class))
            }
            other => self.fail(&format!("a value of kind '{}' is not read", other as char)),
        }
    }

    /// `N:{key;value;…}` after `a:` (or after an object's class name).
    fn array(&mut self, depth: usize, class: Option<String>) -> Result<Value, String> {
        let count: usize = self.number(b':')?;
        self.expect(b'{')?;
        let mut entries = Vec::new();
        for _ in 0..count {
            let key = match self.value(depth + 1)? {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                _ => return self.fail("an array key must be a string or an integer"),
            };
            entries.push((key, self.value(depth + 1)?));
        }
        self.expect(b'}')?;
        let is_list = class.is_none()
            && entries
                .iter()
                .enumerate()
                .all(|(index, (key, _))| *key == index.to_string());
        if is_list {
            return Ok(Value::Array(
                entries.into_iter().map(|(_, item)| item).collect(),
            ));
        }
        let mut fields = Map::new();
        if let Some(class) = class {
            fields.insert("__class".to_string(), Value::String(class));
        }
        fields.extend(entries);
        Ok(Value::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_written_as_php_writes_them() {
        assert_eq!(
            serialize(&json!({"a": 1, "list": [true, null, 0.5, "hé"]})),
            r#"a:2:{s:1:"a";i:1;s:4:"list";a:4:{i:0;b:1;i:1;N;i:2;d:0.5;i:3;s:3:"hé";}}"#
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        let value = json!({"name": "app", "7": {"deep": [1, 2, {"x": "y"}]}, "empty": []});
        assert_eq!(unserialize(serialize(&value).as_bytes()), Ok(value));
    }

    #[test]
    fn bad_data_says_where() {
        assert_eq!(
            unserialize(b"s:10:\"short\";"),
            Err("a string of 10 bytes runs past the end at byte 6".to_string())
        );
        assert!(
            unserialize(b"i:1;junk")
                .unwrap_err()
                .contains("4 bytes after")
        );
        let deep = "a:1:{i:0;".repeat(100);
        assert!(
            unserialize(deep.as_bytes())
                .unwrap_err()
                .contains("too deep")
        );
    }
}
