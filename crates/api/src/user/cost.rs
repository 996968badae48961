//! What a query may cost, counted before anything runs, and what a response may carry, counted
//! while it is built. A list multiplies the cost of what it selects by the number of records
//! it asks for (its page size, 10 unless given), so nested lists are priced at what they
//! would read; a response stops at a number of records whatever the estimate said.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, NextPrepareRequest, NextValidation};
use async_graphql::{Request, ServerError, ServerResult, ValidationResult};

use super::error::{ApiResult, pagination_error};
use super::filters::PaginationArg;
use gatehouse_core::query::{ListQuery, PaginationError};

/// What a list asked for with `limit: -1` (every record) counts for: its real size is only
/// known once read, and the response bound caps it then.
pub const UNBOUNDED_LIST_COST: usize = 100;

/// The cost of a list field: the records it asks for times what each selects, plus itself.
/// A pagination that cannot be resolved costs as one record: it is refused when the field runs.
pub fn list_cost(pagination: &Option<PaginationArg>, child_complexity: usize) -> usize {
    let records = match pagination.unwrap_or_default().resolve() {
        Ok(pagination) => {
            pagination.window.limit.map_or(UNBOUNDED_LIST_COST, |n| usize::try_from(n).unwrap_or(usize::MAX))
        }
        Err(_) => 1,
    };
    records.saturating_mul(child_complexity).saturating_add(1)
}

/// Both bounds, as a schema extension without per-request state (installed as a
/// `SharedExtension`).
pub struct Bounds {
    /// The most a query may cost.
    pub complexity: usize,
    /// The most records one response may carry.
    pub records: usize,
}

#[async_trait::async_trait]
impl Extension for Bounds {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(RecordBudget::new(self.records))).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.complexity > self.complexity {
            // "too complex" marks it as a limit for the transport, which answers 400.
            let message = format!(
                "The query is too complex: it costs {}, over the limit of {}. A list costs the records it asks \
                 for (10 unless paginated, {UNBOUNDED_LIST_COST} for limit: -1) times what it selects.",
                result.complexity, self.complexity
            );
            return Err(vec![ServerError::new(message, None)]);
        }
        Ok(result)
    }
}

/// The records a response may still carry.
pub struct RecordBudget {
    left: AtomicUsize,
    limit: usize,
}

impl RecordBudget {
    pub fn new(limit: usize) -> Self {
        Self { left: AtomicUsize::new(limit), limit }
    }

    /// `query` reading at most one record more than is left, so that an over-long list is
    /// noticed without being read whole.
    pub fn cap(&self, query: &ListQuery) -> ListQuery {
        let left = i64::try_from(self.left.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        let mut capped = query.clone();
        let limit = capped.window.limit.map_or(left.saturating_add(1), |n| n.min(left.saturating_add(1)));
        capped.window.limit = Some(limit);
        capped
    }

    /// Spends `records`; refused when more than are left.
    pub fn spend(&self, records: usize) -> ApiResult<()> {
        let spent = self.left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(records));
        spent.map(|_| ()).map_err(|_| pagination_error(too_many_records(self.limit)))
    }
}

/// The refusal of a response that would carry more than `limit` records.
pub fn too_many_records(limit: usize) -> PaginationError {
    PaginationError(format!("The response would carry more than {limit} records; ask for smaller pages"))
}
