//! `infra/openapi.yaml` describes the API the functions serve: exactly the routes of the routing
//! table, each under its function's tag with an operation id and its path parameters; every
//! error as a problem, with the headers that say how to authenticate or when to retry; and the
//! bearer scheme exactly where the routers ask for a token, as they answer it here.
//!
//! The bodies and statuses the document promises are checked against the running functions by
//! schemathesis in `./dev test` (see `api_conformance` in `dev`), through the local router.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use serde_yaml::Value;
use shared::identity::Role;
use stack_tests::{FUNCTIONS, Route, Stack, repo_file, routing_table, sample_path};
use testkit::TestResponse;

const DOCUMENT: &str = "infra/openapi.yaml";
/// The keys of a path item that are operations.
const OPERATION_KEYS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const PROBLEM_SCHEMA: &str = "#/components/schemas/Problem";
const BEARER_SCHEME: &str = "bearerAuth";

/// The document, parsed.
fn document() -> Value {
    let text = std::fs::read_to_string(repo_file(DOCUMENT)).expect("infra/openapi.yaml");
    serde_yaml::from_str(&text).expect("infra/openapi.yaml is YAML")
}

/// One operation of the document.
#[derive(Debug)]
struct Operation<'a> {
    /// Upper case, as in the routing table.
    method: String,
    path: String,
    /// The path item the operation belongs to (for parameters shared by its operations).
    item: &'a Value,
    operation: &'a Value,
}

impl Operation<'_> {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn key(&self) -> (String, String) {
        (self.method.clone(), self.path.clone())
    }
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let paths = doc["paths"].as_mapping().expect("the document has `paths`");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let path = path.as_str().expect("a path is text");
            let item_map = item.as_mapping().expect("a path item is a mapping");
            item_map.iter().filter_map(move |(key, operation)| {
                let key = key.as_str()?;
                OPERATION_KEYS.contains(&key).then(|| Operation {
                    method: key.to_ascii_uppercase(),
                    path: path.to_owned(),
                    item,
                    operation,
                })
            })
        })
        .collect()
}

/// `value`, or what its `$ref` (a JSON pointer into the document) names, followed to the end.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix("#/")
            .unwrap_or_else(|| panic!("only local references are used: {reference}"));
        value = pointer.split('/').fold(doc, |node, segment| {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            node.get(segment.as_str())
                .unwrap_or_else(|| panic!("{reference} names nothing in the document"))
        });
    }
    value
}

/// The operation's responses by status code, resolved.
fn responses<'a>(doc: &'a Value, operation: &Operation<'a>) -> BTreeMap<String, &'a Value> {
    operation.operation["responses"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{} has no responses", operation.name()))
        .iter()
        .map(|(status, response)| {
            let status = match status {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                other => panic!("{}: a status code {other:?}", operation.name()),
            };
            (status, resolve(doc, response))
        })
        .collect()
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone; a token is not looked at.
    Public,
    /// Anyone; a token, when sent, must verify (authors see more).
    OptionalBearer,
    /// A bearer token is required.
    Bearer,
}

/// What the document says of an operation's access (it has no document-wide `security`).
fn declared_access(operation: &Operation<'_>) -> Access {
    let Some(requirements) = operation.operation.get("security") else {
        return Access::Public;
    };
    let requirements = requirements
        .as_sequence()
        .unwrap_or_else(|| panic!("{}: `security` is a list", operation.name()));
    let anonymous = requirements
        .iter()
        .any(|r| r.as_mapping().is_some_and(serde_yaml::Mapping::is_empty));
    let bearer = requirements.iter().any(|r| r.get(BEARER_SCHEME).is_some());
    match (bearer, anonymous) {
        (true, false) => Access::Bearer,
        (true, true) => Access::OptionalBearer,
        (false, _) => Access::Public,
    }
}

/// A request to `route` through its function's router: `{}` as the body of a write, with
/// `token` as bearer token when given.
async fn call(stack: &Stack, route: &Route, token: Option<&str>) -> TestResponse {
    let method: Method = route.method.parse().expect("an HTTP method");
    let mut request = stack
        .router(&route.function)
        .request(method, &sample_path(&route.path));
    if let Some(token) = token {
        request = request.bearer(token);
    }
    if ["POST", "PUT", "PATCH"].contains(&route.method.as_str()) {
        request = request.json(&serde_json::json!({}));
    }
    request.send().await
}

#[test]
fn the_document_describes_exactly_the_routes_of_the_routing_table() {
    let doc = document();
    assert_eq!(
        doc["openapi"].as_str(),
        Some("3.1.0"),
        "an OpenAPI 3.1 document"
    );
    let documented: BTreeSet<(String, String)> =
        operations(&doc).iter().map(Operation::key).collect();
    let routed: BTreeSet<(String, String)> = routing_table()
        .into_iter()
        .map(|route| (route.method, route.path))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "infra/openapi.yaml and infra/routes.txt disagree.\n  routes without an operation in \
         the document: {undocumented:?}\n  operations without a route in the table: {unrouted:?}"
    );
}

#[test]
fn every_operation_has_a_unique_operation_id_and_the_tag_of_its_function() {
    let doc = document();
    let owners: BTreeMap<(String, String), String> = routing_table()
        .into_iter()
        .map(|route| ((route.method, route.path), route.function))
        .collect();
    let declared_tags: BTreeSet<&str> = doc["tags"]
        .as_sequence()
        .expect("the document declares its tags")
        .iter()
        .filter_map(|tag| tag["name"].as_str())
        .collect();
    for function in FUNCTIONS {
        assert!(
            declared_tags.contains(function),
            "the document declares no tag `{function}`"
        );
    }
    let mut ids = BTreeMap::new();
    for operation in operations(&doc) {
        let name = operation.name();
        let id = operation.operation["operationId"]
            .as_str()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| panic!("{name} has no operationId"));
        if let Some(other) = ids.insert(id.to_owned(), name.clone()) {
            panic!("{name} and {other} share the operationId {id}");
        }
        let tags: Vec<&str> = operation.operation["tags"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name} has no tags"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let functions: Vec<&str> = tags
            .iter()
            .copied()
            .filter(|tag| FUNCTIONS.contains(tag))
            .collect();
        if let Some(owner) = owners.get(&operation.key()) {
            assert_eq!(
                functions,
                [owner.as_str()],
                "{name} belongs to {owner}: its tags name that function and no other"
            );
        }
    }
}

#[test]
fn every_operation_declares_exactly_the_parameters_of_its_path() {
    let doc = document();
    for operation in operations(&doc) {
        let name = operation.name();
        let in_template: BTreeSet<&str> = operation
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let parameters = [operation.item, operation.operation]
            .into_iter()
            .filter_map(|node| node.get("parameters").and_then(Value::as_sequence))
            .flatten()
            .map(|parameter| resolve(&doc, parameter))
            .filter(|parameter| parameter["in"].as_str() == Some("path"));
        let mut declared = BTreeSet::new();
        for parameter in parameters {
            let parameter_name = parameter["name"].as_str().expect("a parameter has a name");
            assert_eq!(
                parameter["required"].as_bool(),
                Some(true),
                "{name}: the path parameter {parameter_name} must be required"
            );
            declared.insert(parameter_name);
        }
        assert_eq!(
            declared, in_template,
            "{name}: the path parameters declared (left) are not those of the path (right)"
        );
    }
}

#[test]
fn every_error_is_a_problem_and_says_how_to_authenticate_or_when_to_retry() {
    let doc = document();
    let problem_schema = Value::String(PROBLEM_SCHEMA.to_owned());
    for operation in operations(&doc) {
        let name = operation.name();
        let responses = responses(&doc, &operation);
        assert!(
            responses.contains_key("500"),
            "{name} does not document the 500 any request can meet"
        );
        for (status, response) in responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let content = response["content"]
                .as_mapping()
                .unwrap_or_else(|| panic!("{name} {status} has no content"));
            let media_types: Vec<&str> = content.keys().filter_map(Value::as_str).collect();
            assert_eq!(
                media_types,
                [shared::error::PROBLEM_JSON],
                "{name} {status} is answered as problem+json only"
            );
            assert_eq!(
                content[shared::error::PROBLEM_JSON]["schema"].get("$ref"),
                Some(&problem_schema),
                "{name} {status} uses the one Problem schema"
            );
            let required_header = match status.as_str() {
                "401" => Some("WWW-Authenticate"),
                "429" | "503" => Some("Retry-After"),
                _ => None,
            };
            if let Some(header) = required_header {
                assert!(
                    response["headers"].get(header).is_some(),
                    "{name} {status} declares no {header} header"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_declared_exactly_where_the_routers_ask_for_a_token() {
    let stack = Stack::start().await;
    let doc = document();
    let documented: BTreeMap<(String, String), Operation<'_>> = operations(&doc)
        .into_iter()
        .map(|operation| (operation.key(), operation))
        .collect();
    let mut disagreements = Vec::new();
    for route in routing_table() {
        let key = (route.method.clone(), route.path.clone());
        let Some(operation) = documented.get(&key) else {
            continue; // the_document_describes_exactly_the_routes_of_the_routing_table
        };
        let anonymous = call(&stack, &route, None).await;
        let forged = call(&stack, &route, Some("not.a.token")).await;
        let observed = match (anonymous.status == 401, forged.status == 401) {
            (true, _) => Access::Bearer,
            (false, true) => Access::OptionalBearer,
            (false, false) => Access::Public,
        };
        let declared = declared_access(operation);
        if declared != observed {
            disagreements.push(format!(
                "{}: the router answers as {observed:?} (no token: {}, a forged one: {}), the \
                 document says {declared:?}",
                operation.name(),
                anonymous.status,
                forged.status
            ));
        }
        if observed != Access::Public && !responses(&doc, operation).contains_key("401") {
            disagreements.push(format!(
                "{} answers 401 but does not document it",
                operation.name()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "infra/openapi.yaml and the routers disagree on tokens:\n  {}",
        disagreements.join("\n  ")
    );
}

/// Schemathesis is kept from sending such a body (infra/conformance/hooks.py): this is where
/// every operation is checked instead (and one, over HTTP, by infra/local/check-gateway).
#[tokio::test]
async fn every_operation_that_takes_a_body_answers_one_that_is_not_utf8_with_a_400_problem() {
    let stack = Stack::start().await;
    let doc = document();
    let owners: BTreeMap<(String, String), Route> = routing_table()
        .into_iter()
        .map(|route| ((route.method.clone(), route.path.clone()), route))
        .collect();
    let (_, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let token = stack_tests::access(&admin);
    let mut checked = 0;
    for operation in operations(&doc) {
        if operation.operation.get("requestBody").is_none() {
            continue;
        }
        let Some(route) = owners.get(&operation.key()) else {
            continue; // the_document_describes_exactly_the_routes_of_the_routing_table
        };
        let method: Method = route.method.parse().expect("an HTTP method");
        let response = stack
            .router(&route.function)
            .request(method, &sample_path(&route.path))
            .bearer(&token)
            .body("application/json", &b"\x93\xa7\x15[\xb1(\xe2\xff}"[..])
            .send()
            .await;
        assert_eq!(
            response.status,
            400,
            "{} answered a body that is not UTF-8 with {}: {}",
            operation.name(),
            response.status,
            response.text()
        );
        response.assert_problem(400, "malformed-request");
        checked += 1;
    }
    assert!(
        checked > 20,
        "only {checked} operations take a body: is the document truncated?"
    );
}
