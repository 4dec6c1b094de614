//! pprof-fetch's integration tests: one binary (HTTP against an in-process
//! server replaying net/http/pprof's answers, and against a real Go service).

mod causes;
mod http;
mod http_go;
