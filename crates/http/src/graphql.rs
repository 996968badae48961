//! GraphQL over HTTP, shared by every endpoint: POST and GET on the endpoint's path, with
//! content negotiation and statuses as the GraphQL-over-HTTP spec (and its audit) expects.
//! Each API plugs in through [`Endpoint`]: its schema, how callers authenticate, and the
//! checks to run on a parsed document before execution.

use std::future::Future;
use std::hash::Hash;
use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType};
use async_graphql::{Executor, Positioned, ServerError, Variables};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tracing::field::Empty;
use tracing::instrument;

use super::answers::{Answer, AnswerKey, Answers};
use super::docs::Sdl;
use super::documents::{self, Documents, PersistedQueryError};
use super::inputs::{self, InputLimits};
use super::limits::{self, DocumentLimits};
use super::negotiate::{self, MediaType};
use super::rejection::Rejection;
use super::request::{self, Params};
use super::sse::{self, Fanout, ShareKey, Shutdown};
use super::trace;
use super::validated::{KnownDocument, RequestedDocument};
use crate::LimitsConfig;

/// What the transport knows of a request before GraphQL runs.
#[derive(Debug, Clone)]
pub struct RequestHead {
    pub method: Method,
    pub headers: HeaderMap,
    pub peer: SocketAddr,
}

/// How the request arrived; decides which operation types are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Post,
    Get,
    /// `<path>/sse` or `Accept: text/event-stream`: subscriptions only.
    EventStream,
}

/// The request-level failures whose `extensions.code` each API names its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestErrorKind {
    Parse,
    Validation,
}

/// One API served over HTTP.
pub trait Endpoint: Send + Sync + 'static {
    type Executor: Executor + Sdl;
    /// What `authenticate` learns of the caller; handed to resolvers as request data.
    type Caller: Clone + Send + Sync + 'static;
    /// What, besides its document, a kept answer depends on (see `answers`).
    type AnswerInputs: Clone + Eq + Hash + Send + Sync + 'static;

    /// `user`, `admin` or `domain_admin`.
    fn name(&self) -> &'static str;
    fn executor(&self) -> &Self::Executor;

    /// Identifies the caller from the request head; `Err` is sent as is (a 401).
    fn authenticate(&self, head: &RequestHead) -> impl Future<Output = Result<Self::Caller, Rejection>> + Send;

    /// When the answer of `operation` (a query of `document`) for this caller depends on
    /// nothing but its document and what this returns, that: the answer is kept under it and
    /// served again for equal ones. None: the operation is executed every time.
    fn answer_inputs(
        &self,
        _caller: &Self::Caller,
        _document: &ExecutableDocument,
        _operation: &OperationDefinition,
    ) -> impl Future<Output = Option<Self::AnswerInputs>> + Send {
        std::future::ready(None)
    }

    /// Checks the selected operation before anything executes (the admin API's protection).
    fn authorize(
        &self,
        _caller: &Self::Caller,
        _document: &ExecutableDocument,
        _operation: &Positioned<OperationDefinition>,
        _variables: &Variables,
    ) -> Result<(), Rejection> {
        Ok(())
    }

    fn request_error_code(&self, kind: RequestErrorKind) -> &'static str;

    /// The answer to a POST body that is a JSON array: a batch of operations, which no
    /// endpoint runs.
    fn batch_refusal(&self) -> Rejection {
        Rejection::bad_request("invalid_json_body", "The request JSON body must be an object")
    }

    /// True when this listener serves only authenticated callers: a browser asking for the
    /// GraphiQL page without credentials is then asked for Basic credentials (401).
    fn requires_credentials(&self) -> bool {
        false
    }

    /// The REST API served beside this endpoint, for its documentation page.
    fn rest_docs(&self) -> Option<super::docs::RestDocs> {
        None
    }

    /// Which callers may share one execution of a subscription: those of the same scope
    /// (global admin, admin of one domain), for whom the same request always gives the same
    /// results. `None`: each of this caller's streams runs its own execution.
    fn stream_scope(&self, _caller: &Self::Caller) -> Option<String> {
        None
    }

    /// Held for as long as an event stream of this endpoint is open (the open-streams gauge).
    fn stream_opened(&self) -> Option<Box<dyn Send>> {
        None
    }
}

/// An endpoint mounted at a path, with the listener's limits.
pub struct Mounted<E: Endpoint> {
    pub endpoint: E,
    pub path: String,
    pub limits: LimitsConfig,
    pub sse_keepalive_seconds: u64,
    /// Parsed documents and persisted queries of this endpoint.
    pub documents: Documents,
    /// The subscription executions its event streams share.
    pub fanout: Fanout,
    /// The answers kept for operations that `Endpoint::answer_inputs` names inputs of.
    pub answers: Answers<E::AnswerInputs>,
}

pub type Shared<E> = Arc<Mounted<E>>;

/// A request that passed every check, ready for `execute` or `execute_stream`.
pub struct Prepared {
    pub request: async_graphql::Request,
    pub media: MediaType,
    /// For an event stream whose caller has a scope: what its execution may be shared under.
    pub share: Option<ShareKey>,
    /// The kept answer, or where to keep the one executed.
    pub answer: Answer,
}

/// The operation a request will run, when it can be told before execution.
pub fn select_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    use async_graphql::parser::types::DocumentOperations;
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    }
}

pub(crate) fn request_errors(errors: Vec<ServerError>, code: &str, status: StatusCode, media: MediaType) -> Rejection {
    let errors: Vec<Value> = errors
        .into_iter()
        .map(|e| {
            let mut value = serde_json::to_value(&e).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                let extensions = object.entry("extensions").or_insert_with(|| Value::Object(Default::default()));
                if let Some(ext) = extensions.as_object_mut() {
                    ext.entry("code").or_insert_with(|| Value::String(code.to_string()));
                }
            }
            value
        })
        .collect();
    Rejection {
        status,
        body: serde_json::json!({ "errors": errors }),
        headers: Vec::new(),
        content_type: media.content_type(),
    }
}

/// Status of a request error: 400 when the client speaks graphql-response+json; the legacy
/// `application/json` keeps 200, as the spec asks.
fn request_error_status(media: MediaType) -> StatusCode {
    match media {
        MediaType::GraphqlResponse => StatusCode::BAD_REQUEST,
        MediaType::Json => StatusCode::OK,
    }
}

/// Everything between the HTTP request and execution: authentication, parsing, the
/// operation-type rules of the transport, document limits and the endpoint's authorization.
pub async fn prepare<E: Endpoint>(
    mounted: &Mounted<E>,
    head: &RequestHead,
    params: Params,
    transport: Transport,
    media: MediaType,
) -> Result<Prepared, Rejection> {
    let endpoint = &mounted.endpoint;
    let caller = endpoint.authenticate(head).await?;
    let operation_name = params.operation_name.clone();
    let params = with_persisted_query(mounted, params, media)?;
    let mut request = params.into_request();
    inputs::check_variables(&request.variables, input_limits(&mounted.limits)).map_err(input_refused)?;
    let known = match mounted.documents.parsed(&request.query) {
        Some(known) => known,
        None => {
            let known = Arc::new(KnownDocument::new(parse_checked(mounted, &request.query, media)?));
            mounted.documents.keep_parsed(&request.query, known.clone());
            known
        }
    };
    let document = &known.document;
    let mut answer = Answer::Unkept;
    if let Some(operation) = select_operation(document, operation_name.as_deref()) {
        let kind = operation.node.ty;
        trace::record_operation(kind, operation_name.as_deref().or_else(|| named_alone(document)));
        match (transport, kind) {
            (Transport::Get, OperationType::Mutation) => {
                return Err(Rejection::graphql(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "unsupported_operation",
                    "Mutations are not allowed over GET; use POST",
                )
                .with_header(header::ALLOW, "POST"));
            }
            (Transport::Post | Transport::Get, OperationType::Subscription) => {
                return Err(Rejection::bad_request(
                    "unsupported_operation",
                    "The http execution method does not support subscription operations.",
                ));
            }
            (Transport::EventStream, OperationType::Query | OperationType::Mutation) => {
                return Err(Rejection::bad_request(
                    "unsupported_operation",
                    "The sse execution method does not support query operations.",
                ));
            }
            _ => {}
        }
        let limits = DocumentLimits { depth: mounted.limits.depth, aliases: mounted.limits.aliases };
        if let Err(message) = limits::check(document, &operation.node.selection_set.node, &limits) {
            return Err(Rejection::bad_request("query_limit_exceeded", message));
        }
        if kind == OperationType::Subscription {
            let name = operation_name.as_deref().or_else(|| named_alone(document));
            if let Err(message) = limits::check_subscription_root(document, &operation.node, name) {
                let code = endpoint.request_error_code(RequestErrorKind::Validation);
                let error = ServerError::new(message, Some(operation.pos));
                return Err(request_errors(vec![error], code, request_error_status(media), media));
            }
        }
        endpoint.authorize(&caller, document, operation, &request.variables)?;
        // A query here arrived over POST or GET: an event stream refused it above.
        if kind == OperationType::Query
            && known.is_reusable()
            && let Some(inputs) = endpoint.answer_inputs(&caller, document, &operation.node).await
        {
            let key = AnswerKey::new(known.id, operation_name.clone(), inputs);
            answer = Answer::find(&mounted.answers, key);
            if let Answer::Kept(_) = answer {
                return Ok(Prepared { request, media, share: None, answer });
            }
        }
    }
    // Parsed once: execution reuses this document, and its validation when it can.
    request.set_parsed_query(document.clone());
    let share = match transport {
        Transport::EventStream => endpoint.stream_scope(&caller).map(|scope| ShareKey::new(scope, &request)),
        Transport::Post | Transport::Get => None,
    };
    let mut request = request.data(caller);
    if let Some(requested) = RequestedDocument::new(known, operation_name) {
        request = request.data(requested);
    }
    Ok(Prepared { request, media, share, answer })
}

/// The request with the query text its persisted-query hash stands for, if it sent one.
fn with_persisted_query<E: Endpoint>(
    mounted: &Mounted<E>,
    mut params: Params,
    media: MediaType,
) -> Result<Params, Rejection> {
    let refused = |error: PersistedQueryError| {
        let (message, code) = error.message_and_code();
        // A hash not known yet is the protocol's normal first answer, a request error like any.
        let status =
            if error == PersistedQueryError::NotFound { request_error_status(media) } else { StatusCode::BAD_REQUEST };
        Rejection::graphql(status, code, message)
    };
    let persisted = documents::persisted_query(&params.extensions).map_err(refused)?;
    params.query = mounted.documents.resolve(std::mem::take(&mut params.query), persisted).map_err(refused)?;
    Ok(params)
}

/// Parses a query text and runs the checks that depend on the text alone: a document that
/// passes them is kept, and the next request with the same text skips them.
fn parse_checked<E: Endpoint>(
    mounted: &Mounted<E>,
    query: &str,
    media: MediaType,
) -> Result<ExecutableDocument, Rejection> {
    inputs::check_text_nesting(query, mounted.limits.text_nesting()).map_err(input_refused)?;
    let document = match async_graphql::parser::parse_query(query) {
        Ok(document) => document,
        // The parser's own recursion guard trips first on absurdly nested documents.
        Err(error) if error.to_string().contains("recursion limit") => {
            let message = format!("The query is nested deeper than {} levels", mounted.limits.depth);
            return Err(Rejection::bad_request("query_limit_exceeded", message));
        }
        Err(error) => {
            let code = mounted.endpoint.request_error_code(RequestErrorKind::Parse);
            return Err(request_errors(vec![error.into()], code, request_error_status(media), media));
        }
    };
    inputs::check_document(&document, input_limits(&mounted.limits)).map_err(input_refused)?;
    Ok(document)
}

fn input_limits(limits: &LimitsConfig) -> InputLimits {
    InputLimits { depth: limits.input_depth, list_items: limits.input_list_items }
}

fn input_refused(error: inputs::InputError) -> Rejection {
    Rejection::bad_request("query_limit_exceeded", error.to_string())
}

/// The name of a document's one operation, when it has one (the parser keeps names only as
/// the keys of several operations).
fn named_alone(document: &ExecutableDocument) -> Option<&str> {
    use async_graphql::parser::types::DocumentOperations;
    match &document.operations {
        DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|name| name.as_str()),
        _ => None,
    }
}

/// Errors async-graphql reports for its own limits; they are refusals, not GraphQL mistakes.
fn is_limit_error(error: &ServerError) -> bool {
    error.message.contains("too complex") || error.message.contains("nested too deep")
}

/// True when execution stopped before any resolver ran: validation or a limit of async-graphql.
pub(crate) fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// The answer to a response that [`is_request_error`], in the negotiated media type.
pub(crate) fn request_error_rejection<E: Endpoint>(
    mounted: &Mounted<E>,
    response: async_graphql::Response,
    media: MediaType,
) -> Rejection {
    let status =
        if response.errors.iter().any(is_limit_error) { StatusCode::BAD_REQUEST } else { request_error_status(media) };
    let code = mounted.endpoint.request_error_code(RequestErrorKind::Validation);
    request_errors(response.errors, code, status, media)
}

/// Executes a prepared request and writes the answer in the negotiated media type. The HTTP
/// handlers box its future: its state (7 KiB, most of it async-graphql's) would otherwise be
/// part of theirs, which axum and tower move several times per request.
pub async fn execute<E: Endpoint>(mounted: &Mounted<E>, prepared: Prepared) -> Response {
    let media = prepared.media;
    let keep = match prepared.answer {
        Answer::Kept(body) => return answered(media, body),
        Answer::Keep(keep) => Some(keep),
        Answer::Unkept => None,
    };
    let response = mounted.endpoint.executor().execute(prepared.request).await;
    if is_request_error(&response) {
        return request_error_rejection(mounted, response, media).into_response();
    }
    let has_errors = !response.errors.is_empty();
    let plain = !has_errors && response.extensions.is_empty() && response.http_headers.is_empty();
    let body = Bytes::from(serde_json::to_vec(&response).unwrap_or_default());
    if let Some(keep) = keep.filter(|_| plain) {
        keep(body.clone());
    }
    let mut answer = answered(media, body);
    if has_errors {
        answer.extensions_mut().insert(super::metrics::GraphqlErrors);
    }
    answer
}

/// An answer executed (or kept) without a request error.
fn answered(media: MediaType, body: Bytes) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, media.content_type())], body).into_response()
}

fn negotiated(headers: &HeaderMap) -> Result<MediaType, Rejection> {
    negotiate::response_type(headers).ok_or_else(|| {
        Rejection::graphql(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "Accept must allow application/graphql-response+json or application/json",
        )
    })
}

/// POST bodies must be JSON in UTF-8 (a charset parameter is accepted).
pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), Rejection> {
    let unsupported = || {
        Rejection::graphql(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type must be application/json",
        )
    };
    let value = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).ok_or_else(unsupported)?;
    let mime: mime::Mime = value.parse().map_err(|_| unsupported())?;
    let is_json =
        mime.type_() == mime::APPLICATION && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON));
    let utf8 = mime.get_param(mime::CHARSET).is_none_or(|c| c == mime::UTF_8);
    if is_json && utf8 { Ok(()) } else { Err(unsupported()) }
}

pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, Rejection> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        if is_body_timeout(&error) {
            return Rejection::graphql(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "The request body did not arrive in time",
            );
        }
        Rejection::graphql(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("The request body is larger than {limit} bytes"),
        )
    })
}

/// Whether reading a body failed on the listener's body timeout (`ConnectionLimits`).
fn is_body_timeout(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// `POST <path>`; with `Accept: text/event-stream`, a graphql-sse stream.
#[instrument(name = "graphql_request", skip_all, fields(endpoint = mounted.endpoint.name(), transport = "post", operation_name = Empty, operation_type = Empty, outcome = Empty, latency_ms = Empty))]
pub async fn post<E: Endpoint>(
    State(mounted): State<Shared<E>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    shutdown: Option<Extension<Shutdown>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    trace::finish(async {
        let head = RequestHead { method, headers, peer };
        if negotiate::wants_event_stream(&head.headers) {
            return sse::post_stream(&mounted, head, body, shutdown.map(|s| s.0)).await;
        }
        let result = async {
            check_content_type(&head.headers)?;
            let media = negotiated(&head.headers)?;
            let body = read_body(body, mounted.limits.body_bytes).await?;
            if request::is_batch(&body) {
                return Err(mounted.endpoint.batch_refusal());
            }
            let params = request::from_body(&body, mounted.limits.query_bytes)?;
            prepare(&mounted, &head, params, Transport::Post, media).await
        }
        .await;
        match result {
            // Boxed: see `execute`.
            Ok(prepared) => Box::pin(execute(&mounted, prepared)).await,
            Err(rejection) => rejection.into_response(),
        }
    })
    .await
}

/// `GET <path>`: GraphiQL for browsers, a graphql-sse stream for `Accept: text/event-stream`,
/// otherwise a query from the query string.
#[instrument(name = "graphql_request", skip_all, fields(endpoint = mounted.endpoint.name(), transport = "get", operation_name = Empty, operation_type = Empty, outcome = Empty, latency_ms = Empty))]
pub async fn get<E: Endpoint>(
    State(mounted): State<Shared<E>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    shutdown: Option<Extension<Shutdown>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    trace::finish(async {
        let query = query.unwrap_or_default();
        if negotiate::wants_event_stream(&headers) {
            let head = RequestHead { method, headers, peer };
            let params = request::from_query_string(&query, mounted.limits.query_bytes);
            return sse::distinct(&mounted, head, params, shutdown.map(|s| s.0)).await;
        }
        let has_query = serde_urlencoded::from_str::<Vec<(String, String)>>(&query)
            .map(|pairs| pairs.iter().any(|(k, _)| k == "query"))
            .unwrap_or(false);
        let head = RequestHead { method, headers, peer };
        if !has_query && negotiate::wants_html(&head.headers) {
            return super::graphiql::page(&mounted, &head).await;
        }
        let result = async {
            let media = negotiated(&head.headers)?;
            let params = request::from_query_string(&query, mounted.limits.query_bytes)?;
            prepare(&mounted, &head, params, Transport::Get, media).await
        }
        .await;
        match result {
            // Boxed: see `execute`.
            Ok(prepared) => Box::pin(execute(&mounted, prepared)).await,
            Err(rejection) => rejection.into_response(),
        }
    })
    .await
}
