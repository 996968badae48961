//! The admin API over HTTP: POST for queries and mutations, `<path>/sse` for subscriptions.

use std::time::Duration;

use serde_json::{Value, json};

/// Where the admin API is and who the CLI is to it.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    /// Basic credentials; none when the listener has none.
    pub credentials: Option<(String, String)>,
}

/// An answer the server gave: the HTTP status and the body (JSON when it is JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// A GraphQL response without `errors`, with a success status.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status) && self.body.get("errors").is_none() && self.body.is_object()
    }
}

/// The server could not be reached; the message names the URL.
#[derive(Debug)]
pub struct Unreachable(pub String);

pub struct Client {
    http: reqwest::Client,
    target: Target,
}

impl Client {
    pub fn new(target: Target) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("HTTP client without TLS builds");
        Self { http, target }
    }

    pub fn url(&self) -> &str {
        &self.target.url
    }

    fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.target.credentials {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> Unreachable {
        // The innermost cause says what happened ("Connection refused"); the chain repeats the URL.
        let mut cause: &dyn std::error::Error = &e;
        while let Some(source) = cause.source() {
            cause = source;
        }
        Unreachable(format!("cannot reach the admin API at {}: {cause}", self.target.url))
    }

    /// POSTs a document with its variables.
    pub async fn execute(&self, query: &str, variables: Value) -> Result<Answer, Unreachable> {
        let request = self
            .http
            .post(&self.target.url)
            .header("accept", "application/graphql-response+json, application/json")
            .json(&json!({ "query": query, "variables": variables }));
        let response = self.authorized(request).send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| self.unreachable(e))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer { status, body })
    }

    /// Opens `<path>/sse` and hands each event's GraphQL response to `on_event` until it
    /// returns false or the server ends the stream. An answer that is not a stream (an error
    /// before the stream opens) comes back as `Err(answer)`.
    pub async fn subscribe(
        &self,
        query: &str,
        variables: Value,
        mut on_event: impl FnMut(Value) -> bool,
    ) -> Result<Result<(), Answer>, Unreachable> {
        let params = [("query", query.to_string()), ("variables", variables.to_string())];
        let params = serde_urlencoded::to_string(params).unwrap_or_default();
        let url = format!("{}/sse?{params}", self.target.url);
        let request = self.http.get(&url).header("accept", "text/event-stream");
        let mut response = self.authorized(request).send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let is_stream = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_stream {
            let text = response.text().await.map_err(|e| self.unreachable(e))?;
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            return Ok(Err(Answer { status, body }));
        }
        let mut events = EventParser::default();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(e))? {
            for data in events.feed(&chunk) {
                let value = serde_json::from_str(&data).unwrap_or(Value::String(data));
                if !on_event(value) {
                    return Ok(Ok(()));
                }
            }
        }
        Ok(Ok(()))
    }
}

/// Splits a Server-Sent Events byte stream into the data of its events.
#[derive(Debug, Default)]
pub struct EventParser {
    buffer: Vec<u8>,
    data: Vec<String>,
}

impl EventParser {
    /// The complete events' data found after adding `bytes`.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() {
                    events.push(std::mem::take(&mut self.data).join("\n"));
                }
            } else if let Some(data) = line.strip_prefix("data:") {
                self.data.push(data.strip_prefix(' ').unwrap_or(data).to_string());
            }
            // `id:`, `event:`, `retry:` and `:` comments carry nothing the CLI prints.
        }
        events
    }
}
