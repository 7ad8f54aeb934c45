//! The pages' resources: loaded on the server for the first render, then on the
//! client by their server functions. Leptos's default codec reads the server's values
//! back with `serde_json::from_str`, while server functions read their answers with
//! `serde_json::from_slice`: each type loaded by both then has two JSON parsers in the
//! WASM bundle. [`Json`] reads with `from_slice` too, so each type has one. Every
//! resource of the pages is made here.
use leptos::prelude::Resource;
use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::future::Future;

/// JSON written by `serde_json` on the server and read from bytes on the client.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource of the pages.
pub type Loaded<T> = Resource<T, Json>;

/// A resource that reloads when `source` changes (see [`Resource::new`]). The few
/// the server must wait for before it sends the page (the current user) are made with
/// `Loaded::new_with_options(source, fetcher, true)`, the same codec.
#[track_caller]
pub fn load<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
