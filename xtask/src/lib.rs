//! Developer tooling of the cabinet: the local stack on the AWS emulator
//! (`cargo xtask dev`), the test run (`cargo xtask test`) and the
//! template's gates (`cargo xtask checks`). The test
//! harness uses the same code to give every test its own fresh resources.

pub mod accounts;
pub mod checks;
pub mod lock;
pub mod moto;
pub mod openapi;
pub mod provision;
pub mod pump;
pub mod router;
pub mod stream;
pub mod template;
pub mod tools;

use std::path::PathBuf;

/// Region of the local stack; moto puts it into token issuers and ARNs.
pub const LOCAL_REGION: &str = "us-east-1";

/// Root of the workspace (the folder of the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// SDK configuration for the emulator at `endpoint`, with throw-away
/// credentials that moto accepts.
pub async fn local_sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(LOCAL_REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "local-stack",
        ))
        .load()
        .await
}
