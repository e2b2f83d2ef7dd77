//! The public catalog and FAQ (R3.1–R3.5, R4.1): no sign-in, cacheable
//! answers, each read from one catalog item.
//!
//! | route | answer |
//! |---|---|
//! | `GET /catalog/categories` | `{categories: [CategoryNode]}` |
//! | `GET /catalog/services?category=&audience=` | `{services: [ServiceSummary]}` |
//! | `GET /catalog/services/{serviceId}` | [`ServicePage`] |
//! | `GET /catalog/services/{serviceId}/providers?kind=&region=&federal_district=&city=&q=` | `{service_id, total, providers, facets}` |
//! | `GET /faq` | `{sections: [FaqSection]}` |
//! | `GET /openapi.json` | the API's OpenAPI 3.1 document, [`OPENAPI_JSON`] |
//! | `GET /docs` | the same as a page for people, [`OPENAPI_PAGE`] |

use http::Method;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use super::SetupError;
use crate::catalog::{
    Audience, CategoryNode, Facets, FaqSection, InvalidParameter, Provider, ProviderFilter,
    ProviderFilterParams, ServicePage, ServiceSummary, is_valid_id,
};
use crate::config;
use crate::error::{ApiError, FieldError};
use crate::http::{ApiResult, Query, cacheable_json, cacheable_text, path_segments};
use crate::runtime::Handler;
use crate::store::catalog::CatalogTable;

/// How long browsers and CDNs may keep a catalog answer, in seconds. The
/// catalog changes only when operators import a new file.
pub const MAX_AGE: u32 = 300;

/// The OpenAPI 3.1 document of the whole API, as committed: generated from
/// the code by `cargo xtask openapi`, and checked by the tests to be what the
/// code generates now.
pub const OPENAPI_JSON: &str = include_str!("../../api/openapi.json");

/// [`OPENAPI_JSON`] as a self-contained HTML page, generated with it.
pub const OPENAPI_PAGE: &str = include_str!("../../api/index.html");

/// What the page may load: nothing but its own inline styles.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The handler of the catalog function.
#[derive(Debug, Clone)]
pub struct CatalogApi {
    table: CatalogTable,
}

/// Answer of `GET /catalog/categories`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoriesAnswer {
    /// Top-level categories, each with its services and subcategories.
    pub categories: Vec<CategoryNode>,
}

/// Answer of `GET /catalog/services`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServicesAnswer<'a> {
    /// Matching services in catalog order.
    pub services: Vec<&'a ServiceSummary>,
}

/// Answer of `GET /catalog/services/{serviceId}/providers`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvidersAnswer<'a> {
    /// The service the providers deliver.
    pub service_id: &'a str,
    /// Number of the service's providers before filtering.
    pub total: usize,
    /// Providers that pass the filter, in catalog order.
    pub providers: Vec<&'a Provider>,
    /// Values the filter can take for this service.
    pub facets: Facets,
}

/// Answer of `GET /faq`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaqAnswer {
    /// Sections in catalog order, each with its questions.
    pub sections: Vec<FaqSection>,
}

enum Route<'a> {
    Categories,
    Services,
    Service(&'a str),
    Providers(&'a str),
    Faq,
    OpenApi,
    Docs,
}

/// The filters of `GET /catalog/services`.
pub const SERVICES_PARAMETERS: &[&str] = &["category", "audience"];
/// The filters of `GET /catalog/services/{id}/providers`.
pub const PROVIDERS_PARAMETERS: &[&str] = &["kind", "region", "federal_district", "city", "q"];

impl Route<'_> {
    /// The query parameters the route takes; the others take none.
    fn parameters(&self) -> &'static [&'static str] {
        match self {
            Self::Services => SERVICES_PARAMETERS,
            Self::Providers(_) => PROVIDERS_PARAMETERS,
            Self::Categories | Self::Service(_) | Self::Faq | Self::OpenApi | Self::Docs => &[],
        }
    }
}

impl CatalogApi {
    /// The handler reading catalog items of `table` through `db`.
    pub fn new(db: aws_sdk_dynamodb::Client, table: String) -> Self {
        Self {
            table: CatalogTable::new(db, table),
        }
    }

    /// The handler configured from the environment: `TABLE_NAME`.
    pub async fn from_env() -> Result<Self, SetupError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = config::aws().await;
        Ok(Self::new(aws_sdk_dynamodb::Client::new(&sdk), table))
    }

    async fn answer(&self, request: &Request) -> ApiResult {
        let segments = path_segments(request);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let route = match segments.as_slice() {
            ["catalog", "categories"] => Route::Categories,
            ["catalog", "services"] => Route::Services,
            ["catalog", "services", id] => Route::Service(id),
            ["catalog", "services", id, "providers"] => Route::Providers(id),
            ["faq"] => Route::Faq,
            ["openapi.json"] => Route::OpenApi,
            ["docs"] => Route::Docs,
            _ => {
                return Err(ApiError::not_found(
                    "Такого адреса нет в разделе «Услуги и функции».",
                ));
            }
        };
        if request.method() != Method::GET {
            return Err(ApiError::method_not_allowed());
        }
        let query = Query::parse(request, route.parameters())?;
        match route {
            Route::Categories => self.categories().await,
            Route::Services => self.services(&query).await,
            Route::Service(id) => self.service(id).await,
            Route::Providers(id) => self.providers(&query, id).await,
            Route::Faq => self.faq().await,
            Route::OpenApi => cacheable_text("application/json", OPENAPI_JSON, MAX_AGE),
            Route::Docs => {
                let mut page = cacheable_text("text/html; charset=utf-8", OPENAPI_PAGE, MAX_AGE)?;
                let policy = http::HeaderValue::from_static(PAGE_POLICY);
                page.headers_mut()
                    .insert(http::header::CONTENT_SECURITY_POLICY, policy);
                Ok(page)
            }
        }
    }

    async fn categories(&self) -> ApiResult {
        let classifier = self.table.classifier().await?;
        let classifier = classifier.ok_or_else(not_imported)?;
        cacheable_json(
            &CategoriesAnswer {
                categories: classifier.tree(),
            },
            MAX_AGE,
        )
    }

    async fn services(&self, query: &Query) -> ApiResult {
        let audience = query
            .get("audience")
            .map(|raw| Audience::parse(&raw))
            .transpose()
            .map_err(|error| bad_parameter(InvalidParameter::unknown_value("audience", &error)))?;
        let category = query.get("category");

        let classifier = self.table.classifier().await?;
        let classifier = classifier.ok_or_else(not_imported)?;
        let services = classifier
            .services(category.as_deref(), audience)
            .map_err(|unknown| unknown_category(&unknown.0))?;
        cacheable_json(&ServicesAnswer { services }, MAX_AGE)
    }

    async fn service(&self, id: &str) -> ApiResult {
        let page = self.page(id).await?;
        cacheable_json(&page, MAX_AGE)
    }

    async fn providers(&self, query: &Query, id: &str) -> ApiResult {
        let kind = query.get("kind");
        let region = query.get("region");
        let federal_district = query.get("federal_district");
        let city = query.get("city");
        let q = query.get("q");
        let filter = ProviderFilter::parse(ProviderFilterParams {
            kind: kind.as_deref(),
            region: region.as_deref(),
            federal_district: federal_district.as_deref(),
            city: city.as_deref(),
            q: q.as_deref(),
        })
        .map_err(bad_parameter)?;

        let page = self.page(id).await?;
        cacheable_json(
            &ProvidersAnswer {
                service_id: &page.id,
                total: page.providers.len(),
                providers: filter.apply(&page.providers),
                facets: Facets::of(&page.providers),
            },
            MAX_AGE,
        )
    }

    async fn faq(&self) -> ApiResult {
        let sections = self.table.faq().await?;
        let sections = sections.ok_or_else(not_imported)?;
        cacheable_json(&FaqAnswer { sections }, MAX_AGE)
    }

    async fn page(&self, id: &str) -> Result<ServicePage, ApiError> {
        if !is_valid_id(id) {
            return Err(ApiError::not_found("Такой услуги нет в каталоге."));
        }
        let page = self.table.service(id).await?;
        page.ok_or_else(|| ApiError::not_found(format!("Услуга «{id}» не найдена в каталоге.")))
    }
}

impl Handler for CatalogApi {
    async fn handle(&self, request: Request) -> Response<Body> {
        self.answer(&request)
            .await
            .unwrap_or_else(ApiError::into_response)
    }
}

pub(crate) fn bad_parameter(error: InvalidParameter) -> ApiError {
    let mut problem = ApiError::bad_request("invalid_parameter", error.detail.clone());
    problem
        .errors
        .push(FieldError::new(error.parameter, error.code, error.detail));
    problem
}

pub(crate) fn unknown_category(id: &str) -> ApiError {
    let detail = if is_valid_id(id) {
        format!("Категория «{id}» не найдена в каталоге.")
    } else {
        "Такой категории нет в каталоге.".to_string()
    };
    let mut problem = ApiError::not_found(detail.clone());
    problem
        .errors
        .push(FieldError::new("category", "not_found", detail));
    problem
}

/// The catalog has not been imported into this table: the operators' fault,
/// and one they fix by running the import.
pub(crate) fn not_imported() -> ApiError {
    ApiError::unavailable("the catalog has not been imported into the table")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;
    use lambda_http::RequestExt;

    /// A handler whose client is never reached: every request here is
    /// answered before any DynamoDB call.
    fn offline_api() -> CatalogApi {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        CatalogApi::new(aws_sdk_dynamodb::Client::from_conf(config), "unused".into())
    }

    fn request(method: &str, path_and_query: &str) -> Request {
        let path = path_and_query.split('?').next().unwrap_or_default();
        http::Request::builder()
            .method(method)
            .uri(path_and_query)
            .body(Body::Empty)
            .unwrap()
            .with_raw_http_path(path)
    }

    async fn problem(method: &str, path_and_query: &str) -> (StatusCode, serde_json::Value) {
        let response = offline_api().handle(request(method, path_and_query)).await;
        let status = response.status();
        let Body::Text(text) = response.body() else {
            panic!("a problem is text");
        };
        (status, serde_json::from_str(text).unwrap())
    }

    #[tokio::test]
    async fn an_unknown_path_is_not_found() {
        let (status, body) = problem("GET", "/catalog/everything").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["code"], "not_found");
    }

    #[tokio::test]
    async fn only_get_is_allowed() {
        let (status, body) = problem("POST", "/faq").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(body["code"], "method_not_allowed");
    }

    #[tokio::test]
    async fn an_unknown_audience_is_a_bad_request_naming_it() {
        let (status, body) = problem("GET", "/catalog/services?audience=everyone").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid_parameter");
        assert_eq!(body["errors"][0]["field"], "audience");
        assert!(body["detail"].as_str().unwrap().contains("«audience»"));
    }

    #[tokio::test]
    async fn an_unknown_kind_is_a_bad_request_naming_it() {
        let (status, body) =
            problem("GET", "/catalog/services/origin-st1/providers?kind=bank").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "kind");
        assert_eq!(body["errors"][0]["code"], "invalid_value");
    }

    #[tokio::test]
    async fn a_service_id_that_cannot_exist_is_not_found() {
        let (status, body) = problem("GET", "/catalog/services/%D0%A2%D0%9F%D0%9F").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["detail"], "Такой услуги нет в каталоге.");
    }
}
