//! `--serve 127.0.0.1:8080`: the same shop behind HTTP, for load tools (wrk, oha, k6) and for
//! the students' own clients.
//!
//! ```text
//! POST /buy   {"user": 7, "product": 1}
//!             201 {"order": 42, "user": 7, "product": 1}
//!             409 {"error": "sold out"}              the database found none left, or a filter knew
//!             429 {"error": "filtered: try later"}   a lottery, threshold, wave, rate or captcha
//!             403 {"error": "not reserved"}          the buyer did not register
//!             400 {"error": "…"}                      a body that is not {"user": N, "product": P}
//! GET  /stats the counters, as JSON
//! ```
//!
//! Each purchase runs on a blocking thread (SQLite calls block), through the same filters and
//! strategy as the built-in crowd. Requests from another site's pages are refused.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lab_core::LabContext;
use lab_http_guard::{SameOrigin, refuse_cross_site};
use serde_json::json;

use crate::filters::{Buyer, Refusal};
use crate::sale::{Answer, Shop};

/// Serves `shop` on `address` until the lab is stopped.
pub fn serve(
    address: &str,
    shop: Arc<Shop>,
    products: u32,
    context: &LabContext,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|error| {
            if error.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::anyhow!(
                    "--serve {address}: the port is in use, by another lab or server (stop it, or choose another port)"
                )
            } else {
                anyhow::anyhow!("--serve {address}: {error}")
            }
        })?;
        let bound: SocketAddr = listener.local_addr()?;
        context.info(format!(
            "serving POST http://{bound}/buy and GET http://{bound}/stats until stopped"
        ));
        let app = Router::new()
            .route("/buy", post(buy))
            .route("/stats", get(stats))
            .with_state((shop, products))
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(SameOrigin::new(bound)),
                refuse_cross_site,
            ));
        let cancel = context.cancel_token().clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                while !cancel.is_cancelled() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
            .await?;
        Ok(())
    })
}

type Shared = (Arc<Shop>, u32);

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn buy(
    State((shop, products)): State<Shared>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    // A form or text/plain POST is what another site's page can send without asking: only
    // JSON buys.
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return answer(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"error": "send the purchase as JSON: Content-Type: application/json"}),
        );
    }
    let buyer = match read_buyer(&body, products) {
        Ok(buyer) => buyer,
        Err(problem) => return answer(StatusCode::BAD_REQUEST, json!({"error": problem})),
    };
    let (user, product) = (buyer.user, buyer.product);
    // Buyers the filters turn away are answered here, without a blocking thread: that is the
    // point of the sold-out fast path.
    let refused = if shop.admits_without_blocking() {
        Some(shop.admit(&buyer))
    } else {
        None
    };
    let outcome = match refused {
        Some(Some(refused)) => refused,
        Some(None) => match tokio::task::spawn_blocking(move || shop.complete(&buyer)).await {
            Ok(outcome) => outcome,
            Err(_) => Answer::Failed("the purchase failed".to_string()),
        },
        None => match tokio::task::spawn_blocking(move || shop.offer(&buyer)).await {
            Ok(outcome) => outcome,
            Err(_) => Answer::Failed("the purchase failed".to_string()),
        },
    };
    match outcome {
        Answer::Ordered(order) => answer(
            StatusCode::CREATED,
            json!({"order": order, "user": user, "product": product}),
        ),
        Answer::SoldOut | Answer::Refused(Refusal::SoldOut) => {
            answer(StatusCode::CONFLICT, json!({"error": "sold out"}))
        }
        Answer::Duplicate => answer(
            StatusCode::CONFLICT,
            json!({"error": "already bought: one per buyer"}),
        ),
        Answer::Refused(Refusal::Filtered) => answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "filtered: try later"}),
        ),
        Answer::Refused(Refusal::NotReserved) => {
            answer(StatusCode::FORBIDDEN, json!({"error": "not reserved"}))
        }
        Answer::Failed(problem) => {
            answer(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": problem}))
        }
    }
}

/// `{"user": N, "product": P}` with N ≥ 1 and P a product of the sale; the error says which.
fn read_buyer(body: &[u8], products: u32) -> Result<Buyer, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|error| {
        format!("the body is not JSON ({error}): send {{\"user\": 7, \"product\": 1}}")
    })?;
    let number = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .filter(|number| *number >= 1)
            .ok_or_else(|| {
                format!(
                    "\"{key}\" must be a whole number from 1: send {{\"user\": 7, \"product\": 1}}"
                )
            })
    };
    let user = number("user")?;
    let product = number("product")?;
    if product > products as u64 {
        return Err(format!(
            "there is no product {product}: the sale has products 1 to {products}"
        ));
    }
    Ok(Buyer {
        user,
        product: product as u32,
        bot: false,
    })
}

async fn stats(State((shop, _)): State<Shared>) -> Response {
    answer(StatusCode::OK, shop.stats())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_read_or_refused_with_what_to_send() {
        let buyer = read_buyer(br#"{"user": 7, "product": 2}"#, 3).unwrap();
        assert_eq!((buyer.user, buyer.product), (7, 2));
        for (body, said) in [
            (&b"user=7"[..], "not JSON"),
            (br#"{"user": 0, "product": 1}"#, "\"user\" must be"),
            (br#"{"user": 7}"#, "\"product\" must be"),
            (br#"{"user": 7, "product": 4}"#, "no product 4"),
        ] {
            let error = read_buyer(body, 3).err().unwrap();
            assert!(error.contains(said), "{error}");
        }
    }
}
