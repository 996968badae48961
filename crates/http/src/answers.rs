//! Answers kept between requests. A front end asks `{ me { id username } }` on every page, and
//! as long as the user is unchanged the answer is the same bytes: executing the document again
//! (async-graphql's per-request work, more than everything else such a request costs) only
//! rebuilds them.
//!
//! An endpoint names the operations whose answer depends on nothing but their document and
//! inputs it reads for the caller ([`Endpoint::answer_inputs`](crate::Endpoint::answer_inputs)).
//! Such an operation's answer is kept under its document, its operation name and those inputs,
//! and served again to a request with equal ones. A changed input is another key, so a kept
//! answer is never stale: the entries no request finds any more are the first to go when the
//! cache is full.
//!
//! Kept only: an answer without errors, extensions or HTTP headers, of a document whose
//! operations define no variables (so that its validation, skipped with its execution, gives
//! the same verdict every time: see `validated`).

use std::hash::Hash;
use std::sync::Arc;

use axum::body::Bytes;
use quick_cache::sync::Cache;

/// Answers an endpoint keeps: one per user and document (the `me` of a few thousand users),
/// a few hundred bytes each with its key.
const KEPT_ANSWERS: usize = 4096;

/// The answers an endpoint keeps; clones share them.
pub struct Answers<I> {
    kept: Arc<Cache<AnswerKey<I>, Bytes>>,
}

impl<I> Clone for Answers<I> {
    fn clone(&self) -> Self {
        Self { kept: self.kept.clone() }
    }
}

impl<I: Clone + Eq + Hash + Send + Sync + 'static> Default for Answers<I> {
    fn default() -> Self {
        Self { kept: Arc::new(Cache::new(KEPT_ANSWERS)) }
    }
}

/// What a kept answer is found by.
#[derive(PartialEq, Eq, Hash)]
pub struct AnswerKey<I> {
    /// [`KnownDocument::id`](crate::validated::KnownDocument::id).
    document: u64,
    operation: Option<String>,
    inputs: I,
}

impl<I> AnswerKey<I> {
    pub fn new(document: u64, operation: Option<String>, inputs: I) -> Self {
        Self { document, operation, inputs }
    }
}

impl<I: Clone + Eq + Hash + Send + Sync + 'static> Answers<I> {
    fn get(&self, key: &AnswerKey<I>) -> Option<Bytes> {
        self.kept.get(key)
    }

    fn keep(&self, key: AnswerKey<I>, answer: Bytes) {
        self.kept.insert(key, answer);
    }
}

/// A prepared request's part in the kept answers.
pub enum Answer {
    /// Not an operation whose answer can be kept.
    Unkept,
    /// The answer, as kept: the request needs no execution.
    Kept(Bytes),
    /// Keeps the answer once executed, if it qualifies.
    Keep(Box<dyn FnOnce(Bytes) + Send>),
}

impl Answer {
    /// What `answers` holds for `key`: the answer, or where to keep it.
    pub fn find<I: Clone + Eq + Hash + Send + Sync + 'static>(answers: &Answers<I>, key: AnswerKey<I>) -> Self {
        match answers.get(&key) {
            Some(answer) => Answer::Kept(answer),
            None => {
                let answers = answers.clone();
                Answer::Keep(Box::new(move |answer| answers.keep(key, answer)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_found_only_under_equal_inputs_document_and_operation() {
        let answers = Answers::<String>::default();
        let key = |document, operation: Option<&str>, inputs: &str| {
            AnswerKey::new(document, operation.map(str::to_owned), inputs.to_string())
        };
        let Answer::Keep(keep) = Answer::find(&answers, key(1, None, "alice")) else { panic!("found before kept") };
        keep(Bytes::from_static(b"{\"data\":{\"me\":{\"username\":\"alice\"}}}"));
        assert!(
            matches!(Answer::find(&answers, key(1, None, "alice")), Answer::Kept(a) if a.as_ref() == b"{\"data\":{\"me\":{\"username\":\"alice\"}}}")
        );
        for other in [key(1, None, "alicia"), key(2, None, "alice"), key(1, Some("Me"), "alice")] {
            assert!(matches!(Answer::find(&answers, other), Answer::Keep(_)));
        }
    }
}
