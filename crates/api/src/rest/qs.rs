//! Query strings (and form bodies) read as Strapi reads them, with the `qs` package:
//! `filters[username][$eq]=bob` is a nested key, `sort[0]=id:desc` and `sort[]=id` are lists,
//! a repeated key is a list too. Bounded as Strapi bounds `qs`: 20 levels of brackets (the
//! rest of a deeper key stays one literal key) and 1000 parameters (the others are ignored).

use serde_json::{Map, Value};

/// Brackets read in one key; deeper ones stay part of the last key, as `qs` does.
const MAX_DEPTH: usize = 20;
/// Parameters read; the others are ignored, as `qs` does.
const MAX_PARAMETERS: usize = 1000;

/// A parsed value: text, or keys with their values in the order given. Lists are maps whose
/// keys are indices, until a reader asks for a list.
#[derive(Debug, Clone, PartialEq)]
pub enum Qs {
    Text(String),
    Map(Vec<(String, Qs)>),
}

impl Default for Qs {
    fn default() -> Self {
        Qs::Map(Vec::new())
    }
}

impl Qs {
    /// Parses `a=1&b[c]=2` (percent-decoded, `+` as a space).
    pub fn parse(text: &str) -> Qs {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).unwrap_or_default();
        let mut root = Vec::new();
        for (key, value) in pairs.into_iter().take(MAX_PARAMETERS) {
            if key.is_empty() {
                continue;
            }
            insert(&mut root, &segments(&key), value);
        }
        Qs::Map(root)
    }

    /// The value of `key`, when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Qs> {
        match self {
            Qs::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Qs::Text(_) => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Qs::Text(text) => Some(text),
            Qs::Map(_) => None,
        }
    }

    pub fn entries(&self) -> &[(String, Qs)] {
        match self {
            Qs::Map(entries) => entries,
            Qs::Text(_) => &[],
        }
    }

    /// The items of a list (a map keyed by indices, in index order), or a text as a list of one.
    pub fn list(&self) -> Option<Vec<&Qs>> {
        match self {
            Qs::Text(_) => Some(vec![self]),
            Qs::Map(entries) => {
                let mut indexed =
                    entries.iter().map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v))).collect::<Option<Vec<_>>>()?;
                indexed.sort_by_key(|(i, _)| *i);
                Some(indexed.into_iter().map(|(_, v)| v).collect())
            }
        }
    }

    /// As JSON, for form bodies: texts are strings, index-keyed maps are arrays.
    pub fn to_json(&self) -> Value {
        match self {
            Qs::Text(text) => Value::String(text.clone()),
            Qs::Map(entries) if !entries.is_empty() && entries.iter().all(|(k, _)| k.parse::<usize>().is_ok()) => {
                Value::Array(self.list().unwrap_or_default().into_iter().map(Qs::to_json).collect())
            }
            Qs::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<_, _>>())
            }
        }
    }
}

/// `a[b][]` as `["a", "b", ""]`; past [`MAX_DEPTH`] brackets, the rest is one last key.
fn segments(key: &str) -> Vec<String> {
    let Some(open) = key.find('[').filter(|&i| i > 0) else { return vec![key.to_string()] };
    let mut segments = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while segments.len() <= MAX_DEPTH {
        let Some(inner) = rest.strip_prefix('[') else { break };
        match inner.find([']', '[']) {
            Some(close) if inner.as_bytes()[close] == b']' => {
                segments.push(inner[..close].to_string());
                rest = &inner[close + 1..];
            }
            _ => break,
        }
    }
    if !rest.is_empty() {
        segments.push(rest.to_string());
    }
    segments
}

fn insert(entries: &mut Vec<(String, Qs)>, segments: &[String], value: String) {
    let Some((first, deeper)) = segments.split_first() else { return };
    // `a[]=x`: the next index.
    let key = if first.is_empty() { entries.len().to_string() } else { first.clone() };
    let position = entries.iter().position(|(k, _)| *k == key);
    if deeper.is_empty() {
        match position.map(|i| &mut entries[i].1) {
            // A repeated key makes a list.
            Some(existing @ Qs::Text(_)) => {
                let previous = std::mem::replace(existing, Qs::Map(Vec::new()));
                *existing = Qs::Map(vec![("0".into(), previous), ("1".into(), Qs::Text(value))]);
            }
            Some(Qs::Map(items)) => {
                let index = items.len().to_string();
                items.push((index, Qs::Text(value)));
            }
            None => entries.push((key, Qs::Text(value))),
        }
        return;
    }
    let index = match position {
        Some(i) => i,
        None => {
            entries.push((key, Qs::Map(Vec::new())));
            entries.len() - 1
        }
    };
    let slot = &mut entries[index].1;
    if let Qs::Text(text) = slot {
        // A key given both as a value and with brackets: the value becomes the first item.
        *slot = Qs::Map(vec![("0".into(), Qs::Text(std::mem::take(text)))]);
    }
    if let Qs::Map(items) = slot {
        insert(items, deeper, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_keys_lists_and_repeats() {
        let qs = Qs::parse(
            "filters%5B%24or%5D%5B0%5D%5Busername%5D=bob&filters[$or][1][email][$containsi]=CAROL&sort[0]=a:desc&sort[1]=b&fields[]=x&fields[]=y&tag=1&tag=2&q=a+b",
        );
        let filters = qs.get("filters").unwrap().get("$or").unwrap().list().unwrap();
        assert_eq!(filters[0].get("username").unwrap().text(), Some("bob"));
        assert_eq!(filters[1].get("email").unwrap().get("$containsi").unwrap().text(), Some("CAROL"));
        let sort: Vec<_> = qs.get("sort").unwrap().list().unwrap().iter().map(|v| v.text().unwrap()).collect();
        assert_eq!(sort, ["a:desc", "b"]);
        assert_eq!(qs.get("fields").unwrap().to_json(), json!(["x", "y"]));
        assert_eq!(qs.get("tag").unwrap().to_json(), json!(["1", "2"]));
        assert_eq!(qs.get("q").unwrap().text(), Some("a b"));
        assert_eq!(Qs::parse("a").get("a").unwrap().text(), Some(""));
    }

    #[test]
    fn depth_and_odd_brackets() {
        let deep = format!("a{}=x", "[b]".repeat(30));
        let mut node = Qs::parse(&deep);
        let mut depth = 0;
        while let Some((_, next)) = node.entries().first().cloned() {
            node = next;
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH + 2, "the root, 20 brackets, then the rest as one key");
        assert_eq!(segments("a[b"), ["a", "[b"]);
        assert_eq!(segments("[a]"), ["[a]"]);
        assert_eq!(segments("a[b]c"), ["a", "b", "c"]);
    }

    #[test]
    fn form_bodies_as_json() {
        let form = Qs::parse("username=u&role[connect][0][id]=2&confirmed=true");
        assert_eq!(
            form.to_json(),
            json!({ "username": "u", "role": { "connect": [{ "id": "2" }] }, "confirmed": "true" })
        );
    }
}
