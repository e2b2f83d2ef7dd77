//! Creates the cabinet's resources on the local emulator from
//! `infra/template.yaml`: the table with its stream and indexes, the bucket,
//! the user pool with its client and groups, and the SES sender identity.

use anyhow::{Context, Result, anyhow};
use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_dynamodb as dynamodb;
use aws_sdk_s3 as s3;
use aws_sdk_sesv2 as ses;
use serde_yaml::Value;

use crate::template::{Template, scalar, strings};

/// Names of the resources to create; every run of the tests uses new ones.
#[derive(Debug, Clone)]
pub struct Names {
    /// DynamoDB table.
    pub table: String,
    /// S3 bucket of attachments.
    pub bucket: String,
    /// Cognito user pool.
    pub user_pool: String,
}

impl Names {
    /// Names that all begin with `prefix` (lower case letters, digits, `-`).
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            table: format!("{prefix}-table"),
            bucket: format!("{prefix}-attachments"),
            user_pool: format!("{prefix}-customers"),
        }
    }
}

/// What was created (or found) on the emulator.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// DynamoDB table name.
    pub table: String,
    /// ARN of the table's stream.
    pub stream_arn: String,
    /// S3 bucket name.
    pub bucket: String,
    /// Cognito user pool id.
    pub user_pool_id: String,
    /// Public app client id of the portal.
    pub client_id: String,
    /// Verified SES sender address.
    pub sender: String,
}

/// Creates the resources the template declares that the functions use (the
/// table, the attachments bucket, the user pool and the sender), reusing
/// those that exist; roles, log groups and the access-log bucket have no
/// local counterpart.
pub async fn provision(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    names: &Names,
) -> Result<Provisioned> {
    let (table, stream_arn) = table(&dynamodb::Client::new(sdk), template, &names.table).await?;
    let bucket = bucket(&s3_client(sdk), template, &names.bucket).await?;
    let (user_pool_id, client_id) =
        user_pool(&cognito::Client::new(sdk), template, &names.user_pool).await?;
    let sender = sender(&ses::Client::new(sdk), template).await?;
    Ok(Provisioned {
        table,
        stream_arn,
        bucket,
        user_pool_id,
        client_id,
        sender,
    })
}

/// An S3 client for the emulator: path-style addressing, since bucket names
/// cannot be resolved as host names of a loopback endpoint.
pub fn s3_client(sdk: &aws_config::SdkConfig) -> s3::Client {
    let config = s3::config::Builder::from(sdk)
        .force_path_style(true)
        .build();
    s3::Client::from_conf(config)
}

fn list(value: &Value, key: &str) -> Vec<Value> {
    value
        .get(key)
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default()
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).map(scalar).unwrap_or_default()
}

fn flag(value: &Value, key: &str) -> Option<bool> {
    value.get(key).and_then(Value::as_bool)
}

fn number(value: &Value, key: &str) -> Option<i32> {
    value
        .get(key)
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .and_then(|n| i32::try_from(n).ok())
}

fn key_schema(value: &Value) -> Result<Vec<dynamodb::types::KeySchemaElement>> {
    list(value, "KeySchema")
        .iter()
        .map(|key| {
            Ok(dynamodb::types::KeySchemaElement::builder()
                .attribute_name(text(key, "AttributeName"))
                .key_type(text(key, "KeyType").as_str().into())
                .build()?)
        })
        .collect()
}

async fn table(
    client: &dynamodb::Client,
    template: &Template,
    name: &str,
) -> Result<(String, String)> {
    if let Ok(found) = client.describe_table().table_name(name).send().await {
        let arn = found
            .table()
            .and_then(|t| t.latest_stream_arn())
            .ok_or_else(|| anyhow!("table {name} exists without a stream"))?;
        return Ok((name.to_string(), arn.to_string()));
    }
    let spec = template.single("AWS::DynamoDB::Table")?;
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(text(&spec, "BillingMode").as_str().into())
        .set_key_schema(Some(key_schema(&spec)?));
    for attribute in list(&spec, "AttributeDefinitions") {
        request = request.attribute_definitions(
            dynamodb::types::AttributeDefinition::builder()
                .attribute_name(text(&attribute, "AttributeName"))
                .attribute_type(text(&attribute, "AttributeType").as_str().into())
                .build()?,
        );
    }
    for index in list(&spec, "GlobalSecondaryIndexes") {
        let projection = index.get("Projection").cloned().unwrap_or(Value::Null);
        request = request.global_secondary_indexes(
            dynamodb::types::GlobalSecondaryIndex::builder()
                .index_name(text(&index, "IndexName"))
                .set_key_schema(Some(key_schema(&index)?))
                .projection(
                    dynamodb::types::Projection::builder()
                        .projection_type(text(&projection, "ProjectionType").as_str().into())
                        .build(),
                )
                .build()?,
        );
    }
    if let Some(stream) = spec.get("StreamSpecification") {
        request = request.stream_specification(
            dynamodb::types::StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(text(stream, "StreamViewType").as_str().into())
                .build()?,
        );
    }
    let created = request
        .send()
        .await
        .with_context(|| format!("creating table {name}"))?;
    if let Some(ttl) = spec.get("TimeToLiveSpecification") {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                dynamodb::types::TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName"))
                    .enabled(flag(ttl, "Enabled").unwrap_or(false))
                    .build()?,
            )
            .send()
            .await
            .context("enabling TTL")?;
    }
    let arn = created
        .table_description()
        .and_then(|t| t.latest_stream_arn())
        .ok_or_else(|| anyhow!("the emulator created {name} without a stream"))?;
    Ok((name.to_string(), arn.to_string()))
}

async fn bucket(client: &s3::Client, template: &Template, name: &str) -> Result<String> {
    if client.head_bucket().bucket(name).send().await.is_ok() {
        return Ok(name.to_string());
    }
    let spec = template.properties("AttachmentsBucket", "AWS::S3::Bucket")?;
    client
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .with_context(|| format!("creating bucket {name}"))?;
    if let Some(cors) = spec.get("CorsConfiguration") {
        let mut rules = Vec::new();
        for rule in list(cors, "CorsRules") {
            let mut origins = Vec::new();
            for origin in list(&rule, "AllowedOrigins") {
                origins.push(template.resolve(&origin)?);
            }
            rules.push(
                s3::types::CorsRule::builder()
                    .set_allowed_origins(Some(origins))
                    .set_allowed_methods(Some(strings(rule.get("AllowedMethods"))))
                    .set_allowed_headers(Some(strings(rule.get("AllowedHeaders"))))
                    .set_max_age_seconds(number(&rule, "MaxAge"))
                    .build()?,
            );
        }
        client
            .put_bucket_cors()
            .bucket(name)
            .cors_configuration(
                s3::types::CorsConfiguration::builder()
                    .set_cors_rules(Some(rules))
                    .build()?,
            )
            .send()
            .await
            .context("setting the bucket's CORS")?;
    }
    if let Some(lifecycle) = spec.get("LifecycleConfiguration") {
        let mut rules = Vec::new();
        for rule in list(lifecycle, "Rules") {
            let mut built = s3::types::LifecycleRule::builder()
                .id(text(&rule, "Id"))
                .status(text(&rule, "Status").as_str().into())
                .filter(
                    s3::types::LifecycleRuleFilter::builder()
                        .prefix(text(&rule, "Prefix"))
                        .build(),
                );
            if let Some(days) = number(&rule, "ExpirationInDays") {
                built =
                    built.expiration(s3::types::LifecycleExpiration::builder().days(days).build());
            }
            if let Some(abort) = rule.get("AbortIncompleteMultipartUpload") {
                built = built.abort_incomplete_multipart_upload(
                    s3::types::AbortIncompleteMultipartUpload::builder()
                        .set_days_after_initiation(number(abort, "DaysAfterInitiation"))
                        .build(),
                );
            }
            rules.push(built.build()?);
        }
        client
            .put_bucket_lifecycle_configuration()
            .bucket(name)
            .lifecycle_configuration(
                s3::types::BucketLifecycleConfiguration::builder()
                    .set_rules(Some(rules))
                    .build()?,
            )
            .send()
            .await
            .context("setting the bucket's lifecycle")?;
    }
    Ok(name.to_string())
}

async fn user_pool(
    client: &cognito::Client,
    template: &Template,
    name: &str,
) -> Result<(String, String)> {
    let pool_id = match find_pool(client, name).await? {
        Some(id) => id,
        None => create_pool(client, template, name).await?,
    };
    let existing = client
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(60)
        .send()
        .await
        .context("listing app clients")?;
    let spec = template.single("AWS::Cognito::UserPoolClient")?;
    let client_name = text(&spec, "ClientName");
    let found = existing
        .user_pool_clients()
        .iter()
        .find(|c| c.client_name() == Some(client_name.as_str()))
        .and_then(|c| c.client_id().map(str::to_string));
    let client_id = match found {
        Some(id) => id,
        None => create_client(client, &spec, &pool_id).await?,
    };
    for (_, group) in template.of_type("AWS::Cognito::UserPoolGroup") {
        let result = client
            .create_group()
            .user_pool_id(&pool_id)
            .group_name(text(&group, "GroupName"))
            .description(text(&group, "Description"))
            .send()
            .await;
        if let Err(error) = result {
            let exists = error
                .as_service_error()
                .is_some_and(|e| e.is_group_exists_exception());
            if !exists {
                return Err(error).context("creating a user group");
            }
        }
    }
    Ok((pool_id, client_id))
}

async fn find_pool(client: &cognito::Client, name: &str) -> Result<Option<String>> {
    let pools = client
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .context("listing user pools")?;
    Ok(pools
        .user_pools()
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id().map(str::to_string)))
}

async fn create_pool(client: &cognito::Client, template: &Template, name: &str) -> Result<String> {
    use cognito::types::*;
    let spec = template.single("AWS::Cognito::UserPool")?;
    let password = spec
        .get("Policies")
        .and_then(|p| p.get("PasswordPolicy"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut request = client
        .create_user_pool()
        .pool_name(name)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .set_minimum_length(number(&password, "MinimumLength"))
                        .set_require_lowercase(flag(&password, "RequireLowercase"))
                        .set_require_uppercase(flag(&password, "RequireUppercase"))
                        .set_require_numbers(flag(&password, "RequireNumbers"))
                        .set_require_symbols(flag(&password, "RequireSymbols"))
                        .set_temporary_password_validity_days(number(
                            &password,
                            "TemporaryPasswordValidityDays",
                        ))
                        .build(),
                )
                .build(),
        )
        .set_username_attributes(Some(
            strings(spec.get("UsernameAttributes"))
                .iter()
                .map(|a| a.as_str().into())
                .collect(),
        ))
        .set_auto_verified_attributes(Some(
            strings(spec.get("AutoVerifiedAttributes"))
                .iter()
                .map(|a| a.as_str().into())
                .collect(),
        ));
    if let Some(config) = spec.get("UsernameConfiguration") {
        request = request.username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(flag(config, "CaseSensitive").unwrap_or(true))
                .build()?,
        );
    }
    for attribute in list(&spec, "Schema") {
        let mut built = SchemaAttributeType::builder()
            .name(text(&attribute, "Name"))
            .attribute_data_type(text(&attribute, "AttributeDataType").as_str().into())
            .set_required(flag(&attribute, "Required"))
            .set_mutable(flag(&attribute, "Mutable"));
        if let Some(constraints) = attribute.get("StringAttributeConstraints") {
            built = built.string_attribute_constraints(
                StringAttributeConstraintsType::builder()
                    .min_length(text(constraints, "MinLength"))
                    .max_length(text(constraints, "MaxLength"))
                    .build(),
            );
        }
        request = request.schema(built.build());
    }
    if let Some(message) = spec.get("VerificationMessageTemplate") {
        request = request.verification_message_template(
            VerificationMessageTemplateType::builder()
                .default_email_option(text(message, "DefaultEmailOption").as_str().into())
                .email_subject(text(message, "EmailSubject"))
                .email_message(text(message, "EmailMessage"))
                .build(),
        );
    }
    let created = request
        .send()
        .await
        .with_context(|| format!("creating user pool {name}"))?;
    created
        .user_pool()
        .and_then(|p| p.id())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the emulator returned no pool id"))
}

async fn create_client(client: &cognito::Client, spec: &Value, pool_id: &str) -> Result<String> {
    use cognito::types::*;
    let units = spec
        .get("TokenValidityUnits")
        .cloned()
        .unwrap_or(Value::Null);
    let created = client
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(text(spec, "ClientName"))
        .generate_secret(flag(spec, "GenerateSecret").unwrap_or(false))
        .set_explicit_auth_flows(Some(
            strings(spec.get("ExplicitAuthFlows"))
                .iter()
                .map(|f| f.as_str().into())
                .collect(),
        ))
        .prevent_user_existence_errors(text(spec, "PreventUserExistenceErrors").as_str().into())
        .set_enable_token_revocation(flag(spec, "EnableTokenRevocation"))
        .set_access_token_validity(number(spec, "AccessTokenValidity"))
        .set_id_token_validity(number(spec, "IdTokenValidity"))
        .set_refresh_token_validity(number(spec, "RefreshTokenValidity"))
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(text(&units, "AccessToken").as_str().into())
                .id_token(text(&units, "IdToken").as_str().into())
                .refresh_token(text(&units, "RefreshToken").as_str().into())
                .build(),
        )
        .set_read_attributes(Some(strings(spec.get("ReadAttributes"))))
        .set_write_attributes(Some(strings(spec.get("WriteAttributes"))))
        .send()
        .await
        .context("creating the app client")?;
    created
        .user_pool_client()
        .and_then(|c| c.client_id())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the emulator returned no client id"))
}

async fn sender(client: &ses::Client, template: &Template) -> Result<String> {
    let spec = template.single("AWS::SES::EmailIdentity")?;
    let identity = template.resolve(
        spec.get("EmailIdentity")
            .ok_or_else(|| anyhow!("AWS::SES::EmailIdentity has no EmailIdentity"))?,
    )?;
    let result = client
        .create_email_identity()
        .email_identity(&identity)
        .send()
        .await;
    if let Err(error) = result {
        let exists = error
            .as_service_error()
            .is_some_and(|e| e.is_already_exists_exception());
        if !exists {
            return Err(error).context("creating the SES sender identity");
        }
    }
    Ok(identity)
}
