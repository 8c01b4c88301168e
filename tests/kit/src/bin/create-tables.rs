//! Creates the template's tables in the local emulator as `<prefix>-auth`, `<prefix>-content`
//! and `<prefix>-progress`, leaving existing ones alone. Used by the README's run command.
//!
//! ```text
//! DYNAMODB_ENDPOINT=http://127.0.0.1:8000 create-tables skillpath-local
//! ```

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let prefix = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "skillpath-local".to_owned());
    let client = testkit::dynamo_client().await;
    for definition in testkit::tables::table_definitions() {
        let name = format!("{prefix}-{}", definition.short_name());
        let created = definition.create(&client, &name).await;
        eprintln!("{name}: {}", if created { "created" } else { "exists" });
    }
}
