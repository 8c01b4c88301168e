//! DynamoDB tables made from their definitions in `infra/template.yaml`, so the tables the tests
//! and the local stack use are the tables AWS gets: one source of truth for keys and indexes.

use std::path::PathBuf;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde_yaml::Value;

/// The path of the SAM template.
pub fn template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/template.yaml")
}

/// The template, parsed. CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) stay as tagged
/// values.
///
/// # Panics
/// When the template is missing or is not YAML.
pub fn template() -> Value {
    let path = template_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

/// One `AWS::DynamoDB::Table` of the template.
#[derive(Debug, Clone)]
pub struct TableDefinition {
    /// The resource's logical id, e.g. `AuthTable`.
    pub logical_id: String,
    pub properties: Value,
}

impl TableDefinition {
    /// The short name the local stack uses: `AuthTable` → `auth`.
    pub fn short_name(&self) -> String {
        self.logical_id
            .trim_end_matches("Table")
            .to_ascii_lowercase()
    }

    fn key_schema(value: &Value) -> Vec<KeySchemaElement> {
        value
            .as_sequence()
            .expect("KeySchema is a list")
            .iter()
            .map(|element| {
                KeySchemaElement::builder()
                    .attribute_name(str_at(element, "AttributeName"))
                    .key_type(KeyType::from(str_at(element, "KeyType").as_str()))
                    .build()
                    .expect("a complete key schema element")
            })
            .collect()
    }

    /// Creates this table under `name` unless it exists. Returns whether it created it.
    ///
    /// # Panics
    /// When the definition is incomplete or the emulator refuses it.
    pub async fn create(&self, client: &Client, name: &str) -> bool {
        let p = &self.properties;
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(Self::key_schema(&p["KeySchema"])));
        for attribute in p["AttributeDefinitions"]
            .as_sequence()
            .expect("AttributeDefinitions")
        {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(str_at(attribute, "AttributeName"))
                    .attribute_type(ScalarAttributeType::from(
                        str_at(attribute, "AttributeType").as_str(),
                    ))
                    .build()
                    .expect("a complete attribute definition"),
            );
        }
        for index in p["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let projection = Projection::builder()
                .projection_type(ProjectionType::from(
                    str_at(&index["Projection"], "ProjectionType").as_str(),
                ))
                .set_non_key_attributes(index["Projection"]["NonKeyAttributes"].as_sequence().map(
                    |names| {
                        names
                            .iter()
                            .map(|n| n.as_str().expect("attribute name").to_owned())
                            .collect()
                    },
                ))
                .build();
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(str_at(index, "IndexName"))
                    .set_key_schema(Some(Self::key_schema(&index["KeySchema"])))
                    .projection(projection)
                    .build()
                    .expect("a complete index"),
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(e) if format!("{e:?}").contains("ResourceInUseException") => return false,
            Err(e) => panic!("creating table {name} from {}: {e:?}", self.logical_id),
        }
        self.enable_ttl(client, name).await;
        true
    }

    /// Turns on the template's TTL for the table `name`, unless it is on already.
    ///
    /// # Panics
    /// When the emulator refuses it.
    pub async fn enable_ttl(&self, client: &Client, name: &str) {
        let Some(ttl) = self.properties["TimeToLiveSpecification"].as_mapping() else {
            return;
        };
        let attribute = ttl
            .get("AttributeName")
            .and_then(Value::as_str)
            .expect("TTL attribute");
        let current = client
            .describe_time_to_live()
            .table_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("reading the TTL of {name}: {e:?}"));
        let on = current
            .time_to_live_description()
            .and_then(|d| d.attribute_name())
            .is_some_and(|a| a == attribute);
        if on {
            return;
        }
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attribute)
                    .enabled(true)
                    .build()
                    .expect("a complete TTL specification"),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("enabling TTL on {name}: {e:?}"));
    }
}

fn str_at(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} must be a plain string in the template"))
        .to_owned()
}

/// Every table the template defines.
pub fn table_definitions() -> Vec<TableDefinition> {
    let template = template();
    let resources = template["Resources"]
        .as_mapping()
        .expect("the template has Resources");
    resources
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some("AWS::DynamoDB::Table"))
        .map(|(id, resource)| TableDefinition {
            logical_id: id.as_str().expect("logical id").to_owned(),
            properties: resource["Properties"].clone(),
        })
        .collect()
}

/// The names of one test's tables.
#[derive(Debug, Clone)]
pub struct Tables {
    pub auth: String,
    pub content: String,
    pub progress: String,
    /// The URL of auth's mail queue (SQS, in the same emulator).
    pub mail_queue: String,
}

/// Creates a fresh set of the template's tables, and a mail queue, under names no other test
/// uses.
///
/// # Panics
/// When the template has other tables than auth, content and progress, or creation fails.
pub async fn create_tables(client: &Client) -> Tables {
    let run = uuid::Uuid::now_v7().simple().to_string();
    let name = |short: &str| format!("test-{short}-{run}");
    let definitions = table_definitions();
    for definition in &definitions {
        let table = name(&definition.short_name());
        if !definition.create(client, &table).await {
            // The name is fresh, so the table is this test's own: made by an attempt whose
            // answer came too late (a busy emulator) and which the SDK then tried again.
            definition.enable_ttl(client, &table).await;
        }
    }
    let mut shorts: Vec<_> = definitions
        .iter()
        .map(TableDefinition::short_name)
        .collect();
    shorts.sort();
    assert_eq!(
        shorts,
        ["auth", "content", "progress"],
        "the template's tables"
    );
    Tables {
        auth: name("auth"),
        content: name("content"),
        progress: name("progress"),
        mail_queue: create_queue(&name("mail")).await,
    }
}

/// Creates the SQS queue `name` in the emulator; its URL.
///
/// # Panics
/// When the emulator does not make it.
pub async fn create_queue(name: &str) -> String {
    sqs_client()
        .await
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("the emulator makes a queue")
        .queue_url
        .expect("a new queue has a URL")
}

/// An SQS client of the emulator.
pub async fn sqs_client() -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::config::Builder::from(&crate::sdk_config().await)
        .endpoint_url(crate::emulator_endpoint())
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}
