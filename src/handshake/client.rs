//! STUB
use super::ExtensionOffer;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClientRequest {
    pub host: String,
    pub port: u16,
    pub secure: bool,
    pub resource: String,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub extensions: Vec<ExtensionOffer>,
    pub headers: Vec<(String, String)>,
    pub user_agent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub protocol: Option<String>,
    pub extensions: Vec<ExtensionOffer>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResponseError {
    pub status: Option<u16>,
    pub message: String,
}

pub fn generate_key(_random: [u8; 16]) -> String {
    todo!()
}

pub fn build_request(_req: &ClientRequest, _key: &str) -> Result<Vec<u8>, String> {
    todo!()
}

pub fn parse_response(
    _head: &[u8],
    _key: &str,
    _offered_protocols: &[String],
    _offered_extensions: &[String],
    _max_headers: usize,
) -> Result<Response, ResponseError> {
    todo!()
}
