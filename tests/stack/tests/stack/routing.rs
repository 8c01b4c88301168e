//! The routing table is the one list of routes: the local router and every function's own router
//! agree with it. (The template's HTTP API is checked against it in `template`.)

use std::collections::{BTreeMap, BTreeSet};

use shared::http::Unrouted;
use stack_tests::{FUNCTIONS, Stack, routing_table, sample_path};

#[test]
fn the_routing_table_lists_each_route_once_and_only_our_functions() {
    let table = routing_table();
    assert!(
        table.len() > 40,
        "the table looks truncated: {} routes",
        table.len()
    );
    let mut seen = BTreeSet::new();
    for route in &table {
        assert!(
            seen.insert((route.method.clone(), route.path.clone())),
            "{} {} is listed twice",
            route.method,
            route.path
        );
        assert!(
            FUNCTIONS.contains(&route.function.as_str()),
            "{} {} goes to an unknown function {}",
            route.method,
            route.path,
            route.function
        );
        assert!(
            ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&route.method.as_str()),
            "unexpected method in {route:?}"
        );
    }
}

#[test]
fn every_path_belongs_to_one_function() {
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for route in &routing_table() {
        let owner = *owners.entry(&route.path).or_insert(&route.function);
        assert_eq!(
            owner, route.function,
            "{} is split between functions",
            route.path
        );
    }
}

#[tokio::test]
async fn every_function_serves_exactly_its_routes() {
    let stack = Stack::start().await;
    let table = routing_table();
    for function in FUNCTIONS {
        let router = stack.router(function);
        for route in &table {
            let method = route.method.parse().expect("an HTTP method");
            let path = sample_path(&route.path);
            let mut request = router.request(method, &path);
            if ["POST", "PUT", "PATCH"].contains(&route.method.as_str()) {
                request = request.json(&serde_json::json!({}));
            }
            let response = request.send().await;
            let routed = response.extensions.get::<Unrouted>().is_none();
            if route.function == function {
                assert!(
                    routed,
                    "{function} does not serve {} {} ({} {})",
                    route.method,
                    route.path,
                    response.status,
                    response.text()
                );
            } else {
                assert!(
                    !routed,
                    "{function} serves {} {}, which belongs to {}",
                    route.method, route.path, route.function
                );
            }
        }
        let nowhere = router.get("/nowhere/at/all").send().await;
        nowhere.assert_problem(404, "not-found");
        assert!(
            nowhere.extensions.get::<Unrouted>().is_some(),
            "an unknown path is unrouted"
        );
    }
}
