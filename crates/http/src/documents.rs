//! Documents kept between requests, per endpoint: each query text parsed and checked once
//! (front ends send the same few documents over and over), and Apollo's automatic persisted
//! queries, which let a client send a document's SHA-256 instead of its text.

use std::sync::Arc;

use quick_cache::{Weighter, sync::Cache};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::validated::KnownDocument;

/// Bytes of query text each cache may hold (with their keys): a few hundred documents of
/// ordinary size. Parsed documents take roughly ten times their text.
const PARSED_TEXT_BYTES: u64 = 1 << 20;
const PERSISTED_TEXT_BYTES: u64 = 4 << 20;

pub struct Documents {
    /// Documents that parsed and passed the checks that depend on their text alone.
    parsed: Cache<Arc<str>, Arc<KnownDocument>, TextBytes>,
    /// Query texts by the hex SHA-256 a client registered them under.
    persisted: Cache<String, Arc<str>, TextBytes>,
}

/// Weighs an entry by the bytes of its texts (the parsed document is counted by its text).
#[derive(Clone)]
struct TextBytes;

impl Weighter<Arc<str>, Arc<KnownDocument>> for TextBytes {
    fn weight(&self, text: &Arc<str>, _: &Arc<KnownDocument>) -> u64 {
        text.len().max(1) as u64
    }
}

impl Weighter<String, Arc<str>> for TextBytes {
    fn weight(&self, hash: &String, text: &Arc<str>) -> u64 {
        (hash.len() + text.len()) as u64
    }
}

/// A guess of the entries each cache will hold, for its first allocation.
const EXPECTED_DOCUMENTS: usize = 512;

impl Default for Documents {
    fn default() -> Self {
        Self {
            parsed: Cache::with_weighter(EXPECTED_DOCUMENTS, PARSED_TEXT_BYTES, TextBytes),
            persisted: Cache::with_weighter(EXPECTED_DOCUMENTS, PERSISTED_TEXT_BYTES, TextBytes),
        }
    }
}

impl Documents {
    pub fn parsed(&self, query: &str) -> Option<Arc<KnownDocument>> {
        self.parsed.get(query)
    }

    pub fn keep_parsed(&self, query: &str, document: Arc<KnownDocument>) {
        self.parsed.insert(Arc::from(query), document);
    }

    /// The query text of a request: its own, or the one registered under its persisted
    /// query's hash. A text sent with a hash is registered once the hash is checked.
    pub fn resolve(&self, query: String, persisted: Option<PersistedQuery>) -> Result<String, PersistedQueryError> {
        let Some(PersistedQuery { sha256 }) = persisted else {
            return Ok(query);
        };
        if query.is_empty() {
            return self.persisted.get(&sha256).map(|text| text.to_string()).ok_or(PersistedQueryError::NotFound);
        }
        if hex_sha256(&query) != sha256 {
            return Err(PersistedQueryError::HashMismatch);
        }
        self.persisted.insert(sha256, Arc::from(query.as_str()));
        Ok(query)
    }
}

/// The `persistedQuery` extension of a request (Apollo's protocol, version 1).
#[derive(Debug, PartialEq)]
pub struct PersistedQuery {
    /// Lower-case hex, 64 digits.
    sha256: String,
}

#[derive(Debug, PartialEq)]
pub enum PersistedQueryError {
    /// No text is known for the hash: the client sends the text with the hash next.
    NotFound,
    HashMismatch,
    UnsupportedVersion,
    Malformed,
}

impl PersistedQueryError {
    /// Apollo's messages and codes, which its clients recognise.
    pub fn message_and_code(&self) -> (&'static str, &'static str) {
        match self {
            Self::NotFound => ("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"),
            Self::HashMismatch => ("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH"),
            Self::UnsupportedVersion => ("Unsupported persisted query version", "PERSISTED_QUERY_UNSUPPORTED_VERSION"),
            Self::Malformed => (
                "persistedQuery must be an object with version 1 and a sha256Hash of 64 hex digits",
                "PERSISTED_QUERY_INVALID",
            ),
        }
    }
}

/// Reads `extensions.persistedQuery`, when the request has one.
pub fn persisted_query(
    extensions: &std::collections::HashMap<String, Value>,
) -> Result<Option<PersistedQuery>, PersistedQueryError> {
    let Some(value) = extensions.get("persistedQuery") else {
        return Ok(None);
    };
    let Value::Object(fields) = value else {
        return Err(PersistedQueryError::Malformed);
    };
    if fields.get("version").and_then(Value::as_i64) != Some(1) {
        return Err(PersistedQueryError::UnsupportedVersion);
    }
    match fields.get("sha256Hash").and_then(Value::as_str) {
        Some(hash) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(PersistedQuery { sha256: hash.to_ascii_lowercase() }))
        }
        _ => Err(PersistedQueryError::Malformed),
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ME: &str = "{ me { id } }";

    fn extensions(value: Value) -> std::collections::HashMap<String, Value> {
        [("persistedQuery".to_string(), value)].into_iter().collect()
    }

    fn persisted(hash: &str) -> Option<PersistedQuery> {
        persisted_query(&extensions(json!({ "version": 1, "sha256Hash": hash }))).unwrap()
    }

    #[test]
    fn a_hash_is_unknown_until_its_text_comes_with_it() {
        let documents = Documents::default();
        let hash = hex_sha256(ME);
        assert_eq!(documents.resolve(String::new(), persisted(&hash)), Err(PersistedQueryError::NotFound));
        assert_eq!(documents.resolve(ME.to_string(), persisted(&hash)).unwrap(), ME);
        assert_eq!(documents.resolve(String::new(), persisted(&hash.to_uppercase())).unwrap(), ME);
    }

    #[test]
    fn a_text_under_another_texts_hash_is_refused_and_not_kept() {
        let documents = Documents::default();
        let hash = hex_sha256(ME);
        let other = "{ me { username } }".to_string();
        assert_eq!(documents.resolve(other, persisted(&hash)), Err(PersistedQueryError::HashMismatch));
        assert_eq!(documents.resolve(String::new(), persisted(&hash)), Err(PersistedQueryError::NotFound));
    }

    #[test]
    fn the_extension_is_read_strictly() {
        let read = |value| persisted_query(&extensions(value));
        assert_eq!(
            read(json!({ "version": 2, "sha256Hash": hex_sha256(ME) })),
            Err(PersistedQueryError::UnsupportedVersion)
        );
        assert_eq!(read(json!({ "version": 1, "sha256Hash": "abc" })), Err(PersistedQueryError::Malformed));
        assert_eq!(read(json!("x")), Err(PersistedQueryError::Malformed));
        assert_eq!(persisted_query(&Default::default()), Ok(None));
    }
}
