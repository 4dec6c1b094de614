//! The same plans on an Apache Ballista cluster.
//!
//! [`Engine::remote`] opens a session whose plans a Ballista scheduler
//! (`df://HOST:PORT`) splits into stages and its executors run. The
//! session has the configuration of [`Engine::new`], so [`Engine::load`]
//! and [`Engine::sql`] give the same answers on a cluster as in this
//! process.
//!
//! What a cluster reads: the Parquet files of a dataset (`samples/`), by
//! their absolute path or url, so the executors must see the dataset at
//! the path this process sees it (the same machine, or a shared file
//! system), or the bucket of an `s3://` dataset with the same settings
//! ([`crate::store`]).
//! The skeletons (`profiles/`) are read by this process, which rebuilds
//! the merged profile from the aggregated rows. `.pb.gz` files are read
//! only in this process ([`crate::pbtable`]); on a cluster they are an
//! [`Error::Invalid`].
//!
//! [`set_cluster`] names the cluster for the whole process, so that
//! [`crate::source_hook`] merges dataset sources there.
//!
//! The binary `pprof-fleet-node` of this crate runs a scheduler or an
//! executor (Ballista's own `ballista-scheduler` and `ballista-executor`
//! work as well).

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use datafusion::execution::context::SessionContext;
use datafusion::execution::session_state::SessionStateBuilder;

use crate::progress::ReadCounter;
use crate::query::{self, Engine};
use crate::store::Stores;
use crate::Error;

/// How long [`Engine::remote`] waits for the scheduler to accept a
/// connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

static CLUSTER: OnceLock<String> = OnceLock::new();

/// Makes `url` (`df://HOST:PORT`) the Ballista scheduler of this process:
/// [`crate::source_hook`] and [`engine`] use it from then on. `false` when
/// a cluster was set already (the first one stays).
pub fn set_cluster(url: String) -> bool {
    CLUSTER.set(url).is_ok()
}

/// The scheduler set by [`set_cluster`], if any.
pub fn cluster() -> Option<&'static str> {
    CLUSTER.get().map(String::as_str)
}

/// An engine on the cluster of [`set_cluster`], or in this process when
/// none is set.
pub fn engine() -> Result<Engine, Error> {
    match cluster() {
        Some(url) => Engine::remote(url),
        None => Engine::new(),
    }
}

/// The host and port of a scheduler's url, `df://HOST:PORT` (the port
/// defaults to Ballista's 50050).
pub fn parse_url(url: &str) -> Result<(String, u16), Error> {
    let bad = |why: &str| {
        Error::Invalid(format!(
            "Ballista scheduler {url:?}: {why}; want df://HOST:PORT, e.g. df://127.0.0.1:50050"
        ))
    };
    let Some(rest) = url.strip_prefix("df://") else {
        return Err(bad("not a df:// url"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#', '@']) {
        return Err(bad("only a host and a port may follow df://"));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') => {
            let port = p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?;
            (h, port)
        }
        _ => (rest, 50050),
    };
    if host.is_empty() || host.contains(['[', ']', ':']) {
        return Err(bad("want a host name or an IPv4 address"));
    }
    Ok((host.to_string(), port))
}

/// The error of a `.pb.gz` source on the cluster at `url`.
pub(crate) fn not_a_dataset(url: &str) -> Error {
    Error::Invalid(format!(
        "{url}: a Ballista cluster reads Parquet datasets; write one with `pprof-tools export -parquet`"
    ))
}

impl Engine {
    /// A session on the Ballista cluster whose scheduler is at `url`
    /// (`df://HOST:PORT`), with the configuration of [`Engine::new`]. The
    /// scheduler must accept a connection within [`CONNECT_TIMEOUT`]
    /// ([`Error::Cluster`] otherwise); see the [module](crate::cluster)
    /// for what a cluster reads.
    pub fn remote(url: &str) -> Result<Engine, Error> {
        let (host, port) = parse_url(url)?;
        reachable(url, &host, port)?;
        let rt = query::runtime()?;
        let read = Arc::new(ReadCounter::default());
        let state = SessionStateBuilder::new()
            .with_config(query::session_config())
            .with_runtime_env(Stores::runtime_env(read.clone(), None)?)
            .with_default_features()
            .build();
        let scheduler = format!("df://{host}:{port}");
        let ctx = rt
            .block_on(SessionContext::remote_with_state(&scheduler, state))
            .map_err(|e| Error::Cluster(format!("{url}: {}", crate::one_line(&e.to_string()))))?;
        Ok(Engine::from_parts(rt, ctx, Some(url.to_string()), read))
    }

    /// The scheduler's url when this engine runs on a Ballista cluster.
    pub fn cluster(&self) -> Option<&str> {
        self.cluster.as_deref()
    }
}

/// Whether something accepts connections at `host:port` (Ballista's
/// client would only fail at the first query, with a long message).
fn reachable(url: &str, host: &str, port: u16) -> Result<(), Error> {
    let unreachable =
        |why: String| Error::Cluster(format!("{url}: cannot reach the Ballista scheduler: {why}"));
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| unreachable(e.to_string()))?;
    let mut last = String::from("the host name has no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(unreachable(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("df://127.0.0.1:50051").unwrap(),
            ("127.0.0.1".to_string(), 50051)
        );
        assert_eq!(
            parse_url("df://sched.example/").unwrap(),
            ("sched.example".to_string(), 50050)
        );
        for bad in [
            "127.0.0.1:50050",
            "http://127.0.0.1:50050",
            "df://",
            "df://:50050",
            "df://h:0",
            "df://h:99999",
            "df://h:x",
            "df://h:1/path",
            "df://[::1]:50050",
        ] {
            let e = parse_url(bad).unwrap_err();
            assert!(
                matches!(&e, Error::Invalid(m) if m.contains("df://HOST:PORT")),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn an_unreachable_scheduler_is_an_error() {
        // A port that was free a moment ago: nothing listens there.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("df://127.0.0.1:{port}");
        match Engine::remote(&url) {
            Err(Error::Cluster(m)) => assert!(m.contains(&url), "{m}"),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a remote engine without a scheduler"),
        }
    }
}
