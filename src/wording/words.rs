//! Words kept as data, beside the code that shows them: a TOML file of
//! `key = { sv = "…", en = "…" }`, the keys grouped in `[section]` tables and read as
//! `section.key`. The files are compiled in; a unit test reads each, so a missing or
//! malformed word fails the tests, not a reader's page.

use std::collections::BTreeMap;

use crate::domain::Language;

/// A words file, parsed: each key's Swedish and English.
#[derive(Debug)]
pub struct Words(BTreeMap<String, [String; 2]>);

impl Words {
    /// Parses a compiled-in words file; a malformed one is a bug (see the module doc).
    pub fn parse(source: &str) -> Self {
        let table: toml::Table = source
            .parse()
            .unwrap_or_else(|e| panic!("a words file is not TOML: {e}"));
        let mut words = BTreeMap::new();
        collect("", &table, &mut words);
        Self(words)
    }

    /// The word for `key` in `lang`; empty if the file lacks it (each words file has a
    /// test that it has every key its code asks for).
    pub fn get(&self, key: &str, lang: Language) -> &str {
        self.0
            .get(key)
            .map_or("", |both| &both[usize::from(lang == Language::En)])
    }

    /// Every word in `lang` by its key, for a template.
    pub fn all(&self, lang: Language) -> BTreeMap<&str, &str> {
        self.0
            .keys()
            .map(|key| (key.as_str(), self.get(key, lang)))
            .collect()
    }

    /// Whether the file has `key` (in both languages: it has none with only one).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

fn collect(prefix: &str, table: &toml::Table, words: &mut BTreeMap<String, [String; 2]>) {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let toml::Value::Table(inner) = value else {
            panic!("`{name}` in a words file is not a table");
        };
        match (inner.get("sv"), inner.get("en")) {
            (Some(toml::Value::String(sv)), Some(toml::Value::String(en))) if inner.len() == 2 => {
                words.insert(name, [sv.clone(), en.clone()]);
            }
            (None, None) => collect(&name, inner, words),
            _ => panic!("`{name}` in a words file needs both `sv` and `en`, and nothing else"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_with_their_sections_in_either_language() {
        let words = Words::parse(
            "title = { sv = \"Rubrik\", en = \"Title\" }\n\
             [flag.low]\nsv = \"Låg\"\nen = \"Low\"\n",
        );
        assert_eq!(words.get("title", Language::En), "Title");
        assert_eq!(words.get("flag.low", Language::Sv), "Låg");
        assert!(words.has("flag.low") && !words.has("flag"));
        assert_eq!(words.get("missing", Language::Sv), "");
        assert_eq!(words.all(Language::En)["flag.low"], "Low");
    }
}
