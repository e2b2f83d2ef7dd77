//! The local stack is made from infra/template.yaml and nothing else.

use cabinet_tests::Stack;

#[tokio::test]
async fn the_template_becomes_a_table_with_stream_indexes_and_ttl() {
    let stack = Stack::fresh().await;
    let table = stack
        .dynamodb()
        .describe_table()
        .table_name(&stack.table)
        .send()
        .await
        .unwrap();
    let table = table.table().unwrap();
    let indexes: Vec<&str> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    assert_eq!(indexes.len(), 2);
    assert!(indexes.contains(&"gsi1") && indexes.contains(&"gsi2"));
    assert_eq!(
        table
            .stream_specification()
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str()),
        Some("NEW_AND_OLD_IMAGES")
    );
    let ttl = stack
        .dynamodb()
        .describe_time_to_live()
        .table_name(&stack.table)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|t| t.attribute_name()),
        Some("expires_at")
    );
}

#[tokio::test]
async fn the_template_becomes_a_pool_with_email_login_client_and_executors_group() {
    let stack = Stack::fresh().await;
    let pool = stack
        .cognito()
        .describe_user_pool()
        .user_pool_id(&stack.user_pool_id)
        .send()
        .await
        .unwrap();
    let pool = pool.user_pool().unwrap();
    assert_eq!(
        pool.username_attributes()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>(),
        ["email"]
    );
    let policy = pool.policies().and_then(|p| p.password_policy()).unwrap();
    assert_eq!(
        policy.minimum_length(),
        Some(cabinet::domain::password::PASSWORD_MIN_CHARS as i32)
    );
    let client = stack
        .cognito()
        .describe_user_pool_client()
        .user_pool_id(&stack.user_pool_id)
        .client_id(&stack.client_id)
        .send()
        .await
        .unwrap();
    let client = client.user_pool_client().unwrap();
    assert!(
        client.client_secret().is_none(),
        "the portal's client is public"
    );
    assert!(
        !client
            .write_attributes()
            .iter()
            .any(|a| a == "custom:provider_id"),
        "customers must not bind themselves to a provider"
    );
    let groups = stack
        .cognito()
        .list_groups()
        .user_pool_id(&stack.user_pool_id)
        .send()
        .await
        .unwrap();
    assert!(
        groups
            .groups()
            .iter()
            .any(|g| g.group_name() == Some("executors"))
    );
}

#[tokio::test]
async fn the_template_becomes_a_bucket_and_a_verified_sender() {
    let stack = Stack::fresh().await;
    let lifecycle = stack
        .s3()
        .get_bucket_lifecycle_configuration()
        .bucket(&stack.bucket)
        .send()
        .await
        .unwrap();
    assert!(
        lifecycle
            .rules()
            .iter()
            .any(|r| r.id() == Some("abandoned-uploads"))
    );
    // moto does not report the identity as verified, but it refuses to send
    // from any address that was not created first: a sent message proves it.
    let sent = stack
        .ses()
        .send_email()
        .from_email_address(&stack.sender)
        .destination(
            aws_sdk_sesv2::types::Destination::builder()
                .to_addresses("customer@example.ru")
                .build(),
        )
        .content(
            aws_sdk_sesv2::types::EmailContent::builder()
                .simple(
                    aws_sdk_sesv2::types::Message::builder()
                        .subject(
                            aws_sdk_sesv2::types::Content::builder()
                                .data("Проверка")
                                .build()
                                .unwrap(),
                        )
                        .body(
                            aws_sdk_sesv2::types::Body::builder()
                                .text(
                                    aws_sdk_sesv2::types::Content::builder()
                                        .data("Проверка отправителя")
                                        .build()
                                        .unwrap(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await;
    assert!(sent.is_ok(), "{sent:?}");
}
