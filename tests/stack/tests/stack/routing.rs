//! The routing table is the one list of routes: the local router and every function's own router
//! agree with it. (The template's HTTP API is checked against it in `template`.)

use std::collections::{BTreeMap, BTreeSet};

use shared::http::Unrouted;
use stack_tests::{FUNCTIONS, Stack, repo_file, routing_table, sample_path};

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

#[test]
fn the_local_router_sends_every_path_to_its_owning_function_and_nothing_else() {
    let manifest: toml::Table = std::fs::read_to_string(repo_file("Cargo.toml"))
        .expect("the root Cargo.toml")
        .parse()
        .expect("valid TOML");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("[workspace.metadata.lambda.watch.router]");
    let local: BTreeMap<String, String> = router
        .iter()
        .map(|(path, function)| {
            let function = function
                .as_str()
                .expect("a router entry names one function");
            (path.clone(), function.to_owned())
        })
        .collect();
    let expected: BTreeMap<String, String> = routing_table()
        .into_iter()
        .map(|route| (route.path, route.function))
        .collect();
    assert_eq!(
        local, expected,
        "the local router differs from infra/routes.txt (left: Cargo.toml, right: the table)"
    );
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
