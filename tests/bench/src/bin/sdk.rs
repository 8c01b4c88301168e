//! The second cold-start baseline: the plain DynamoDB function a team would write from the
//! Rust runtime's `http-dynamodb` example. `lambda_http` with a `service_fn`, the SDK's defaults
//! (`aws_config::load_defaults`: its default HTTPS client, which trusts the system's root
//! certificates), one DynamoDB client, and one request to DynamoDB per call:
//!
//! - `PUT /items/{id}` with a body: `PutItem` of `{pk: id, sk: "item", body}`, 201;
//! - `GET /items/{id}`: `GetItem`, 200 with the body or 404;
//! - `GET /health`: 200 without DynamoDB, as the functions' `_health`, so the cold-start harness
//!   (`infra/measure-cold-start`) measures what such a function costs to start.
//!
//! The table is `TABLE_NAME` (a `pk`/`sk` table, as the functions' are), the endpoint the SDK's
//! own setting (`AWS_ENDPOINT_URL_DYNAMODB`).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "items".into());
    lambda_http::run(service_fn(|request: Request| {
        handle(&client, &table, request)
    }))
    .await
}

async fn handle(client: &Client, table: &str, request: Request) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_owned();
    let id = path.strip_prefix("/items/").filter(|id| !id.is_empty());
    match (request.method().as_str(), id) {
        ("GET", None) if path == "/health" => answer(200, "ok"),
        ("GET", Some(id)) => {
            let item = client
                .get_item()
                .table_name(table)
                .key("pk", AttributeValue::S(id.into()))
                .key("sk", AttributeValue::S("item".into()))
                .send()
                .await?
                .item;
            match item.as_ref().and_then(|item| item.get("body")) {
                Some(AttributeValue::S(body)) => answer(200, body),
                _ => answer(404, "not found"),
            }
        }
        ("PUT", Some(id)) => {
            let body = std::str::from_utf8(request.body()).unwrap_or_default();
            client
                .put_item()
                .table_name(table)
                .item("pk", AttributeValue::S(id.into()))
                .item("sk", AttributeValue::S("item".into()))
                .item("body", AttributeValue::S(body.into()))
                .send()
                .await?;
            answer(201, "stored")
        }
        _ => answer(404, "not found"),
    }
}

fn answer(status: u16, body: &str) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .body(Body::from(body.to_owned()))?)
}
