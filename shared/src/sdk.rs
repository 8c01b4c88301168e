//! AWS SDK clients a function may not need on every cold start.

use std::sync::{Arc, OnceLock};

/// An SDK client built at its first use, not at the cold start: building one parses the SDK's
/// endpoint partitions and sets up its HTTPS connector (~1.2 M instructions, measured for SQS
/// in auth's init), which a cold start should pay only for a client it uses. Clones share the
/// client.
#[derive(Debug, Clone)]
pub struct OnFirstUse<C> {
    sdk: aws_types::SdkConfig,
    client: Arc<OnceLock<C>>,
}

impl<C> OnFirstUse<C> {
    /// A client to be built from `sdk`.
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self {
            sdk: sdk.clone(),
            client: Arc::new(OnceLock::new()),
        }
    }

    /// The client, built by `build` the first time.
    pub fn get(&self, build: impl FnOnce(&aws_types::SdkConfig) -> C) -> &C {
        self.client.get_or_init(|| build(&self.sdk))
    }
}
