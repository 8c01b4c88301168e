//! The deployable stack, `infra/template.yaml`, keeps its promises: the HTTP API routes exactly
//! the routing table, each to its owning function; each function's role grants only what the
//! function calls (with `infra/stack.py grants` on what the tests saw it ask for); the tables
//! keep their data; the tables the local stack creates are the
//! template's; and every function gets the environment its configuration reads.
//!
//! When a route changes, run `infra/gen-routes`; when a store calls a new DynamoDB action, add
//! it to the template's `TableActions` mapping (`./dev test`'s grants check says so).

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;
use shared::config::Env;
use shared::dynamo::{EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, PK, SK};
use stack_tests::{FUNCTIONS, repo_file, routing_table};
use testkit::tables::{table_definitions, template};

/// The cross-table reads DESIGN §2 allows, read-only: (function, the other function's table,
/// actions). content reads one enrollment; progress reads one course outline, or the outlines of
/// a page of enrollments in one BatchGetItem (`GET /me/enrollments`); both read the caller's
/// account and session items in one BatchGetItem on their privileged routes (`shared::account`).
const CROSS_READS: [(&str, &str, &[&str]); 4] = [
    ("content", "ProgressTable", &["dynamodb:GetItem"]),
    ("content", "AuthTable", &["dynamodb:BatchGetItem"]),
    (
        "progress",
        "ContentTable",
        &["dynamodb:GetItem", "dynamodb:BatchGetItem"],
    ),
    ("progress", "AuthTable", &["dynamodb:BatchGetItem"]),
];
/// The secrets each function may read: auth its access-token key and the certificate keys it
/// publishes, progress its certificate key, each the cursor key.
const SECRETS: [(&str, &str); 6] = [
    ("auth", "AccessSigningKeySecret"),
    ("auth", "CertificateKeysSecret"),
    ("auth", "CursorKeySecret"),
    ("content", "CursorKeySecret"),
    ("progress", "CertificateSigningKeySecret"),
    ("progress", "CursorKeySecret"),
];
/// auth's second binary, its own function: it takes auth's mail jobs from the mail queue and is
/// the only one that sends mail.
const MAIL_SENDER: &str = "mail-sender";
/// The DynamoDB actions of the mail sender, on auth's table alone (its items, not its index):
/// an address's owner and the account (`Query`, `GetItem`), a link token's hash (`PutItem`).
const MAIL_SENDER_TABLE_ACTIONS: [&str; 3] =
    ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];
/// What each binary does with the mail queue: auth posts jobs, the sender's event source
/// mapping takes them (with the sender's role).
const QUEUE_ACTIONS: [(&str, &[&str]); 2] = [
    ("auth", &["sqs:SendMessage"]),
    (
        MAIL_SENDER,
        &[
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ],
    ),
];
/// X-Ray's write actions accept no resource but `*`: the one managed policy a role may carry.
const XRAY_POLICY: &str = ":iam::aws:policy/AWSXRayDaemonWriteAccess";

/// Every binary deployed as a function: the three behind the API, then the mail sender.
fn binaries() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.into_iter().chain([MAIL_SENDER])
}

// --- reading the template ---------------------------------------------------------------------

/// `AuthTable` for `auth`: the logical-id stem of a function's resources.
fn stem(function: &str) -> String {
    let mut chars = function.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// An intrinsic function call, in short (`!Ref X`) or long (`{Ref: X}`) form: its name without
/// `!` or `Fn::`, and its argument.
fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => Some((
            tagged.tag.to_string().trim_start_matches('!').to_owned(),
            &tagged.value,
        )),
        Value::Mapping(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next()?;
            let key = key.as_str()?;
            (key == "Ref" || key.starts_with("Fn::"))
                .then(|| (key.trim_start_matches("Fn::").to_owned(), argument))
        }
        _ => None,
    }
}

/// The logical id `value` refers to with `!Ref X` or `!GetAtt X.Arn`.
fn referenced(value: &Value) -> Option<String> {
    let (name, argument) = intrinsic(value)?;
    match name.as_str() {
        "Ref" => argument.as_str().map(str::to_owned),
        "GetAtt" => match argument {
            Value::String(path) => path.split('.').next().map(str::to_owned),
            Value::Sequence(parts) => parts.first()?.as_str().map(str::to_owned),
            _ => None,
        },
        _ => None,
    }
}

/// A value for messages: scalars as they are, anything else as YAML.
fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

struct Template {
    doc: Value,
}

impl Template {
    fn load() -> Self {
        Self { doc: template() }
    }

    fn resources(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.doc["Resources"]
            .as_mapping()
            .expect("the template has Resources")
            .iter()
            .map(|(id, resource)| (id.as_str().expect("a logical id"), resource))
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> {
        self.resources()
            .filter(move |(_, resource)| resource["Type"].as_str() == Some(kind))
    }

    fn resource(&self, id: &str) -> &Value {
        let resource = &self.doc["Resources"][id];
        assert!(!resource.is_null(), "the template has no resource {id}");
        resource
    }

    fn type_of(&self, id: &str) -> Option<&str> {
        self.doc["Resources"][id]["Type"].as_str()
    }

    /// The function resource whose package binary is `function`.
    fn function(&self, function: &str) -> (&str, &Value) {
        let mut found = self
            .of_type("AWS::Serverless::Function")
            .filter(|(_, resource)| {
                resource["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(function)
            });
        let first = found
            .next()
            .unwrap_or_else(|| panic!("no AWS::Serverless::Function builds the binary {function}"));
        assert!(
            found.next().is_none(),
            "two functions build the binary {function}"
        );
        first
    }

    /// A function property, from the function or else from `Globals.Function`.
    fn function_property(&self, function: &Value, key: &str) -> Value {
        let own = &function["Properties"][key];
        if own.is_null() {
            self.doc["Globals"]["Function"][key].clone()
        } else {
            own.clone()
        }
    }

    /// The environment variables of a function, `Globals` merged under its own, as SAM does.
    fn environment(&self, function: &Value) -> BTreeMap<String, Value> {
        let mut variables = BTreeMap::new();
        for source in [
            &self.doc["Globals"]["Function"]["Environment"]["Variables"],
            &function["Properties"]["Environment"]["Variables"],
        ] {
            for (name, value) in source.as_mapping().into_iter().flatten() {
                variables.insert(
                    name.as_str().expect("a variable name").to_owned(),
                    value.clone(),
                );
            }
        }
        variables
    }

    /// Resolves `!FindInMap [Map, Key, Key]` against the template's Mappings.
    fn find_in_map(&self, argument: &Value) -> Value {
        let path: Vec<&str> = argument
            .as_sequence()
            .expect("FindInMap takes a list")
            .iter()
            .map(|part| part.as_str().expect("literal FindInMap keys"))
            .collect();
        let [map, first, second] = path[..] else {
            panic!("FindInMap takes three keys: {path:?}");
        };
        let value = &self.doc["Mappings"][map][first][second];
        assert!(!value.is_null(), "no mapping {map}.{first}.{second}");
        value.clone()
    }
}

// --- the routes -------------------------------------------------------------------------------

#[test]
fn the_http_api_routes_exactly_the_routing_table_each_path_to_its_owning_function() {
    let template = Template::load();
    let mut routed = BTreeSet::new();
    for (id, route) in template.of_type("AWS::ApiGatewayV2::Route") {
        let key = route["Properties"]["RouteKey"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: RouteKey must be a literal `METHOD /path`"));
        let (method, path) = key.split_once(' ').unwrap_or_else(|| {
            panic!("{id} routes `{key}`: only explicit `METHOD /path` routes (no $default)")
        });
        let target = &route["Properties"]["Target"];
        let integration = match intrinsic(target) {
            Some((name, Value::String(text))) if name == "Sub" => text
                .strip_prefix("integrations/${")
                .and_then(|rest| rest.strip_suffix('}'))
                .map(str::to_owned),
            _ => None,
        }
        .unwrap_or_else(|| {
            panic!(
                "{id}: Target must be !Sub integrations/${{<X>Integration}}, found {}",
                show(target)
            )
        });
        let uri = &template.resource(&integration)["Properties"]["IntegrationUri"];
        let function_id = referenced(uri).unwrap_or_else(|| {
            panic!(
                "{integration} must integrate a function of this template, found {}",
                show(uri)
            )
        });
        let binary = template.resource(&function_id)["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{function_id} (behind {id}) names no Binary"))
            .to_owned();
        assert!(
            routed.insert((method.to_owned(), path.to_owned(), binary)),
            "{key} is routed twice"
        );
    }
    let table: BTreeSet<_> = routing_table()
        .into_iter()
        .map(|route| (route.method, route.path, route.function))
        .collect();

    let wrong: Vec<_> = routed.difference(&table).collect();
    let missing: Vec<_> = table.difference(&routed).collect();
    assert!(
        wrong.is_empty() && missing.is_empty(),
        "the HTTP API differs from infra/routes.txt (run infra/gen-routes):\n  routed but not in the \
         table (or to the wrong function): {wrong:?}\n  in the table but not routed (or routed \
         elsewhere): {missing:?}"
    );
}

#[test]
fn nothing_but_the_listed_routes_reaches_a_function() {
    let template = Template::load();
    for (id, route) in template.of_type("AWS::ApiGatewayV2::Route") {
        let key = route["Properties"]["RouteKey"].as_str().unwrap_or_default();
        assert!(
            !key.contains('+') && key != "$default",
            "{id} is a catch-all route ({key}): route every path explicitly"
        );
    }
    for (id, function) in template.of_type("AWS::Serverless::Function") {
        // SAM events other than the mail queue's could add routes outside the routing table.
        for (name, event) in function["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flatten()
        {
            assert!(
                event["Type"].as_str() == Some("SQS")
                    && referenced(&event["Properties"]["Queue"]).as_deref() == Some("MailQueue"),
                "{id} has the SAM event {name:?}, which is not the mail queue's: events of other \
                 kinds add routes outside the routing table"
            );
        }
    }
    for kind in [
        "AWS::Serverless::Api",
        "AWS::Serverless::HttpApi",
        "AWS::ApiGateway::RestApi",
    ] {
        assert_eq!(
            template.of_type(kind).count(),
            0,
            "the template has an {kind}"
        );
    }
    assert_eq!(
        template.of_type("AWS::ApiGatewayV2::Api").count(),
        1,
        "the API is one HTTP API"
    );
    for (id, permission) in template.of_type("AWS::Lambda::Permission") {
        let source = show(&permission["Properties"]["SourceArn"]);
        assert!(
            permission["Properties"]["Principal"].as_str() == Some("apigateway.amazonaws.com")
                && source.ends_with(":${HttpApi}/*"),
            "{id} lets something other than our HTTP API invoke a function: {source}"
        );
    }
}

// --- permissions ------------------------------------------------------------------------------

/// What a policy statement's resource is, in the terms the scoping rules use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Table(String),
    Indexes(String),
    Secret(String),
    LogGroup(String),
    Queue(String),
    MailIdentity,
    Other(String),
}

/// One action allowed on one resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    action: String,
    target: Target,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.target {
            Target::Other(resource) => write!(f, "{} on `{resource}`", self.action),
            target => write!(f, "{} on {target:?}", self.action),
        }
    }
}

impl Template {
    fn target(&self, resource: &Value) -> Target {
        if let Some((name, argument)) = intrinsic(resource) {
            if name == "Sub" {
                let text = argument.as_str().unwrap_or_default();
                if let Some(table) = text
                    .strip_prefix("${")
                    .and_then(|rest| rest.strip_suffix(".Arn}/index/*"))
                    .filter(|table| self.type_of(table) == Some("AWS::DynamoDB::Table"))
                {
                    return Target::Indexes(table.to_owned());
                }
                if text
                    == "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}"
                {
                    return Target::MailIdentity;
                }
            }
            if let Some(id) = referenced(resource) {
                match (name.as_str(), self.type_of(&id)) {
                    ("GetAtt", Some("AWS::DynamoDB::Table")) => return Target::Table(id),
                    ("GetAtt", Some("AWS::Logs::LogGroup")) => return Target::LogGroup(id),
                    ("GetAtt", Some("AWS::SQS::Queue")) => return Target::Queue(id),
                    ("Ref", Some("AWS::SecretsManager::Secret")) => return Target::Secret(id),
                    _ => {}
                }
            }
        }
        Target::Other(show(resource))
    }

    fn strings(&self, value: &Value) -> Vec<String> {
        match value {
            Value::String(text) => vec![text.clone()],
            Value::Sequence(items) => items.iter().flat_map(|item| self.strings(item)).collect(),
            other => match intrinsic(other) {
                Some((name, argument)) if name == "FindInMap" => {
                    self.strings(&self.find_in_map(argument))
                }
                _ => vec![show(other)],
            },
        }
    }

    /// The role of `function`, and every action it allows on every resource.
    fn grants(&self, function: &str) -> (String, Vec<Grant>) {
        let (id, resource) = self.function(function);
        assert!(
            resource["Properties"]["Policies"].is_null(),
            "{id} has SAM Policies: grant through its role, where the scoping is checked"
        );
        let role = referenced(&resource["Properties"]["Role"])
            .filter(|role| self.type_of(role) == Some("AWS::IAM::Role"))
            .unwrap_or_else(|| {
                panic!("{id} must use a role of this template (Role: !GetAtt <X>Role.Arn)")
            });
        let mut grants = Vec::new();
        for policy in self.resource(&role)["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let statements = &policy["PolicyDocument"]["Statement"];
            for statement in statements.as_sequence().expect("a list of statements") {
                let sid = statement["Sid"].as_str().unwrap_or("a statement");
                assert_eq!(
                    statement["Effect"].as_str(),
                    Some("Allow"),
                    "{role}: {sid} is not a plain Allow"
                );
                for inverted in ["NotAction", "NotResource", "NotPrincipal"] {
                    assert!(
                        statement[inverted].is_null(),
                        "{role}: {sid} uses {inverted}, which grants everything it does not name"
                    );
                }
                let resources = match &statement["Resource"] {
                    Value::Sequence(items) => items.clone(),
                    single => vec![single.clone()],
                };
                for action in self.strings(&statement["Action"]) {
                    for resource in &resources {
                        grants.push(Grant {
                            action: action.clone(),
                            target: self.target(resource),
                        });
                    }
                }
            }
        }
        (role, grants)
    }
}

#[test]
fn no_role_grants_a_wildcard_action_or_a_wildcard_resource() {
    let template = Template::load();
    for function in binaries() {
        let (role, grants) = template.grants(function);
        for grant in &grants {
            assert!(
                !grant.action.contains('*'),
                "{role} grants the wildcard action `{}` ({grant}): list the actions {function} calls",
                grant.action
            );
            if let Target::Other(resource) = &grant.target {
                assert!(
                    !resource.contains('*'),
                    "{role} grants {grant}: a wildcard resource; name the resource"
                );
            }
        }
    }
}

#[test]
fn each_function_uses_only_its_own_table_and_indexes_plus_the_two_read_only_cross_reads() {
    let template = Template::load();
    for function in FUNCTIONS {
        let own = format!("{}Table", stem(function));
        let (role, grants) = template.grants(function);
        let dynamodb: Vec<_> = grants
            .iter()
            .filter(|grant| grant.action.starts_with("dynamodb:"))
            .collect();
        assert!(
            dynamodb
                .iter()
                .any(|grant| grant.target == Target::Table(own.clone())),
            "{role} grants nothing on {own}"
        );
        let mut cross = BTreeSet::new();
        for grant in dynamodb {
            match &grant.target {
                Target::Table(table) | Target::Indexes(table) if *table == own => {}
                Target::Table(table) => {
                    cross.insert((grant.action.as_str(), table.as_str()));
                }
                _ => panic!("{role} grants {grant}: DynamoDB only on {own} and its indexes"),
            }
        }
        let expected: BTreeSet<_> = CROSS_READS
            .iter()
            .filter(|(reader, _, _)| *reader == function)
            .flat_map(|(_, table, actions)| actions.iter().map(move |action| (*action, *table)))
            .collect();
        assert_eq!(
            cross, expected,
            "{role}: the reads of other functions' tables differ from the allowed read-only \
             ones (content → ProgressTable GetItem, progress → ContentTable GetItem and \
             BatchGetItem, both → AuthTable BatchGetItem)"
        );
    }
}

#[test]
fn the_mail_sender_reads_accounts_and_writes_link_tokens_on_auths_table_and_nothing_else() {
    let template = Template::load();
    let (role, grants) = template.grants(MAIL_SENDER);
    let dynamodb: BTreeSet<(&str, &Target)> = grants
        .iter()
        .filter(|grant| grant.action.starts_with("dynamodb:"))
        .map(|grant| (grant.action.as_str(), &grant.target))
        .collect();
    let auth_table = Target::Table("AuthTable".into());
    let expected: BTreeSet<(&str, &Target)> = MAIL_SENDER_TABLE_ACTIONS
        .iter()
        .map(|action| (*action, &auth_table))
        .collect();
    assert_eq!(dynamodb, expected, "{role}'s DynamoDB grants");
}

/// Whether what a role grants matches what its function asks of DynamoDB is checked on what
/// the functions really send: `./dev test` runs every test against an emulator that writes down
/// each request's function, action, table and index, then `infra/stack.py grants` compares that
/// with each role's grants (no source text is read, so no helper can hide a call). That is
/// exhaustive only while every request goes through `shared::dynamo::Table`, whose requests the
/// tests exercise; this holds the functions to it.
#[test]
fn the_functions_reach_dynamodb_only_through_shared_tables() {
    const SDK_CALLS: [&str; 12] = [
        ".get_item()",
        ".put_item()",
        ".update_item()",
        ".delete_item()",
        ".query()",
        ".scan()",
        ".batch_get_item()",
        ".batch_write_item()",
        ".transact_write_items()",
        ".transact_get_items()",
        "Put::builder()",
        "Update::builder()",
    ];
    fn sources(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                found.push((path.display().to_string(), text));
            }
        }
    }
    for function in FUNCTIONS {
        let mut files = Vec::new();
        sources(&repo_file(&format!("functions/{function}/src")), &mut files);
        assert!(!files.is_empty(), "functions/{function}/src has sources");
        for (path, text) in &files {
            for call in SDK_CALLS {
                assert!(
                    !text.contains(call),
                    "{path} calls the DynamoDB SDK itself ({call}): go through \
                     shared::dynamo::Table, so the grants check sees it and one error path \
                     and retry policy apply"
                );
            }
        }
    }
}

#[test]
fn each_function_reads_only_its_own_secrets_and_only_the_mail_sender_sends_mail() {
    let template = Template::load();
    for function in binaries() {
        let (role, grants) = template.grants(function);
        let (function_id, resource) = template.function(function);
        let log_group = referenced(&resource["Properties"]["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{function_id} names no LoggingConfig.LogGroup"));
        let secrets: BTreeSet<Target> = SECRETS
            .iter()
            .filter(|(owner, _)| *owner == function)
            .map(|(_, secret)| Target::Secret((*secret).to_owned()))
            .collect();
        let mut secrets_read = BTreeSet::new();
        for grant in &grants {
            let (service, _) = grant.action.split_once(':').unwrap_or_default();
            let allowed = match service {
                "dynamodb" => true, // scoped by the test above
                "logs" => {
                    ["logs:CreateLogStream", "logs:PutLogEvents"].contains(&grant.action.as_str())
                        && grant.target == Target::LogGroup(log_group.clone())
                }
                "secretsmanager" => {
                    let own = grant.action == "secretsmanager:GetSecretValue"
                        && secrets.contains(&grant.target);
                    if own {
                        secrets_read.insert(grant.target.clone());
                    }
                    own
                }
                "ses" => {
                    function == MAIL_SENDER
                        && grant.action == "ses:SendEmail"
                        && grant.target == Target::MailIdentity
                }
                "sqs" => {
                    QUEUE_ACTIONS.iter().any(|(binary, actions)| {
                        *binary == function && actions.contains(&grant.action.as_str())
                    }) && grant.target == Target::Queue("MailQueue".into())
                }
                _ => false,
            };
            assert!(allowed, "{role} must not grant {grant}");
        }
        assert_eq!(
            secrets_read, secrets,
            "{role}: exactly the secrets {function} reads are granted (the cursor key; its signing \
             key; auth also the certificate keys it publishes)"
        );
        let managed: Vec<String> = template.resource(&role)["Properties"]["ManagedPolicyArns"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|arn| match intrinsic(arn) {
                Some((name, Value::String(text))) if name == "Sub" => text.clone(),
                _ => show(arn),
            })
            .collect();
        assert!(
            managed.iter().all(|arn| arn.ends_with(XRAY_POLICY)),
            "{role} carries managed policies {managed:?}; only X-Ray's write access may be one"
        );
    }
}

// --- tables -----------------------------------------------------------------------------------

/// A template key schema as (attribute, key type) pairs, in order.
fn key_schema(schema: &Value) -> Vec<(String, String)> {
    schema
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|element| (show(&element["AttributeName"]), show(&element["KeyType"])))
        .collect()
}

/// A table or a signing-key secret outlives every update, rollback and stack deletion, but not
/// a first create that rolls back (it holds nothing yet, and a retry would fail on its name).
fn assert_kept(id: &str, resource: &Value) {
    assert_eq!(
        resource["DeletionPolicy"].as_str(),
        Some("RetainExceptOnCreate"),
        "{id} must have DeletionPolicy: RetainExceptOnCreate: Retain would leave it behind after a \
         failed first create, and the retry would fail on its name; Delete would lose its data"
    );
    assert_eq!(
        resource["UpdateReplacePolicy"].as_str(),
        Some("Retain"),
        "{id} must have UpdateReplacePolicy: Retain, or a replacement could delete its data"
    );
}

#[test]
fn the_signing_keys_are_kept_like_the_tables() {
    let template = Template::load();
    for id in ["AccessSigningKeySecret", "CertificateSigningKeySecret"] {
        assert_kept(id, template.resource(id));
    }
}

#[test]
fn every_table_keeps_its_data_when_the_stack_changes_or_goes() {
    let template = Template::load();
    let tables: Vec<_> = template.of_type("AWS::DynamoDB::Table").collect();
    assert_eq!(tables.len(), 3, "one table per function");
    for (id, table) in tables {
        assert_kept(id, table);
        let p = &table["Properties"];
        let checks: [(&str, &Value, Value); 5] = [
            (
                "point-in-time recovery (PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)",
                &p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
                Value::Bool(true),
            ),
            (
                "deletion protection (DeletionProtectionEnabled)",
                &p["DeletionProtectionEnabled"],
                Value::Bool(true),
            ),
            (
                "encryption at rest with KMS (SSESpecification.SSEEnabled)",
                &p["SSESpecification"]["SSEEnabled"],
                Value::Bool(true),
            ),
            (
                "on-demand capacity (BillingMode)",
                &p["BillingMode"],
                Value::from("PAY_PER_REQUEST"),
            ),
            (
                "TTL enabled (TimeToLiveSpecification.Enabled)",
                &p["TimeToLiveSpecification"]["Enabled"],
                Value::Bool(true),
            ),
        ];
        for (what, actual, expected) in checks {
            assert_eq!(actual, &expected, "{id} lacks {what}");
        }
    }
}

#[test]
fn every_table_has_the_keys_index_and_ttl_attribute_the_code_uses() {
    for table in table_definitions() {
        let p = &table.properties;
        let id = &table.logical_id;
        let pair = |hash: &str, range: &str| {
            vec![
                (hash.to_owned(), "HASH".to_owned()),
                (range.to_owned(), "RANGE".to_owned()),
            ]
        };
        assert_eq!(
            key_schema(&p["KeySchema"]),
            pair(PK, SK),
            "{id}'s primary key"
        );
        let index = p["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|index| index["IndexName"].as_str() == Some(GSI1))
            .unwrap_or_else(|| panic!("{id} has no index {GSI1}, which the stores query"));
        assert_eq!(
            key_schema(&index["KeySchema"]),
            pair(GSI1_PK, GSI1_SK),
            "{id}'s {GSI1} keys"
        );
        assert_eq!(
            p["TimeToLiveSpecification"]["AttributeName"].as_str(),
            Some(EXPIRES_AT),
            "{id} must expire items by {EXPIRES_AT}, the attribute sessions, tokens and counters set"
        );
    }
}

#[tokio::test]
async fn the_local_stack_creates_exactly_the_templates_tables() {
    let client = testkit::dynamo_client().await;
    let tables = testkit::create_tables(&client).await;
    let names = BTreeMap::from([
        ("auth", tables.auth),
        ("content", tables.content),
        ("progress", tables.progress),
    ]);

    for definition in table_definitions() {
        let name = &names[definition.short_name().as_str()];
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .expect("the emulator describes the table")
            .table
            .expect("a table description");
        let p = &definition.properties;
        let id = &definition.logical_id;

        let described_keys =
            |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
                schema
                    .iter()
                    .map(|e| {
                        (
                            e.attribute_name().to_owned(),
                            e.key_type().as_str().to_owned(),
                        )
                    })
                    .collect()
            };
        assert_eq!(
            described_keys(described.key_schema()),
            key_schema(&p["KeySchema"]),
            "{id}: the local table's primary key differs from the template's"
        );

        let attributes: BTreeSet<_> = described
            .attribute_definitions()
            .iter()
            .map(|a| {
                (
                    a.attribute_name().to_owned(),
                    a.attribute_type().as_str().to_owned(),
                )
            })
            .collect();
        let expected: BTreeSet<_> = p["AttributeDefinitions"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|a| (show(&a["AttributeName"]), show(&a["AttributeType"])))
            .collect();
        assert_eq!(attributes, expected, "{id}: attribute definitions differ");

        let indexes: BTreeMap<_, _> = described
            .global_secondary_indexes()
            .iter()
            .map(|index| {
                let projection = index
                    .projection()
                    .and_then(|p| p.projection_type())
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default();
                (
                    index.index_name().unwrap_or_default().to_owned(),
                    (described_keys(index.key_schema()), projection),
                )
            })
            .collect();
        let expected: BTreeMap<_, _> = p["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|index| {
                (
                    show(&index["IndexName"]),
                    (
                        key_schema(&index["KeySchema"]),
                        show(&index["Projection"]["ProjectionType"]),
                    ),
                )
            })
            .collect();
        assert_eq!(indexes, expected, "{id}: global secondary indexes differ");

        let ttl = client
            .describe_time_to_live()
            .table_name(name)
            .send()
            .await
            .expect("the emulator describes TTL")
            .time_to_live_description
            .and_then(|d| d.attribute_name)
            .unwrap_or_default();
        assert_eq!(
            ttl,
            show(&p["TimeToLiveSpecification"]["AttributeName"]),
            "{id}: the local table expires items by another attribute"
        );
    }
}

// --- functions --------------------------------------------------------------------------------

#[test]
fn every_function_is_a_rust_package_built_for_a_parameterised_architecture_defaulting_to_arm64() {
    let template = Template::load();
    let architecture = &template.doc["Parameters"]["Architecture"];
    assert_eq!(
        architecture["Default"].as_str(),
        Some("arm64"),
        "Architecture's default"
    );
    let workspace: toml::Table = std::fs::read_to_string(repo_file("Cargo.toml"))
        .expect("the root Cargo.toml")
        .parse()
        .expect("valid TOML");
    let members = workspace["workspace"]["members"]
        .as_array()
        .expect("workspace members");
    for function in binaries() {
        let (id, resource) = template.function(function);
        // The mail sender is a binary of auth's package.
        let package = if function == MAIL_SENDER {
            "auth"
        } else {
            function
        };
        assert_eq!(
            resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id} must be built by cargo-lambda"
        );
        let property = |key: &str| template.function_property(resource, key);
        assert_eq!(
            property("Runtime"),
            Value::from("provided.al2023"),
            "{id}'s runtime"
        );
        assert_eq!(
            property("Handler"),
            Value::from("bootstrap"),
            "{id}'s handler"
        );
        assert_eq!(
            property("Tracing"),
            Value::from("Active"),
            "{id} must be traced by X-Ray"
        );
        assert_eq!(
            property("CodeUri"),
            Value::from(".."),
            "{id}'s CodeUri must be the workspace root (relative to infra/)"
        );
        assert!(
            members
                .iter()
                .any(|m| m.as_str() == Some(&format!("functions/{package}"))),
            "functions/{package} is not a workspace member"
        );
        let architectures = property("Architectures");
        assert_eq!(
            architectures
                .as_sequence()
                .map(|list| list.iter().filter_map(referenced).collect::<Vec<_>>()),
            Some(vec!["Architecture".to_owned()]),
            "{id}'s architecture must be the Architecture parameter"
        );
        for key in ["MemorySize", "Timeout"] {
            assert!(
                property(key).as_u64().is_some(),
                "{id} needs a literal {key}"
            );
        }
        let logging = property("LoggingConfig");
        assert_eq!(
            logging["LogFormat"].as_str(),
            Some("JSON"),
            "{id} must log JSON"
        );
        let log_group = referenced(&logging["LogGroup"])
            .unwrap_or_else(|| panic!("{id} names no LoggingConfig.LogGroup"));
        assert!(
            !template.resource(&log_group)["Properties"]["RetentionInDays"].is_null(),
            "{log_group} keeps logs forever: set RetentionInDays"
        );
    }
}

/// A value standing in for an intrinsic (resolved only at deploy time) in a function's
/// environment, by variable name.
fn stand_in(variable: &str) -> String {
    match variable {
        "JWKS" => testkit::tokens::jwks_json(),
        "CERTIFICATE_JWKS" => testkit::env::certificate_jwks_json(),
        "JWT_ISSUER" | "PUBLIC_BASE_URL" => "https://api.skillpath.test".into(),
        "JWT_AUDIENCE" => testkit::tokens::AUDIENCE.into(),
        "SIGNING_KEY_ID" => testkit::tokens::TEST_KID.into(),
        "CERTIFICATE_KEY_ID" => testkit::env::CERTIFICATE_KID.into(),
        "MAIL_FROM" => "no-reply@skillpath.test".into(),
        "MAIL_QUEUE_URL" => {
            "https://sqs.eu-west-1.amazonaws.com/123456789012/skillpath-dev-mail".into()
        }
        name if name == "TABLE_NAME" || name.ends_with("_TABLE_NAME") => {
            format!(
                "skillpath-dev-{}",
                name.to_ascii_lowercase().replace('_', "-")
            )
        }
        name if name.ends_with("_SECRET_ARN") => {
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:skillpath/dev/key-AbCdEf".into()
        }
        other => panic!("no stand-in for the template's variable {other}: add one to stand_in()"),
    }
}

#[test]
fn the_template_gives_each_function_every_variable_its_configuration_reads() {
    let template = Template::load();
    for function in binaries() {
        let (id, resource) = template.function(function);
        let variables = template.environment(resource);
        // The mail sender works on auth's table.
        let own_table = match function {
            MAIL_SENDER => "AuthTable".to_owned(),
            function => format!("{}Table", stem(function)),
        };
        assert_eq!(
            variables.get("TABLE_NAME").and_then(referenced),
            Some(own_table.clone()),
            "{id}'s TABLE_NAME must be its own table, {own_table}"
        );
        let mut pairs = vec![
            (
                "AWS_LAMBDA_FUNCTION_NAME".to_owned(),
                format!("skillpath-dev-{function}"),
            ),
            ("AWS_REGION".to_owned(), "eu-west-1".to_owned()),
            ("AWS_LAMBDA_LOG_FORMAT".to_owned(), "JSON".to_owned()),
        ];
        for (name, value) in &variables {
            let value = match value {
                Value::String(text) => {
                    assert!(
                        !text.contains("PRIVATE KEY"),
                        "{id}'s {name} holds a private key: keys belong in Secrets Manager"
                    );
                    text.clone()
                }
                _ => stand_in(name),
            };
            pairs.push((name.clone(), value));
        }
        let env = Env::from_pairs(pairs);
        let outcome = match function {
            "auth" => auth::Config::from_env(&env).map(drop),
            "content" => content::Config::from_env(&env).map(drop),
            "progress" => progress::Config::from_env(&env).map(drop),
            MAIL_SENDER => auth::config::SenderConfig::from_env(&env).map(drop),
            other => panic!("no function {other}"),
        };
        if let Err(error) = outcome {
            panic!("deployed as the template says, {function} would not start: {error}");
        }
    }
}

// --- operations -------------------------------------------------------------------------------

#[test]
fn alarms_watch_function_errors_and_throttles_api_5xx_and_table_throttling() {
    let template = Template::load();
    let mut watched = BTreeSet::new();
    for (id, alarm) in template.of_type("AWS::CloudWatch::Alarm") {
        let p = &alarm["Properties"];
        for actions in ["AlarmActions", "OKActions"] {
            let topics: Vec<_> = p[actions]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(referenced)
                .collect();
            assert_eq!(
                topics,
                [Some("AlarmTopicArn".to_owned())],
                "{id}: {actions} must notify the AlarmTopicArn parameter"
            );
        }
        let metrics: Vec<&Value> = if p["Metrics"].is_null() {
            vec![p]
        } else {
            p["Metrics"]
                .as_sequence()
                .expect("a list of metrics")
                .iter()
                .filter_map(|m| m.get("MetricStat").map(|s| &s["Metric"]))
                .collect()
        };
        for metric in metrics {
            let dimensions = metric["Dimensions"].as_sequence().into_iter().flatten();
            let index = dimensions
                .clone()
                .find(|d| d["Name"].as_str() == Some("GlobalSecondaryIndexName"))
                .map(|d| show(&d["Value"]));
            for dimension in dimensions {
                if let Some(subject) = referenced(&dimension["Value"]) {
                    let subject = match &index {
                        Some(index) => format!("{subject}/{index}"),
                        None => subject,
                    };
                    watched.insert((show(&metric["MetricName"]), subject));
                }
            }
        }
    }
    let mut expected = BTreeSet::new();
    for function in FUNCTIONS {
        let (id, _) = template.function(function);
        expected.insert(("Errors".to_owned(), id.to_owned()));
        expected.insert(("Throttles".to_owned(), id.to_owned()));
        let table = format!("{}Table", stem(function));
        expected.insert(("ReadThrottleEvents".to_owned(), table.clone()));
        expected.insert(("WriteThrottleEvents".to_owned(), table.clone()));
        // Each global secondary index's throttling is its own metric (TableName and
        // GlobalSecondaryIndexName), not counted in the table's.
        for index in template.resource(&table)["Properties"]["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let index = show(&index["IndexName"]);
            for metric in ["ReadThrottleEvents", "WriteThrottleEvents"] {
                expected.insert((metric.to_owned(), format!("{table}/{index}")));
            }
        }
    }
    let (sender, _) = template.function(MAIL_SENDER);
    expected.insert(("Errors".to_owned(), sender.to_owned()));
    expected.insert(("Throttles".to_owned(), sender.to_owned()));
    expected.insert((
        "ApproximateNumberOfMessagesVisible".to_owned(),
        "MailDeadLetterQueue".to_owned(),
    ));
    expected.insert((
        "ApproximateAgeOfOldestMessage".to_owned(),
        "MailQueue".to_owned(),
    ));
    expected.insert(("5xx".to_owned(), "HttpApi".to_owned()));
    let unwatched: Vec<_> = expected.difference(&watched).collect();
    assert!(unwatched.is_empty(), "no alarm watches {unwatched:?}");
}

/// The names a `!Sub` string substitutes (`${X}`, `${X.Attr}`: `X`), and the string with each
/// `${…}` turned into `{{…}}`, so that what stands for a resource can be found after parsing.
fn substitutions(text: &str) -> (BTreeSet<String>, String) {
    let (mut names, mut out, mut rest) = (BTreeSet::new(), String::new(), text);
    while let Some(start) = rest.find("${") {
        let end = start + rest[start..].find('}').expect("a closed ${…}");
        let inner = &rest[start + 2..end];
        names.insert(inner.split('.').next().unwrap_or(inner).to_owned());
        out.push_str(&rest[..start]);
        out.push_str(&format!("{{{{{inner}}}}}"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    (names, out)
}

#[test]
fn the_dashboard_shows_every_function_table_and_queue_and_the_api_of_this_stack() {
    let template = Template::load();
    let mut dashboards = template.of_type("AWS::CloudWatch::Dashboard");
    let (id, dashboard) = dashboards.next().expect("the template has a dashboard");
    assert!(dashboards.next().is_none(), "one dashboard");
    let (kind, body) = intrinsic(&dashboard["Properties"]["DashboardBody"]).expect("a !Sub");
    assert_eq!(kind, "Sub", "{id}'s body is a !Sub of the stack's names");
    let (names, body) = substitutions(body.as_str().expect("a !Sub string"));
    for name in &names {
        let known = name.starts_with("AWS::")
            || !template.doc["Resources"][name.as_str()].is_null()
            || !template.doc["Parameters"][name.as_str()].is_null();
        assert!(known, "{id} names ${{{name}}}, which is not of this stack");
    }
    let body: serde_json::Value = serde_json::from_str(&body).expect("the body is JSON");

    // (metric, the resource it is about), a statistic beside the metric where a row asks one.
    let mut shown = BTreeSet::new();
    let mut queries = Vec::new();
    let subject = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| s.strip_prefix("{{")?.strip_suffix("}}"))
            .map(|s| s.split('.').next().unwrap_or(s).to_owned())
    };
    for widget in body["widgets"].as_array().expect("widgets") {
        let properties = &widget["properties"];
        if let Some(query) = properties["query"].as_str() {
            queries.push(query.to_owned());
        }
        for row in properties["metrics"].as_array().into_iter().flatten() {
            let row = row.as_array().expect("a metric row");
            let metric = row[1].as_str().expect("a metric name");
            let stat = row.last().and_then(|o| o["stat"].as_str());
            let name = match stat {
                Some(stat) if metric == "Duration" || metric == "Latency" => {
                    format!("{metric} {stat}")
                }
                _ => metric.to_owned(),
            };
            for resource in row.iter().filter_map(subject) {
                shown.insert((name.clone(), resource));
            }
        }
    }

    let mut expected = BTreeSet::new();
    let mut log_groups = Vec::new();
    for binary in FUNCTIONS.into_iter().chain([MAIL_SENDER]) {
        let (id, function) = template.function(binary);
        for metric in [
            "Invocations",
            "Errors",
            "Throttles",
            "ConcurrentExecutions",
            "Duration p50",
            "Duration p99",
        ] {
            expected.insert((metric.to_owned(), id.to_owned()));
        }
        let group = template.function_property(function, "LoggingConfig")["LogGroup"].clone();
        log_groups.push(referenced(&group).expect("a function's log group is the stack's"));
    }
    for metric in ["4xx", "5xx", "Latency p50", "Latency p99"] {
        expected.insert((metric.to_owned(), "HttpApi".to_owned()));
    }
    for (table, _) in template.of_type("AWS::DynamoDB::Table") {
        for metric in [
            "ConsumedReadCapacityUnits",
            "ConsumedWriteCapacityUnits",
            "ReadThrottleEvents",
            "WriteThrottleEvents",
            "TransactionConflict",
        ] {
            expected.insert((metric.to_owned(), table.to_owned()));
        }
    }
    for (queue, _) in template.of_type("AWS::SQS::Queue") {
        expected.insert((
            "ApproximateNumberOfMessagesVisible".to_owned(),
            queue.to_owned(),
        ));
    }
    expected.insert((
        "ApproximateAgeOfOldestMessage".to_owned(),
        "MailQueue".to_owned(),
    ));
    let missing: Vec<_> = expected.difference(&shown).collect();
    assert!(
        missing.is_empty(),
        "the dashboard does not show {missing:?}"
    );

    let init = queries
        .iter()
        .find(|q| q.contains("@initDuration"))
        .expect("a widget of the cold starts' init duration");
    for group in log_groups {
        assert!(
            init.contains(&format!("SOURCE '{{{{{group}}}}}'")),
            "the init-duration query does not read {group}: {init}"
        );
    }
}

#[test]
fn a_custom_domain_is_made_and_mapped_exactly_when_api_base_url_is_set() {
    let template = Template::load();
    for (id, kind) in [
        ("ApiDomainName", "AWS::ApiGatewayV2::DomainName"),
        ("ApiMapping", "AWS::ApiGatewayV2::ApiMapping"),
    ] {
        let resource = template.resource(id);
        assert_eq!(resource["Type"].as_str(), Some(kind), "{id}'s type");
        assert_eq!(
            resource["Condition"].as_str(),
            Some("HasApiBaseUrl"),
            "{id} must exist exactly when ApiBaseUrl names a custom domain"
        );
    }
    let configuration =
        &template.resource("ApiDomainName")["Properties"]["DomainNameConfigurations"][0];
    assert_eq!(
        referenced(&configuration["CertificateArn"]).as_deref(),
        Some("ApiCertificateArn"),
        "the domain's certificate is the ApiCertificateArn parameter"
    );
    let mapping = &template.resource("ApiMapping")["Properties"];
    assert_eq!(
        referenced(&mapping["ApiId"]).as_deref(),
        Some("HttpApi"),
        "the domain maps the HTTP API"
    );
    assert_eq!(
        referenced(&mapping["Stage"]).as_deref(),
        Some("HttpApiStage"),
        "the domain maps the API's stage"
    );
    assert!(
        !template.doc["Rules"]["CustomDomainHasCertificate"].is_null(),
        "a rule must refuse ApiBaseUrl without ApiCertificateArn before anything is created"
    );
}

#[test]
fn the_stack_outputs_the_api_url_and_the_table_names() {
    let template = Template::load();
    let outputs = &template.doc["Outputs"];
    assert!(!outputs["ApiUrl"]["Value"].is_null(), "no ApiUrl output");
    for function in FUNCTIONS {
        let table = format!("{}Table", stem(function));
        assert_eq!(
            referenced(&outputs[format!("{table}Name").as_str()]["Value"]),
            Some(table.clone()),
            "no output names {table}"
        );
    }
}
