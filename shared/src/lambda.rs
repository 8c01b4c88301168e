//! A function's router served as a Lambda function behind API Gateway's HTTP API (payload
//! format 2.0): each invocation's event becomes an HTTP request (lambda_http's conversion,
//! with the Lambda context and the X-Ray trace id), and the router's response becomes the
//! integration's response.
//!
//! The response is written here rather than by `lambda_http::run`, whose conversion decides
//! between text and base64 by the `Content-Type`'s charset and links a decoder for every
//! legacy encoding (`encoding_rs`: 0.10–0.14 MB of each zipped package, BENCHMARKS.md) to read
//! bodies that are UTF-8 already. Every body these functions write is UTF-8 text (JSON, XML),
//! sent as it is; anything else (or a compressed body) goes base64-encoded, as API Gateway
//! expects.

use axum::Router;
use axum::response::Response;
use http_body_util::BodyExt;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use lambda_http::http::header::{CONTENT_ENCODING, SET_COOKIE};
use lambda_http::http::{HeaderName, HeaderValue};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, LambdaEvent, RequestExt, service_fn};
use tower::ServiceExt;

/// Serves `router` to the Lambda runtime until the instance ends.
///
/// # Errors
/// When the runtime's API cannot be reached.
pub async fn serve(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<LambdaRequest>| {
        invoke(router.clone(), event)
    }))
    .await
}

/// One invocation: the event through `router`, and its response.
async fn invoke(
    router: Router,
    event: LambdaEvent<LambdaRequest>,
) -> Result<ApiGatewayV2httpResponse, lambda_http::Error> {
    let LambdaEvent { payload, context } = event;
    let mut request: lambda_http::Request = payload.into();
    if let Some(trace) = context.xray_trace_id.as_deref()
        && let Ok(trace) = HeaderValue::from_str(trace)
    {
        let header = HeaderName::from_static("x-amzn-trace-id");
        request.headers_mut().insert(header, trace);
    }
    let response = match router.oneshot(request.with_lambda_context(context)).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    integration_response(response).await
}

/// The HTTP API's integration response for `response`: its status, its headers (the
/// `Set-Cookie`s apart, as `cookies`), and its body as text when it is UTF-8 and not
/// compressed, else base64-encoded.
async fn integration_response(
    response: Response,
) -> Result<ApiGatewayV2httpResponse, lambda_http::Error> {
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await?.to_bytes().to_vec();
    let mut headers = parts.headers;
    let cookies = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect();
    headers.remove(SET_COOKIE);
    let (body, is_base64_encoded) = if bytes.is_empty() {
        (None, false)
    } else if headers.contains_key(CONTENT_ENCODING) {
        (Some(Body::Binary(bytes)), true)
    } else {
        match String::from_utf8(bytes) {
            Ok(text) => (Some(Body::Text(text)), false),
            Err(e) => (Some(Body::Binary(e.into_bytes())), true),
        }
    };
    let mut integration = ApiGatewayV2httpResponse::default();
    integration.status_code = i64::from(parts.status.as_u16());
    integration.headers = headers;
    integration.cookies = cookies;
    integration.body = body;
    integration.is_base64_encoded = is_base64_encoded;
    Ok(integration)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    use super::*;

    #[tokio::test]
    async fn text_goes_as_it_is_and_cookies_apart_and_the_rest_base64() {
        let json = (
            StatusCode::CREATED,
            [("content-type", "application/json"), ("set-cookie", "a=1")],
            "{\"é\":1}",
        )
            .into_response();
        let sent = integration_response(json).await.unwrap();
        assert_eq!(sent.status_code, 201);
        assert_eq!(sent.body, Some(Body::Text("{\"é\":1}".to_owned())));
        assert!(!sent.is_base64_encoded);
        assert_eq!(sent.cookies, ["a=1"]);
        assert!(!sent.headers.contains_key(SET_COOKIE));
        assert_eq!(sent.headers["content-type"], "application/json");

        let bytes = vec![0x1f, 0x8b, 0xff];
        let gzip = ([("content-encoding", "gzip")], bytes.clone()).into_response();
        let sent = integration_response(gzip).await.unwrap();
        assert_eq!(sent.body, Some(Body::Binary(bytes.clone())));
        assert!(sent.is_base64_encoded);
        let not_utf8 = bytes.clone().into_response();
        let sent = integration_response(not_utf8).await.unwrap();
        assert_eq!(sent.body, Some(Body::Binary(bytes)));
        assert!(sent.is_base64_encoded);

        let empty = StatusCode::NO_CONTENT.into_response();
        let sent = integration_response(empty).await.unwrap();
        assert_eq!((sent.status_code, sent.body), (204, None));
        assert!(!sent.is_base64_encoded);
    }
}
