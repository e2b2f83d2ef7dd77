//! One page of a list of orders, the same for a customer's list and a
//! provider's queue: the status filter, the page size and the signed cursor.

use http::StatusCode;

use crate::domain::order_form::{parse_page_size, parse_status_filter};
use crate::domain::order_view::{ListView, SummaryView, Viewer};
use crate::http::{ApiResult, Query, json};
use crate::paging::{CursorKey, CursorScope};
use crate::store::orders::{OrdersTable, Party};

/// The query parameters of a list: the status filter, the page size and the
/// cursor. Every other route of the orders and back-office functions takes
/// none.
pub const PARAMETERS: &[&str] = &["status", "limit", "cursor"];

/// Answers `GET /orders` or `GET /executor/orders` for `party`: one Query of
/// its index, newest first, with a cursor signed for this party and filter.
pub(crate) async fn page(
    orders: &OrdersTable,
    cursors: &CursorKey,
    query: &Query,
    party: Party<'_>,
    viewer: Viewer,
) -> ApiResult {
    let statuses = parse_status_filter(query.get("status").as_deref())?;
    let limit = parse_page_size(query.get("limit").as_deref())?;
    let owner = party.partition();
    let filter = statuses
        .iter()
        .map(|status| status.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let scope = CursorScope {
        owner: &owner,
        filter: &filter,
    };
    let start = query
        .get("cursor")
        .map(|cursor| cursors.open(scope, &cursor))
        .transpose()?;

    let page = orders.page(party, &statuses, limit, start.as_ref()).await?;

    let view = ListView {
        items: page
            .orders
            .iter()
            .map(|summary| SummaryView::of(summary, viewer))
            .collect(),
        next_cursor: page.next.map(|key| cursors.seal(scope, &key)),
    };
    json(StatusCode::OK, &view)
}
