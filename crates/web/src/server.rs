//! The HTTP server: tokio and axum, each request answered on a blocking
//! thread so that a long view never holds up another.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;

use super::WebUi;

/// Errors of [`serve`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The `-http` value is not `host:port` (Go's `net.SplitHostPort`
    /// message, as pprof prints it).
    #[error("could not split http address: address {addr}: {problem}")]
    Address {
        /// The value.
        addr: String,
        /// What is wrong (`missing port in address`...).
        problem: &'static str,
    },
    /// The port is not a number.
    #[error("invalid port number: strconv.Atoi: parsing {port:?}: invalid syntax")]
    Port {
        /// The port text.
        port: String,
    },
    /// The port is a number but not a TCP port (Go's listen message).
    #[error("listen tcp: address {port}: invalid port")]
    PortRange {
        /// The port text.
        port: String,
    },
    /// The address could not be listened on.
    #[error("listen tcp {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The server's runtime failed.
    #[error("web server: {0}")]
    Runtime(#[source] std::io::Error),
}

/// What [`serve`] tells once it listens.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Started {
    /// The interface's address, `http://host:port`.
    pub url: String,
    /// A warning for addresses that other machines may reach.
    pub warning: Option<String>,
}

/// Splits pprof's `-http` value into host and port the way Go's
/// `net.SplitHostPort` does (`[::1]:80` for IPv6); an empty host is
/// `localhost`, an empty port 0 (any free port).
pub fn split_host_port(addr: &str) -> Result<(String, u16), ServeError> {
    let err = |problem| ServeError::Address {
        addr: addr.to_string(),
        problem,
    };
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(err("missing ']' in address"));
        };
        match after.strip_prefix(':') {
            Some(port) => (host, port),
            None if after.is_empty() => return Err(err("missing port in address")),
            None => return Err(err("unexpected ']' in address")),
        }
    } else {
        let Some((host, port)) = addr.rsplit_once(':') else {
            return Err(err("missing port in address"));
        };
        if host.contains(':') {
            return Err(err("too many colons in address"));
        }
        (host, port)
    };
    let host = if host.is_empty() { "localhost" } else { host };
    let port = if port.is_empty() {
        0
    } else {
        match port.parse::<u64>() {
            Ok(n) => u16::try_from(n).map_err(|_| ServeError::PortRange {
                port: port.to_string(),
            })?,
            Err(_) => {
                return Err(ServeError::Port {
                    port: port.to_string(),
                })
            }
        }
    };
    Ok((host.to_string(), port))
}

/// Whether `host` (a name or address, without port) is this machine's
/// loopback interface.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host part of a `Host` header value.
fn host_of(header: &str) -> &str {
    if header.starts_with('[') {
        return header.split(']').next().map_or(header, |h| &h[1..]);
    }
    header.rsplit_once(':').map_or(header, |(h, _)| h)
}

struct Shared {
    ui: WebUi,
    /// Requests must name a loopback host (DNS rebinding).
    loopback: bool,
}

/// The Content-Security-Policy of every answer: scripts only from the
/// server's own files, so no inline handler or `javascript:` URL runs.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// Serves `ui` on `addr` (pprof's `-http` value: `host:port`, `:port`
/// for localhost, port 0 or none for any free port) until the process
/// ends. `ready` gets the URL, and a warning for an address other
/// machines may reach, once the server listens. On a loopback address,
/// requests whose `Host` header names another host are refused (a web
/// page elsewhere cannot reach the profile through DNS rebinding).
pub fn serve(ui: WebUi, addr: &str, ready: impl FnOnce(&Started)) -> Result<(), ServeError> {
    let (host, port) = split_host_port(addr)?;
    let listen = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let listener = TcpListener::bind(&listen).map_err(|source| ServeError::Listen {
        addr: listen.clone(),
        source,
    })?;
    let local: SocketAddr = listener.local_addr().map_err(ServeError::Runtime)?;
    let loopback = is_loopback(&host) && local.ip().is_loopback();
    let shown = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.clone()
    };
    let warning = (!loopback).then(|| {
        format!(
            "Warning: the web interface listens on {shown}, which other machines may reach: \
anyone who can connect can read the profile."
        )
    });
    listener
        .set_nonblocking(true)
        .map_err(ServeError::Runtime)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .build()
        .map_err(ServeError::Runtime)?;
    let shared = Arc::new(Shared { ui, loopback });
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
        ready(&Started {
            url: format!("http://{shown}:{}", local.port()),
            warning,
        });
        let app = axum::Router::new().fallback(handle).with_state(shared);
        axum::serve(listener, app)
            .await
            .map_err(ServeError::Runtime)
    })
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue, StatusCode};
    // Everything needed from the request, taken before any await (the
    // body is not shared between threads).
    let (host, origin, method, target) = {
        let header_str = |name: header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let host = header_str(header::HOST)
            .or_else(|| req.uri().authority().map(|a| a.to_string()))
            .unwrap_or_default();
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string());
        (
            host,
            header_str(header::ORIGIN),
            req.method().as_str().to_string(),
            target,
        )
    };
    drop(req);
    let mut answer = if shared.loopback && !is_loopback(host_of(&host)) {
        super::Response::error(403, "permission denied: the Host header names another site")
    } else if method == "POST"
        && origin.is_some_and(|o| o.split_once("://").map(|(_, h)| h) != Some(host.as_str()))
    {
        super::Response::error(403, "permission denied: cross-site request")
    } else {
        tokio::task::spawn_blocking(move || shared.ui.answer(&method, &target))
            .await
            .unwrap_or_else(|_| super::Response::error(500, "internal error"))
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = HeaderValue::from_static(answer.content_type);
    let headers = std::mem::take(&mut answer.headers);
    // A text view's page is made as it is sent.
    let body = if answer.rest.is_some() {
        axum::body::Body::from_stream(futures_util::stream::iter(
            answer
                .into_parts()
                .map(Ok::<Vec<u8>, std::convert::Infallible>),
        ))
    } else {
        axum::body::Body::from(answer.body)
    };
    let mut response = axum::response::Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_like_go() {
        assert_eq!(
            split_host_port(":8080").unwrap(),
            ("localhost".to_string(), 8080)
        );
        assert_eq!(split_host_port("[::1]:0").unwrap(), ("::1".to_string(), 0));
        assert_eq!(
            split_host_port("0.0.0.0:").unwrap(),
            ("0.0.0.0".to_string(), 0)
        );
        assert_eq!(
            split_host_port("18098").unwrap_err().to_string(),
            "could not split http address: address 18098: missing port in address"
        );
        assert_eq!(
            split_host_port("a:b:1").unwrap_err().to_string(),
            "could not split http address: address a:b:1: too many colons in address"
        );
        assert_eq!(
            split_host_port("localhost:x").unwrap_err().to_string(),
            "invalid port number: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            split_host_port("127.0.0.1:99999").unwrap_err().to_string(),
            "listen tcp: address 99999: invalid port"
        );
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["evil.example", "0.0.0.0", "10.0.0.1", ""] {
            assert!(!is_loopback(h), "{h}");
        }
        assert_eq!(host_of("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("[::1]:8080"), "::1");
        assert_eq!(host_of("evil.example"), "evil.example");
    }
}
