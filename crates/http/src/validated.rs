//! Validation once per document. async-graphql checks a document against the schema on every
//! request (some thirty rules walk it, a few µs even for `{ me { id } }`), yet a document whose
//! operations define no variables gets the same verdict every time: the schema is fixed, and
//! the variables' values are the only input a document's validation reads besides itself. Such
//! a document keeps the result of its first successful validation, per operation name, and
//! later requests skip the walk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_graphql::extensions::{Extension, ExtensionContext, NextValidation};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::{ServerError, ValidationResult};

/// A parsed document kept between requests, with the validations it passed.
pub struct KnownDocument {
    pub document: ExecutableDocument,
    /// Unique in the process: what kept answers name it by (a text parsed anew after its
    /// document left the cache gets another id).
    pub id: u64,
    /// False when an operation defines variables: then every request validates anew.
    reusable: bool,
    /// Passed validations by operation name: at most one per operation, plus the unnamed pick.
    passed: RwLock<Vec<(Option<String>, ValidationResult)>>,
}

impl KnownDocument {
    pub fn new(document: ExecutableDocument) -> Self {
        let reusable = match &document.operations {
            DocumentOperations::Single(op) => op.node.variable_definitions.is_empty(),
            DocumentOperations::Multiple(ops) => ops.values().all(|op| op.node.variable_definitions.is_empty()),
        };
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Self { document, id, reusable, passed: RwLock::default() }
    }

    /// Whether no operation defines variables: then the document's validation gives the same
    /// verdict on every request.
    pub fn is_reusable(&self) -> bool {
        self.reusable
    }

    fn passed(&self, operation: Option<&str>) -> Option<ValidationResult> {
        let passed = self.passed.read().ok()?;
        passed.iter().find(|(name, _)| name.as_deref() == operation).map(|(_, result)| *result)
    }

    /// Keeps a passed validation, for an operation the document has (an unknown name passes
    /// validation and fails later: keeping it would let a client grow the list at will).
    fn keep(&self, operation: Option<&str>, result: ValidationResult) {
        let known = match (&self.document.operations, operation) {
            (_, None) => true,
            (DocumentOperations::Multiple(ops), Some(name)) => ops.contains_key(name),
            (DocumentOperations::Single(_), Some(_)) => false,
        };
        if let Ok(mut passed) = self.passed.write()
            && known
            && !passed.iter().any(|(name, _)| name.as_deref() == operation)
        {
            passed.push((operation.map(str::to_owned), result));
        }
    }
}

/// Request data naming the document and operation a request runs (set by `graphql::prepare`
/// for a document whose validation can be reused).
pub struct RequestedDocument {
    document: Arc<KnownDocument>,
    operation: Option<String>,
}

impl RequestedDocument {
    /// What a request running `operation` of `document` hands the extension; none when the
    /// document's validation cannot be reused.
    pub fn new(document: Arc<KnownDocument>, operation: Option<String>) -> Option<Self> {
        document.reusable.then_some(Self { document, operation })
    }
}

/// The schema extension that answers validation from the document when it can (stateless:
/// installed as a `SharedExtension`). Registered first on each schema, so that a kept result
/// is one every later extension's check passed.
pub struct ReuseValidation;

#[async_trait::async_trait]
impl Extension for ReuseValidation {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let Some(requested) = ctx.data_opt::<RequestedDocument>() else {
            return next.run(ctx).await;
        };
        let operation = requested.operation.as_deref();
        if let Some(result) = requested.document.passed(operation) {
            return Ok(result);
        }
        let result = next.run(ctx).await?;
        requested.document.keep(operation, result);
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};

    struct Query;

    #[Object]
    impl Query {
        async fn hello(&self, name: Option<String>) -> String {
            format!("hello {}", name.unwrap_or_default())
        }
    }

    fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(crate::shared_extension::SharedExtension::new(ReuseValidation))
            .finish()
    }

    fn known(text: &str) -> Arc<KnownDocument> {
        Arc::new(KnownDocument::new(async_graphql::parser::parse_query(text).unwrap()))
    }

    async fn run(
        schema: &Schema<Query, EmptyMutation, EmptySubscription>,
        doc: &Arc<KnownDocument>,
        op: Option<&str>,
    ) -> async_graphql::Response {
        let mut request = Request::new("");
        if let Some(requested) = RequestedDocument::new(doc.clone(), op.map(str::to_owned)) {
            request = request.data(requested);
        }
        if let Some(op) = op {
            request = request.operation_name(op);
        }
        request.set_parsed_query(doc.document.clone());
        schema.execute(request).await
    }

    async fn run_ok(
        schema: &Schema<Query, EmptyMutation, EmptySubscription>,
        doc: &Arc<KnownDocument>,
        op: Option<&str>,
    ) {
        let response = run(schema, doc, op).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
    }

    #[tokio::test]
    async fn a_document_without_variables_keeps_its_validation_per_operation() {
        let schema = schema();
        let doc = known("query A { hello } query B { hello(name: \"b\") }");
        assert!(doc.reusable);
        run_ok(&schema, &doc, Some("A")).await;
        assert!(doc.passed(Some("A")).is_some());
        assert!(doc.passed(Some("B")).is_none());
        run_ok(&schema, &doc, Some("B")).await;
        run_ok(&schema, &doc, Some("A")).await;
        assert_eq!(doc.passed.read().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn an_operation_the_document_lacks_is_not_kept() {
        let schema = schema();
        let doc = known("query A { hello }");
        let response = run(&schema, &doc, Some("Nope")).await;
        assert!(!response.errors.is_empty());
        assert!(doc.passed(Some("Nope")).is_none());
        let unnamed = known("{ hello }");
        let response = run(&schema, &unnamed, Some("A")).await;
        assert!(!response.errors.is_empty());
        assert!(unnamed.passed.read().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_document_with_variables_validates_every_time() {
        let schema = schema();
        let doc = known("query($n: String) { hello(name: $n) }");
        assert!(!doc.reusable);
        run_ok(&schema, &doc, None).await;
        assert!(doc.passed(None).is_none());
    }

    #[tokio::test]
    async fn a_failed_validation_is_not_kept() {
        let schema = schema();
        let doc = known("{ hello(name: 3) }");
        let response = run(&schema, &doc, None).await;
        assert!(!response.errors.is_empty());
        assert!(doc.passed(None).is_none());
    }
}
